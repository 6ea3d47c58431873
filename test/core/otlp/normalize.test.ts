/**
 * Per-point validation (normalize.ts), run through both decoders: every case is one OTLP/JSON request
 * decoded as JSON and, encoded to protobuf by test/support/otlp-encode.ts, as protobuf; both must give
 * the same points and rejections.
 */
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import type { DecodeResult, HistogramPoint, NormalizeOptions, NumberPoint } from '#core/point.js';
import { MAX_REJECTION_MESSAGES } from '#core/point.js';
import { encodeOtlpRequest } from '../../support/otlp-encode.js';
import { nanos, options } from './helpers.js';

type Obj = Record<string, unknown>;

function request(
  metrics: Obj[],
  resourceAttributes: Obj[] = [{ key: 'service.name', value: { stringValue: 'v' } }],
) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: resourceAttributes },
        scopeMetrics: [{ scope: { name: 's', version: '1' }, metrics }],
      },
    ],
  };
}

/** Decodes `req` as JSON and as protobuf, checks they agree, returns the result. */
function both(req: unknown, opts: NormalizeOptions = options()): DecodeResult {
  const fromJson = decodeOtlpJson(JSON.stringify(req), opts);
  const fromPb = decodeOtlpProtobuf(encodeOtlpRequest(req), opts);
  expect(fromPb).toEqual(fromJson);
  return fromJson;
}

const attrs = [{ key: 'host', value: { stringValue: 'a' } }];

function gauge(points: Obj[], name = 'g'): Obj {
  return { name, gauge: { dataPoints: points } };
}

function histogram(points: Obj[]): Obj {
  return { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: points } };
}

function hp(overrides: Obj): Obj {
  return {
    attributes: attrs,
    startTimeUnixNano: nanos(-10_000),
    timeUnixNano: nanos(),
    count: 3,
    sum: 6,
    min: 1,
    max: 3,
    explicitBounds: [1, 2],
    bucketCounts: [1, 1, 1],
    ...overrides,
  };
}

function expo(overrides: Obj): Obj {
  return {
    name: 'e',
    exponentialHistogram: {
      aggregationTemporality: 2,
      dataPoints: [
        {
          attributes: attrs,
          timeUnixNano: nanos(),
          count: 4,
          sum: 10,
          scale: 3,
          zeroCount: 1,
          positive: { offset: -2, bucketCounts: [1, 0, 2] },
          negative: { offset: 0, bucketCounts: [] },
          ...overrides,
        },
      ],
    },
  };
}

function expectRejected(result: DecodeResult, reason: string, message: string): void {
  expect(result.points).toHaveLength(0);
  expect(result.rejections.total).toBe(1);
  expect(result.rejections.byReason).toEqual({ [reason]: 1 });
  expect(result.rejections.messages[0]).toBe(message);
}

