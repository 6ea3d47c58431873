import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalizeContext } from '#core/aggregate/contract.js';
import { type ExpHistogramState, expHistogramKind, MAX_EXP_BUCKETS } from '#core/aggregate/exp-histogram.js';
import { ByteReader } from '#core/codec/bytes.js';
import { StateCodecError, WindrowError } from '#core/errors.js';
import type { ExponentialHistogramPoint } from '#core/point.js';
import {
  DEFAULT_LAW_CONTEXT,
  decodeState,
  describeAggregateLaws,
  encodeState,
  foldPoints,
} from '../../support/aggregate-laws.js';
import {
  type ExpValue,
  expIndex,
  expOfValues,
  expPointArb,
  expValue,
  expValueArb,
  expWithValuesArb,
} from '../../support/histogram-points.js';
import { exactQuantile, lognormalSample } from '../../support/oracles.js';
import { numberPoint } from '../../support/points.js';

const options = DEFAULT_AGGREGATE_OPTIONS;
const context: FinalizeContext = DEFAULT_LAW_CONTEXT;

function fold(points: readonly ExponentialHistogramPoint[]): ExpHistogramState {
  return foldPoints(expHistogramKind, points, options);
}

function rawPoint(fields: Partial<ExponentialHistogramPoint>): ExponentialHistogramPoint {
  return { ...expOfValues([], 0), ...fields };
}

/** The scale the documented policy must land on: the largest ≤ every point's (and 20) at which
 *  each sign's values span at most MAX_EXP_BUCKETS buckets. */
function expectedScale(values: readonly ExpValue[], pointScales: readonly number[]): number {
  let scale = Math.min(20, ...pointScales);
  const fits = (s: number) =>
    ([1, -1] as const).every((sign) => {
      const indices = values.flatMap((v) => (v.sign === sign ? [expIndex(v.x, s)] : []));
      return indices.length === 0 || Math.max(...indices) - Math.min(...indices) + 1 <= MAX_EXP_BUCKETS;
    });
  while (!fits(scale)) scale--;
  return scale;
}

const zeroThresholdOnly = { thresholds: fc.constant(0), carried: fc.constant({}) };

