/**
 * `limits.maxNameLength` (default 255) and `limits.maxUnitLength` (default 63): longer metric names or
 * units refuse the metric's points with `name_limit`, in every input format; descriptions are cut,
 * never refused. Regression: a 100 KB metric name was accepted and stored.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { decodeSimplePoints } from '#core/otlp/simple-points.js';
import { type DecodeResult, MAX_DESCRIPTION_LENGTH, RejectReason } from '#core/point.js';
import { encodeOtlpRequest } from '../../support/otlp-encode.js';
import { NOW_MS, nanos, options } from './helpers.js';

function otlp(name: string, unit = '', description = '') {
  return {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name,
                unit,
                description,
                gauge: {
                  dataPoints: [
                    { asDouble: 1, timeUnixNano: nanos() },
                    { asDouble: 2, timeUnixNano: nanos() },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

type Format = 'json' | 'pb' | 'points';
const FORMATS: Format[] = ['json', 'pb', 'points'];

function decode(format: Format, name: string, unit = '', description = '', o = options()): DecodeResult {
  if (format === 'points') {
    const body = { points: [1, 2].map((value) => ({ metric: name, unit, timestamp: NOW_MS, value })) };
    return decodeSimplePoints(new TextEncoder().encode(JSON.stringify(body)), o);
  }
  const request = otlp(name, unit, description);
  return format === 'json'
    ? decodeOtlpJson(new TextEncoder().encode(JSON.stringify(request)), o)
    : decodeOtlpProtobuf(encodeOtlpRequest(request), o);
}

describe('Function: metric name and unit limits', () => {
  it.each(FORMATS)('accepts a 255-character name and a 63-character unit (%s)', (f) => {
    const r = decode(f, 'n'.repeat(255), 'u'.repeat(63));
    expect(r.rejections.total).toBe(0);
    expect(r.accepted).toBe(2);
  });

  it.each(FORMATS)('refuses every point of a 256-character name with name_limit (%s)', (f) => {
    const r = decode(f, 'n'.repeat(256));
    expect(r.accepted).toBe(0);
    expect(r.rejections.byReason).toEqual({ [RejectReason.nameLimit]: 2 });
    expect(r.rejections.messages.join(' ')).toContain('256 characters, more than the limit of 255');
  });

  it.each(FORMATS)('refuses a 64-character unit with name_limit (%s)', (f) => {
    const r = decode(f, 'm', 'u'.repeat(64));
    expect(r.accepted).toBe(0);
    expect(r.rejections.byReason).toEqual({ [RejectReason.nameLimit]: 2 });
  });

  it.each(FORMATS)('does not echo a 100 KB name in its messages (%s)', (f) => {
    const r = decode(f, 'x'.repeat(100_000));
    expect(r.rejections.byReason).toEqual({ [RejectReason.nameLimit]: 2 });
    for (const m of r.rejections.messages) expect(m.length).toBeLessThan(400);
  });

  it('follows the configured limits', () => {
    const config = parseConfig({ limits: { maxNameLength: 10, maxUnitLength: 2 } });
    expect(config.limits).toMatchObject({ maxNameLength: 10, maxUnitLength: 2 });
    expect(parseConfig({}).limits).toMatchObject({ maxNameLength: 255, maxUnitLength: 63 });
    const o = options({ maxNameLength: 10, maxUnitLength: 2 });
    expect(decode('json', 'n'.repeat(11), '', '', o).rejections.byReason).toEqual({ name_limit: 2 });
    expect(decode('json', 'n'.repeat(10), 'ms', '', o).accepted).toBe(2);
    expect(decode('json', 'n', 'abc', '', o).rejections.byReason).toEqual({ name_limit: 2 });
    expect(() => parseConfig({ limits: { maxNameLength: 0 } })).toThrow(/maxNameLength/);
  });

  it.each(['json', 'pb'] as const)('cuts long descriptions instead of refusing the point (%s)', (f) => {
    const long = `${'d'.repeat(MAX_DESCRIPTION_LENGTH - 1)}😀 and more`;
    const r = decode(f, 'm', '', long);
    expect(r.accepted).toBe(2);
    // The cut does not split the surrogate pair at the boundary.
    expect(r.points[0]?.context.metric.description).toBe('d'.repeat(MAX_DESCRIPTION_LENGTH - 1));
    // Descriptions are not identity: a cut one and the whole one are the same series.
    expect(r.points[0]?.context.key).toBe(decode(f, 'm', '', 'short').points[0]?.context.key);
  });
});
