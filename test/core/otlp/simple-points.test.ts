import { describe, expect, it } from 'vitest';
import { DecodeError } from '#core/errors.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeSimplePoints } from '#core/otlp/simple-points.js';
import type { DecodeResult, NumberPoint } from '#core/point.js';
import { NOW_MS, nanos, options } from './helpers.js';

const decode = (points: unknown[], o = options()): DecodeResult =>
  decodeSimplePoints(JSON.stringify({ points }), o);

describe('Function: decodeSimplePoints', () => {
  it('decodes the documented example as a gauge sample', () => {
    const r = decode([
      {
        metric: 'cpu.temp',
        timestamp: '2026-11-25T09:59:01.250Z',
        value: 41.5,
        attributes: { host: 'a' },
        unit: 'Cel',
        resource: { 'service.name': 'x' },
      },
    ]);
    expect(r.rejections.total).toBe(0);
    const p = r.points[0] as NumberPoint;
    expect(p).toMatchObject({
      type: 'number',
      value: 41.5,
      timeMs: NOW_MS - 58_750,
      timeNs: 0,
      startMs: 0,
      startNs: 0,
    });
    expect(p.attributes).toEqual({ attributes: { host: 'a' }, key: '"host"="a"' });
    expect(p.context.metric).toEqual({
      name: 'cpu.temp',
      unit: 'Cel',
      description: '',
      kind: 'gauge',
      temporality: 0,
      monotonic: false,
    });
    expect(p.context.resource.attributes).toEqual({ 'service.name': 'x' });
  });

  it.each([
    ['2026-11-25T10:00:00Z', NOW_MS, 0],
    ['2026-11-25t10:00:00.5z', NOW_MS + 500, 0],
    ['2026-11-25 10:00:00.123456789Z', NOW_MS + 123, 456_789],
    ['2026-11-25T11:30:00+01:30', NOW_MS, 0],
    ['2026-11-25T09:00:00.000001-01:00', NOW_MS, 1_000],
    [NOW_MS - 1, NOW_MS - 1, 0],
    [NOW_MS + 0.25, NOW_MS, 250_000],
  ])('reads timestamp %j', (timestamp, ms, ns) => {
    const [p] = decode([{ metric: 'm', timestamp, value: 1 }]).points;
    expect([p?.timeMs, p?.timeNs]).toEqual([ms, ns]);
  });

  it('shares series identity with an OTLP gauge of the same attributes', () => {
    const simple = decode([
      { metric: 'm', timestamp: NOW_MS, value: 1, attributes: { n: 1, ok: true, s: 'x' } },
    ]);
    const otlp = decodeOtlpJson(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'm',
                    gauge: {
                      dataPoints: [
                        {
                          timeUnixNano: nanos(),
                          asDouble: 1,
                          attributes: [
                            { key: 's', value: { stringValue: 'x' } },
                            { key: 'ok', value: { boolValue: true } },
                            { key: 'n', value: { intValue: '1' } },
                          ],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
      options(),
    );
    expect(simple.points[0]?.attributes.key).toBe(otlp.points[0]?.attributes.key);
    expect(simple.points[0]?.context.key).toBe(otlp.points[0]?.context.key);
  });

  it('accepts nested attribute values', () => {
    const [p] = decode([
      { metric: 'm', timestamp: NOW_MS, value: 1, attributes: { a: [1, 'x', null], o: { b: 2, a: 1 } } },
    ]).points;
    expect(p?.attributes.key).toBe('"a"=[n1,"x",z],"o"={"a"=n1,"b"=n2}');
  });

  it.each([
    [{ timestamp: NOW_MS, value: 1 }, 'missing_field', 'points[0]: metric is missing'],
    [{ metric: 'm', value: 1 }, 'missing_field', 'points[0] ("m"): timestamp is missing'],
    [{ metric: 'm', timestamp: NOW_MS }, 'missing_field', 'points[0] ("m"): value is missing'],
    [{ metric: 'm', timestamp: NOW_MS, value: 'NaN' }, 'non_finite_value', 'points[0] ("m"): value is NaN'],
    [
      { metric: 'm', timestamp: NOW_MS, value: '1' },
      'invalid_field',
      'points[0] ("m"): value must be a number',
    ],
    [{ metric: 7, timestamp: NOW_MS, value: 1 }, 'invalid_field', 'points[0]: metric must be a string'],
    [
      { metric: 'm', timestamp: '2026-11-25', value: 1 },
      'invalid_field',
      'points[0] ("m"): timestamp "2026-11-25" is not RFC 3339',
    ],
    [
      { metric: 'm', timestamp: '2026-02-30T00:00:00Z', value: 1 },
      'invalid_field',
      'points[0] ("m"): timestamp "2026-02-30T00:00:00Z" is not a valid date-time',
    ],
    [
      { metric: 'm', timestamp: -5, value: 1 },
      'invalid_field',
      'points[0] ("m"): timestamp must be non-negative epoch milliseconds',
    ],
    [
      { metric: 'm', timestamp: NOW_MS + 16 * 60_000, value: 1 },
      'too_far_in_future',
      'points[0] ("m"): time 2026-11-25T10:16:00.000Z is more than 900000 ms after now (2026-11-25T10:00:00.000Z)',
    ],
    [
      { metric: 'm', timestamp: '2026-11-23T10:00:00Z', value: 1 },
      'older_than_horizon',
      'points[0] ("m"): time 2026-11-23T10:00:00.000Z is older than the correction horizon (2026-11-24T10:00:00.000Z)',
    ],
    [
      { metric: 'm', timestamp: NOW_MS, value: 1, attributes: ['x'] },
      'invalid_field',
      'points[0] ("m"): attributes must be an object',
    ],
    [
      { metric: 'm', timestamp: NOW_MS, value: 1, attributes: { k: 'x'.repeat(5000) } },
      'attribute_limit',
      'points[0] ("m"): an attribute value of 5000 characters exceeds the limit of 4096',
    ],
    ['nope', 'invalid_field', 'points[0]: a point must be an object'],
  ])('refuses %j', (point, reason, message) => {
    const r = decode([point, { metric: 'ok', timestamp: NOW_MS, value: 2 }]);
    expect(r.points.map((p) => (p as NumberPoint).value)).toEqual([2]);
    expect(r.rejections).toEqual({ total: 1, byReason: { [reason]: 1 }, messages: [message] });
  });

  it('names the index of each refused point', () => {
    const r = decode([
      { metric: 'a', timestamp: NOW_MS, value: 1 },
      { metric: 'b', timestamp: NOW_MS, value: 'NaN' },
      { metric: 'c', timestamp: NOW_MS, value: 3 },
      { metric: 'd' },
    ]);
    expect(r.rejections.messages).toEqual([
      'points[1] ("b"): value is NaN',
      'points[3] ("d"): timestamp is missing',
    ]);
  });

  it.each([['{"points": {}}'], ['[]'], ['{}'], ['{"points": [']])(
    'refuses body %s with DecodeError',
    (text) => {
      expect(() => decodeSimplePoints(text, options())).toThrow(DecodeError);
    },
  );
});