describe('Class: expHistogramKind', () => {
  describeAggregateLaws({ kind: expHistogramKind, points: expPointArb(), deterministicBytes: true });
  describeAggregateLaws({
    kind: expHistogramKind,
    label: 'thresholds 2^-10, 0.5 and 3 everywhere',
    points: expPointArb({ thresholds: fc.constantFrom(0, 2 ** -10, 0.5, 3) }),
    deterministicBytes: true,
  });

  describeAggregateLaws({
    kind: expHistogramKind,
    label: 'points clustered around 2^−30 … 2^30 with thresholds',
    // Each point narrow, the series wide: absorbing a cluster then meeting a far one exercises spans.
    points: fc.integer({ min: -30, max: 30 }).chain((center) =>
      expPointArb({
        values: expValueArb(center, center + 0.5),
        scales: fc.integer({ min: 0, max: 4 }),
        thresholds: fc.constantFrom(0, 0, 2 ** -10, 0.5, 3),
      }),
    ),
    deterministicBytes: true,
  });

  describe('Method: merge', () => {
    it('equals building the histogram of all values directly at the common scale', () => {
      fc.assert(
        fc.property(fc.array(expWithValuesArb(zeroThresholdOnly), { maxLength: 8 }), (items) => {
          const withValues = items.filter((i) => i.values.length > 0);
          fc.pre(withValues.length > 0);
          const values = withValues.flatMap((i) => i.values);
          const scale = expectedScale(
            values,
            withValues.map((i) => i.point.scale),
          );
          const merged = expHistogramKind.finalize(fold(items.map((i) => i.point)), context);
          const direct = expHistogramKind.finalize(fold([expOfValues(values, scale)]), context);
          expect(merged.expBuckets).toEqual(direct.expBuckets);
          expect(merged.expBuckets?.scale).toBe(scale);
          expect(merged.count).toBe(values.length);
          expect(merged.min).toBe(Math.min(...values.map(expValue)));
          expect(merged.max).toBe(Math.max(...values.map(expValue)));
        }),
      );
    });

    it('downscales to keep at most 160 buckets per sign', () => {
      // 2^−30 … 2^30 at scale 4 is 960 buckets; 120 at scale 1.
      const values: ExpValue[] = [
        { sign: 1, x: -29.9 },
        { sign: 1, x: 29.9 },
        { sign: -1, x: 0.3 },
      ];
      const s = fold([expOfValues(values, 4)]);
      expect(s.scale).toBe(1);
      expect(s.positive.counts.length).toBeLessThanOrEqual(MAX_EXP_BUCKETS);
      expect(s.positive).toMatchObject({ offset: expIndex(-29.9, 1), span: { low: -60, high: 59 } });
    });

    it('takes the larger zero threshold and moves the buckets reaching below it into the zero count', () => {
      // Scale 0: 0.3 is in (0.25, 0.5] (index −2), 0.7 in (0.5, 1] (index −1), 3 in (2, 4] (index 1).
      const small = expOfValues(
        [
          { sign: 1, x: Math.log2(0.3) },
          { sign: -1, x: Math.log2(0.7) },
          { sign: 1, x: Math.log2(3) },
        ],
        0,
      );
      const coarse = expOfValues([{ sign: 1, x: Math.log2(5) }], 0, {}, {}, 0.6);
      for (const s of [fold([small, coarse]), fold([coarse, small])]) {
        expect(s.zeroThreshold).toBe(0.6);
        // (0.25, 0.5] and (0.5, 1] both start below 0.6: 0.3 and −0.7 count as zero.
        expect(s.zeroCount).toBe(2);
        expect(s.positive).toMatchObject({ offset: 1, counts: [1, 1] });
        expect(s.negative.counts).toEqual([]);
      }
    });

    it('chooses the scale from every count ever seen, absorbed ones included, so merge order cannot matter', () => {
      // tiny alone fits at scale 4; the threshold 3 absorbs it; huge with tiny needs scale 1. Were the
      // absorbed bucket forgotten, [tiny, threshold, huge] would stay at scale 4 while
      // [tiny, huge, threshold] drops to 1.
      const tiny = expOfValues([{ sign: 1, x: -29.5 }], 4);
      const threshold = expOfValues([{ sign: 1, x: 1.5 }], 4, {}, {}, 3);
      const huge = expOfValues([{ sign: 1, x: 29.5 }], 4);
      const orders = [
        [tiny, threshold, huge],
        [tiny, huge, threshold],
        [huge, threshold, tiny],
        [threshold, huge, tiny],
      ];
      const states = orders.map((points) => ({ ...fold(points), sum: undefined }));
      for (const s of states) expect(s).toEqual(states[0]);
      expect(states[0]).toMatchObject({ scale: 1, zeroCount: 2, positive: { span: { low: -59, high: 59 } } });
    });

    it('reaches the same state whether a threshold is raised before or after a downscale', () => {
      fc.assert(
        fc.property(
          fc.array(expPointArb({ thresholds: fc.constantFrom(0, 0.01, 0.5, 3) }), { maxLength: 6 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          (points, order) => {
            const shuffled = points.map((p, i) => ({ p, k: order[i] ?? i })).sort((a, b) => a.k - b.k);
            // Buckets, scale and zero count exactly (the compensated sum may split hi/lo differently).
            const a = fold(points);
            const b = fold(shuffled.map(({ p }) => p));
            expect({ ...b, sum: undefined }).toEqual({ ...a, sum: undefined });
          },
        ),
      );
    });
  });

  describe('Method: add', () => {
    it('downscales a point beyond scale 20 to 20', () => {
      const s = fold([expOfValues([{ sign: 1, x: 0.123456 }], 22)]);
      expect(s.scale).toBe(20);
      expect(s.positive.offset).toBe(expIndex(0.123456, 20));
    });

    it('skips points without observations, so they cannot lower the scale', () => {
      const s = fold([expOfValues([{ sign: 1, x: 1.5 }], 6), expOfValues([], -3)]);
      expect(s.scale).toBe(6);
    });

    it('drops malformed points (normalization rejects them) instead of corrupting the state', () => {
      const s = fold([
        rawPoint({ scale: -11, zeroCount: 1, count: 1 }),
        rawPoint({ scale: 1.5, zeroCount: 1, count: 1 }),
        rawPoint({ zeroCount: -1 }),
        rawPoint({ positive: { offset: 0, bucketCounts: [1, 0.5] } }),
        rawPoint({ positive: { offset: 5000, bucketCounts: [1] } }),
      ]);
      expect(s).toEqual(expHistogramKind.empty());
    });

    it('refuses points of another type', () => {
      expect(() => expHistogramKind.add(expHistogramKind.empty(), numberPoint(1), options)).toThrow(
        WindrowError,
      );
    });
  });

  describe('Method: finalize', () => {
    it('estimates percentiles within relative error √base − 1 of the final scale', () => {
      fc.assert(
        fc.property(
          fc.array(expWithValuesArb(zeroThresholdOnly), { minLength: 1, maxLength: 6 }),
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }),
          (items, percentiles) => {
            const values = items.flatMap((i) => i.values).map(expValue);
            fc.pre(values.length > 0);
            const s = fold(items.map((i) => i.point));
            const bound = 2 ** (2 ** -(s.scale + 1)) - 1;
            const stats = expHistogramKind.finalize(s, { ...context, percentiles });
            for (const p of percentiles) {
              const truth = exactQuantile(values, p / 100);
              const estimate = stats.percentiles?.[`p${p}`] ?? Number.NaN;
              expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(bound * Math.abs(truth) * (1 + 1e-12));
            }
          },
        ),
      );
    });

    it('keeps p50/p90/p99 of 10,000 lognormal latencies within √base − 1 of the scale 160 buckets allow', () => {
      const values = lognormalSample(10_000, { mu: Math.log(100), sigma: 0.5, seed: 5 });
      const asExp: ExpValue[] = values.map((v) => ({ sign: 1, x: Math.log2(v) }));
      const points = Array.from({ length: 10 }, (_, i) =>
        expOfValues(asExp.slice(i * 1000, (i + 1) * 1000), 8),
      );
      const s = fold(points);
      expect(s.scale).toBe(Math.min(8, expectedScale(asExp, [8])));
      const bound = 2 ** (2 ** -(s.scale + 1)) - 1;
      const stats = expHistogramKind.finalize(s, { ...context, percentiles: [50, 90, 99] });
      for (const p of [50, 90, 99]) {
        const truth = exactQuantile(values, p / 100);
        const estimate = stats.percentiles?.[`p${p}`] ?? Number.NaN;
        expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(bound * (1 + 1e-9));
      }
    });

    it('gives the result of its doc example', () => {
      const a = rawPoint({ scale: 1, count: 3, positive: { offset: 4, bucketCounts: [2, 1] } });
      const b = rawPoint({ scale: 0, count: 3, positive: { offset: 2, bucketCounts: [3] } });
      expect(expHistogramKind.finalize(fold([a, b]), context).expBuckets).toEqual({
        scale: 0,
        zeroCount: 0,
        positive: { offset: 2, counts: [6] },
        negative: { offset: 0, counts: [] },
      });
    });

    it('reports only the count when empty, and no stddev ever', () => {
      expect(expHistogramKind.finalize(expHistogramKind.empty(), context)).toEqual({ count: 0 });
      const stats = expHistogramKind.finalize(
        fold([expOfValues([{ sign: 0 }, { sign: -1, x: 1.5 }], 3)]),
        context,
      );
      expect(stats.stddev).toBeUndefined();
      expect(stats).toMatchObject({ count: 2, min: -(2 ** 1.5), max: 0 });
    });
  });

  describe('Method: encode', () => {
    it('keeps a typical SDK point small: 40 latencies at scale 6 (118 buckets) in 80 bytes', () => {
      const values = lognormalSample(40, { mu: Math.log(50), sigma: 0.3, seed: 3 }).map(
        (v): ExpValue => ({ sign: 1, x: Math.log2(v) }),
      );
      const s = fold([expOfValues(values, 6)]);
      const bytes = encodeState(expHistogramKind, s);
      expect(bytes.length).toBeLessThanOrEqual(80);
      expect(decodeState(expHistogramKind, bytes)).toEqual(s);
    });

    it('round-trips states with absorbed spans and thresholds', () => {
      fc.assert(
        fc.property(
          fc.array(expPointArb({ values: expValueArb(-12, 4), thresholds: fc.constantFrom(0, 0.5, 3) })),
          (points) => {
            const s = fold(points);
            expect(decodeState(expHistogramKind, encodeState(expHistogramKind, s))).toEqual(s);
          },
        ),
      );
    });

    it('rejects bad versions, scales and buckets under the threshold with StateCodecError', () => {
      for (const bytes of [
        [2, 0, 40, 0, 0, 0],
        [1, 0, 42, 0, 0, 0], // scale 21
        [1, 0, 40, 0, 1, 0, 0, 0], // a zero count
        [1, 255, 40, 0, 0, 0],
      ]) {
        expect(() => expHistogramKind.decode(new ByteReader(new Uint8Array(bytes)))).toThrow(StateCodecError);
      }
    });
  });
});