describe('Function: validation shared by decodeOtlpJson and decodeOtlpProtobuf', () => {
  it('accepts a valid gauge with exact times', () => {
    const r = both(request([gauge([{ attributes: attrs, timeUnixNano: nanos(-5, 123), asDouble: 1.5 }])]));
    expect(r.rejections.total).toBe(0);
    const p = r.points[0] as NumberPoint;
    expect([p.value, p.timeMs, p.timeNs, p.startMs, p.startNs]).toEqual([1.5, 1_795_600_799_995, 123, 0, 0]);
  });

  it.each([
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
  ])('refuses a %s value as non-finite', (value, shown) => {
    const r = both(request([gauge([{ timeUnixNano: nanos(), asDouble: value }])]));
    expectRejected(r, 'non_finite_value', `metric "g" point 0: value is ${shown}`);
  });

  it('refuses a point without time or without value as missing', () => {
    expectRejected(
      both(request([gauge([{ asDouble: 1 }])])),
      'missing_field',
      'metric "g" point 0: time_unix_nano is missing',
    );
    expectRejected(
      both(request([gauge([{ timeUnixNano: nanos() }])])),
      'missing_field',
      'metric "g" point 0: the point has no value (as_double / as_int)',
    );
  });

  it('refuses points beyond maxFutureMs or older than the correction horizon, to the nanosecond', () => {
    const o = options({ maxFutureMs: 60_000, correctionHorizonMs: 3_600_000 });
    const at = (ms: number, ns = 0) => request([gauge([{ timeUnixNano: nanos(ms, ns), asInt: 1 }])]);
    expect(both(at(60_000), o).points).toHaveLength(1);
    expectRejected(
      both(at(60_000, 1), o),
      'too_far_in_future',
      'metric "g" point 0: time 2026-11-25T10:01:00.000Z is more than 60000 ms after now (2026-11-25T10:00:00.000Z)',
    );
    expect(both(at(-3_600_000), o).points).toHaveLength(1);
    expectRejected(
      both(at(-3_600_001), o),
      'older_than_horizon',
      'metric "g" point 0: time 2026-11-25T08:59:59.999Z is older than the correction horizon (2026-11-25T09:00:00.000Z)',
    );
  });

  it('refuses a start time after the time', () => {
    const r = both(
      request([gauge([{ timeUnixNano: nanos(), startTimeUnixNano: nanos(0, 1), asDouble: 1 }])]),
    );
    expectRejected(r, 'invalid_field', 'metric "g" point 0: start_time_unix_nano is after time_unix_nano');
  });

  it('skips NO_RECORDED_VALUE points without refusing them', () => {
    const r = both(
      request([
        gauge([
          { timeUnixNano: nanos(), flags: 1 },
          { timeUnixNano: nanos(), asInt: 7 },
        ]),
      ]),
    );
    expect(r.rejections.total).toBe(0);
    expect(r.points.map((p) => (p as NumberPoint).value)).toEqual([7]);
  });

  it('reads int64 values, including negative ones', () => {
    const r = both(request([gauge([{ timeUnixNano: nanos(), asInt: '-42' }])]));
    expect((r.points[0] as NumberPoint).value).toBe(-42);
  });

  describe('histograms', () => {
    it('accepts a consistent histogram', () => {
      const r = both(request([histogram([hp({})])]));
      const p = r.points[0] as HistogramPoint;
      expect([p.count, p.sum, p.min, p.max, p.bounds, p.bucketCounts]).toEqual([
        3,
        6,
        1,
        3,
        [1, 2],
        [1, 1, 1],
      ]);
      expect(p.context.metric).toMatchObject({ kind: 'histogram', temporality: 1, monotonic: false });
    });

    it('turns a count/sum-only histogram into one (-inf, +inf) bucket', () => {
      const p = both(request([histogram([hp({ explicitBounds: [], bucketCounts: [] })])])).points[0];
      expect([(p as HistogramPoint).bounds, (p as HistogramPoint).bucketCounts]).toEqual([[], [3]]);
    });

    it.each([
      [
        { bucketCounts: [1, 2] },
        'invalid_field',
        'bucket_counts has 2 entries for 2 explicit_bounds (expected 3)',
      ],
      [{ bucketCounts: [] }, 'missing_field', 'bucket_counts is missing for 2 explicit_bounds'],
      [{ bucketCounts: [1, 1, 2] }, 'invalid_field', 'bucket counts add up to 4, not count 3'],
      [{ explicitBounds: [2, 1] }, 'invalid_field', 'explicit_bounds must be finite and strictly increasing'],
      [
        { explicitBounds: [1, 'Infinity'] },
        'invalid_field',
        'explicit_bounds must be finite and strictly increasing',
      ],
      [{ sum: 'NaN' }, 'non_finite_value', 'sum is NaN'],
      [{ min: '-Infinity' }, 'non_finite_value', 'min is -Infinity'],
      [{ max: 'Infinity' }, 'non_finite_value', 'max is Infinity'],
      [{ min: 4 }, 'invalid_field', 'min 4 is greater than max 3'],
      [{ count: '18446744073709551615' }, 'invalid_field', 'count NaN is not an exact non-negative integer'],
    ])('refuses %j', (overrides, reason, message) => {
      expectRejected(both(request([histogram([hp(overrides)])])), reason, `metric "h" point 0: ${message}`);
    });

    it('shares one bounds array between points with the same bounds (protobuf)', () => {
      const req = request([histogram([hp({}), hp({ attributes: [] })])]);
      const [a, b] = decodeOtlpProtobuf(encodeOtlpRequest(req), options()).points as HistogramPoint[];
      expect(a?.bounds).toBe(b?.bounds);
    });
  });

  describe('exponential histograms', () => {
    it('accepts a consistent exponential histogram', () => {
      const [p] = both(request([expo({})])).points;
      expect(p).toMatchObject({
        type: 'exponentialHistogram',
        count: 4,
        scale: 3,
        zeroCount: 1,
        positive: { offset: -2, bucketCounts: [1, 0, 2] },
        negative: { offset: 0, bucketCounts: [] },
      });
    });

    it.each([
      [{ count: 5 }, 'invalid_field', 'bucket counts add up to 4, not count 5'],
      [{ scale: 21 }, 'invalid_field', 'scale 21 is outside [-10, 20]'],
      [{ scale: -11 }, 'invalid_field', 'scale -11 is outside [-10, 20]'],
      [{ max: 'Infinity' }, 'non_finite_value', 'max is Infinity'],
      [{ zeroThreshold: -1 }, 'invalid_field', 'zero_threshold -1 is negative'],
      [{ zeroThreshold: 'NaN' }, 'non_finite_value', 'zero_threshold is NaN'],
    ])('refuses %j', (overrides, reason, message) => {
      expectRejected(both(request([expo(overrides)])), reason, `metric "e" point 0: ${message}`);
    });
  });

  describe('summaries', () => {
    const summary = (q: Obj[], sum: unknown = 10) => ({
      name: 'q',
      summary: { dataPoints: [{ timeUnixNano: nanos(), count: 2, sum, quantileValues: q }] },
    });

    it('accepts a summary with its quantiles', () => {
      const [p] = both(request([summary([{ quantile: 0.5, value: 4 }])])).points;
      expect(p).toMatchObject({
        type: 'summary',
        count: 2,
        sum: 10,
        quantiles: [{ quantile: 0.5, value: 4 }],
      });
      expect(p?.context.metric.temporality).toBe(0);
    });

    it.each([
      [[{ quantile: 1.5, value: 1 }], 10, 'invalid_field', 'quantile 1.5 is outside [0, 1]'],
      [[{ quantile: 0.9, value: 'NaN' }], 10, 'non_finite_value', 'value at quantile 0.9 is NaN'],
      [[], 'Infinity', 'non_finite_value', 'sum is Infinity'],
    ])('refuses quantiles %j with sum %s', (q, sum, reason, message) => {
      expectRejected(both(request([summary(q, sum)])), reason, `metric "q" point 0: ${message}`);
    });
  });

  describe('metric-level problems refuse every point of the metric', () => {
    const points = [
      { timeUnixNano: nanos(), asInt: 1 },
      { timeUnixNano: nanos(), asInt: 2 },
    ];

    it('refuses sums and histograms with an unspecified or unknown temporality', () => {
      for (const temporality of [0, 3]) {
        const r = both(
          request([{ name: 's', sum: { aggregationTemporality: temporality, dataPoints: points } }]),
        );
        expect(r.rejections).toEqual({
          total: 2,
          byReason: { invalid_field: 2 },
          messages: [
            `metric "s" point 0 and 1 more: aggregation_temporality ${temporality} is not DELTA (1) or CUMULATIVE (2)`,
          ],
        });
      }
    });

    it('refuses a metric without a name', () => {
      const r = both(request([gauge(points, '')]));
      expect(r.rejections.byReason).toEqual({ missing_field: 2 });
    });

    it('accepts temporality given by enum name (JSON)', () => {
      const body = JSON.stringify(
        request([
          { name: 's', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', dataPoints: points } },
        ]),
      );
      const r = decodeOtlpJson(body, options());
      expect(r.points.map((p) => p.context.metric.temporality)).toEqual([1, 1]);
    });
  });

  describe('attribute limits', () => {
    const o = options({ maxAttributes: 2, maxKeyLength: 5, maxValueLength: 8 });
    const kv = (key: string, v: Obj) => ({ key, value: v });
    const resource = [kv('svc', { stringValue: 'v' })];
    const at = (attributes: Obj[]) =>
      request([gauge([{ attributes, timeUnixNano: nanos(), asDouble: 1 }])], resource);

    it('accepts attributes at the limits', () => {
      const r = both(at([kv('abcde', { stringValue: '12345678' }), kv('b', { intValue: 1 })]), o);
      expect(r.points).toHaveLength(1);
    });

    it.each([
      [
        [kv('a', { boolValue: true }), kv('b', { boolValue: true }), kv('c', { boolValue: true })],
        '3 attributes exceed the limit of 2',
      ],
      [[kv('abcdef', { boolValue: true })], 'an attribute key of 6 characters exceeds the limit of 5'],
      [[kv('a', { stringValue: '123456789' })], 'an attribute value of 9 characters exceeds the limit of 8'],
      [
        [kv('a', { arrayValue: { values: [{ stringValue: 'xxxxx' }] } })],
        'an attribute value of 9 characters exceeds the limit of 8',
      ],
      [
        [kv('a', { bytesValue: 'AAAAAAAAAAAA' })],
        'an attribute value of 12 characters exceeds the limit of 8',
      ],
    ])('refuses %j', (attributes, message) => {
      expectRejected(both(at(attributes), o), 'attribute_limit', `metric "g" point 0: ${message}`);
    });

    it('refuses every point of a resource whose attributes break the limits', () => {
      const req = request(
        [
          gauge([{ timeUnixNano: nanos(), asDouble: 1 }]),
          gauge([{ timeUnixNano: nanos(), asDouble: 2 }], 'g2'),
        ],
        [kv('svc', { stringValue: 'much-too-long' })],
      );
      const r = both(req, o);
      expect(r.rejections.total).toBe(2);
      expect(r.rejections.messages[0]).toBe(
        'metric "g" point 0: resource: an attribute value of 13 characters exceeds the limit of 8',
      );
    });
  });

  it('counts every rejection but keeps only the first messages', () => {
    const points = Array.from({ length: 25 }, () => ({ timeUnixNano: nanos(), asDouble: 'NaN' }));
    const r = both(request([gauge(points)]));
    expect(r.rejections.total).toBe(25);
    expect(r.rejections.messages).toHaveLength(MAX_REJECTION_MESSAGES);
    expect(r.rejections.messages[9]).toBe('metric "g" point 9: value is NaN');
  });

  it('accepts the good points of a request with bad ones (partial success)', () => {
    const r = both(
      request([
        gauge([
          { timeUnixNano: nanos(), asDouble: 1 },
          { timeUnixNano: nanos(), asDouble: 'NaN' },
          { timeUnixNano: nanos(-100_000_000), asDouble: 3 },
          { timeUnixNano: nanos(), asDouble: 4 },
        ]),
      ]),
    );
    expect(r.points.map((p) => (p as NumberPoint).value)).toEqual([1, 4]);
    expect(r.rejections.byReason).toEqual({ non_finite_value: 1, older_than_horizon: 1 });
  });
});
