/**
 * OTLP/JSON specifics: the proto3 JSON forms it accepts, and its error policy (shape errors above the
 * data point are DecodeErrors, shape errors inside one point refuse that point).
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '#core/errors.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import type { HistogramPoint, NumberPoint } from '#core/point.js';
import { NOW_MS, nanos, options } from './helpers.js';

type Obj = Record<string, unknown>;

const body = (metrics: unknown, resource: unknown = { attributes: [] }) =>
  JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 's' }, metrics }] }] });

const gauge = (points: unknown[]) => [{ name: 'g', gauge: { dataPoints: points } }];

function decodeError(text: string | Uint8Array): string {
  try {
    decodeOtlpJson(text, options());
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as Error).message;
  }
  throw new Error('expected a DecodeError');
}

describe('Function: decodeOtlpJson', () => {
  it('accepts 64-bit integers as strings or numbers, and bytes bodies', () => {
    const points = [
      { timeUnixNano: nanos(), asInt: '12' },
      { timeUnixNano: Number(nanos(-1)), asInt: 13 },
      { timeUnixNano: nanos(-2), asDouble: '1.5' },
    ];
    const text = body(gauge(points));
    const r = decodeOtlpJson(new TextEncoder().encode(text), options());
    expect(r.rejections.total).toBe(0);
    expect(r.points.map((p) => [(p as NumberPoint).value, p.timeMs])).toEqual([
      [12, NOW_MS],
      [13, NOW_MS - 1],
      [1.5, NOW_MS - 2],
    ]);
  });

  it('accepts histogram counts as strings, and a UTF-8 BOM', () => {
    const h = {
      name: 'h',
      histogram: {
        aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
        dataPoints: [{ timeUnixNano: nanos(), count: '3', bucketCounts: ['1', 2], explicitBounds: [5] }],
      },
    };
    const r = decodeOtlpJson(`\uFEFF${body([h])}`, options());
    expect((r.points[0] as HistogramPoint).bucketCounts).toEqual([1, 2]);
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(body([h]))]);
    expect(decodeOtlpJson(bom, options()).points).toHaveLength(1);
  });

  it('ignores unknown fields, snake_case names and exemplars', () => {
    const points = [
      {
        timeUnixNano: nanos(),
        asDouble: 1,
        time_unix_nano: 'whatever',
        exemplars: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', asDouble: 1 }],
        futureField: { nested: true },
      },
    ];
    const r = decodeOtlpJson(body([{ name: 'g', gauge: { dataPoints: points }, metadata: [] }]), options());
    expect(r.points).toHaveLength(1);
  });

  it('canonicalizes URL-safe and unpadded base64 bytes', () => {
    const at = (b64: string) =>
      decodeOtlpJson(
        body(
          gauge([
            { timeUnixNano: nanos(), asDouble: 1, attributes: [{ key: 'b', value: { bytesValue: b64 } }] },
          ]),
        ),
        options(),
      ).points[0]?.attributes;
    expect(at('_-8')).toEqual(at('/+8='));
    expect(at('/+8=')?.attributes).toEqual({ b: '/+8=' });
  });

  it('keys int64 attributes the same whether given as string or number', () => {
    const at = (v: unknown) =>
      decodeOtlpJson(
        body(
          gauge([{ timeUnixNano: nanos(), asDouble: 1, attributes: [{ key: 'i', value: { intValue: v } }] }]),
        ),
        options(),
      ).points[0]?.attributes.key;
    expect(at('200')).toBe(at(200));
    expect(at('0200')).toBe(at(200));
    expect(at('9007199254740993')).toBe('"i"=n9007199254740993');
  });

  describe('undecodable bodies (DecodeError)', () => {
    it.each([
      ['invalid JSON', '{"resourceMetrics": [', /^OTLP\/JSON: body is not valid JSON/],
      ['a non-object body', '[]', /^OTLP\/JSON: the body must be a JSON object$/],
      [
        'resourceMetrics not an array',
        '{"resourceMetrics": {}}',
        /^OTLP\/JSON: resourceMetrics must be an array$/,
      ],
      [
        'a resourceMetrics entry not an object',
        '{"resourceMetrics": [1]}',
        /resourceMetrics\[0\] must be an object/,
      ],
      ['a metric not an object', body([7]), /^OTLP\/JSON: metrics\[0\] must be an object$/],
      ['a metric name not a string', body([{ name: 1, gauge: { dataPoints: [] } }]), /name must be a string/],
      [
        'dataPoints not an array',
        body([{ name: 'g', gauge: { dataPoints: {} } }]),
        /dataPoints must be an array/,
      ],
      [
        'a temporality of the wrong type',
        body([{ name: 's', sum: { aggregationTemporality: true } }]),
        /enum/,
      ],
      [
        'resource attributes that are not KeyValues',
        body(gauge([]), { attributes: [{ key: 1 }] }),
        /an attribute key must be a string/,
      ],
    ])('refuses %s', (_, text, message) => {
      expect(decodeError(text)).toMatch(message);
    });

    it('refuses bytes that are not UTF-8', () => {
      expect(decodeError(Uint8Array.from([0x7b, 0xff, 0x7d]))).toBe('OTLP/JSON: body is not valid UTF-8');
    });
  });

  describe('points refused for a field of the wrong type (invalid_field)', () => {
    it.each([
      [{ timeUnixNano: nanos(), asDouble: 'abc' }, 'asDouble must be a number'],
      [{ timeUnixNano: {}, asDouble: 1 }, 'timeUnixNano must be a uint64 (decimal string or integer)'],
      [{ timeUnixNano: '-5', asDouble: 1 }, 'timeUnixNano must be a decimal uint64'],
      [{ timeUnixNano: '18446744073709551616', asDouble: 1 }, 'timeUnixNano must be a decimal uint64'],
      [{ timeUnixNano: '', asDouble: 1 }, 'timeUnixNano must be a decimal uint64'],
      [{ timeUnixNano: nanos(), asInt: 1.5 }, 'asInt must be an int64 (decimal string or integer)'],
      [{ timeUnixNano: nanos(), asDouble: 1, attributes: {} }, 'attributes must be an array'],
      [
        { timeUnixNano: nanos(), asDouble: 1, attributes: [{ key: 'k', value: 'v' }] },
        'an attribute value must be an AnyValue object',
      ],
      [
        { timeUnixNano: nanos(), asDouble: 1, attributes: [{ key: 'k', value: { intValue: '1e3' } }] },
        'intValue must be an int64 (decimal string or integer)',
      ],
      [
        {
          timeUnixNano: nanos(),
          asDouble: 1,
          attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }],
        },
        'intValue is outside the int64 range',
      ],
      [
        { timeUnixNano: nanos(), asDouble: 1, attributes: [{ key: 'k', value: { bytesValue: 'a!' } }] },
        'bytesValue must be base64',
      ],
      [{ timeUnixNano: nanos(), asDouble: 1, flags: 'x' }, 'flags must be a 32-bit integer'],
      ['not a point', 'the data point must be an object'],
      [null, 'the data point must be an object'],
    ])('refuses %j', (point, message) => {
      const r = decodeOtlpJson(body(gauge([point, { timeUnixNano: nanos(), asDouble: 2 }])), options());
      expect(r.points.map((p) => (p as NumberPoint).value)).toEqual([2]);
      expect(r.rejections).toEqual({
        total: 1,
        byReason: { invalid_field: 1 },
        messages: [`metric "g" point 0: ${message}`],
      });
    });

    it('refuses histogram points with malformed buckets', () => {
      const points: Obj[] = [
        { timeUnixNano: nanos(), count: 1, bucketCounts: [1, 'x'], explicitBounds: [1] },
        { timeUnixNano: nanos(), count: 1, bucketCounts: [0, 1], explicitBounds: [true] },
      ];
      const r = decodeOtlpJson(
        body([{ name: 'h', histogram: { aggregationTemporality: 1, dataPoints: points } }]),
        options(),
      );
      expect(r.rejections.messages).toEqual([
        'metric "h" point 0: bucketCounts must be a uint64 (decimal string or integer)',
        'metric "h" point 1: explicitBounds must be a number',
      ]);
    });
  });
});
