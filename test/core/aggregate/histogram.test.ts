import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalizeContext } from '#core/aggregate/contract.js';
import { type HistogramState, histogramKind } from '#core/aggregate/histogram.js';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError, WindrowError } from '#core/errors.js';
import type { HistogramPoint } from '#core/point.js';
import {
  DEFAULT_LAW_CONTEXT,
  decodeState,
  describeAggregateLaws,
  encodeState,
  foldPoints,
} from '../../support/aggregate-laws.js';
import {
  binValues,
  boundsArb,
  explicitBucket,
  histogramOfValues,
  histogramPoint,
  histogramPointArb,
  histogramWithValuesArb,
} from '../../support/histogram-points.js';
import { exactQuantile, exactSum, lognormalSample } from '../../support/oracles.js';
import { numberPoint, WINDOW_START_MS } from '../../support/points.js';

const options = DEFAULT_AGGREGATE_OPTIONS;
const context: FinalizeContext = DEFAULT_LAW_CONTEXT;
const OTEL_DEFAULT_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

function fold(points: readonly HistogramPoint[]): HistogramState {
  return foldPoints(histogramKind, points, options);
}

function intersectAll(sets: readonly (readonly number[])[]): number[] | undefined {
  let out: number[] | undefined;
  for (const s of sets) out = out === undefined ? [...s] : out.filter((b) => s.includes(b));
  return out;
}

/** The documented error bound: the width of the bucket holding the true value, clamped to [min, max]. */
function allowedError(bounds: readonly number[], min: number, max: number, truth: number): number {
  const i = explicitBucket(bounds, truth);
  const lo = i === 0 ? min : Math.max(bounds[i - 1] as number, min);
  const hi = i === bounds.length ? max : Math.min(bounds[i] as number, max);
  return hi - lo + 1e-12 * Math.max(Math.abs(lo), Math.abs(hi));
}

describe('Class: histogramKind', () => {
  describeAggregateLaws({ kind: histogramKind, points: histogramPointArb(), deterministicBytes: true });
  describeAggregateLaws({
    kind: histogramKind,
    label: 'OpenTelemetry default bounds',
    points: histogramPointArb({ bounds: fc.constant(OTEL_DEFAULT_BOUNDS) }),
    deterministicBytes: true,
  });

  describe('Method: add', () => {
    it('adds bucket counts when the bounds are equal', () => {
      const s = fold([histogramOfValues([1, 7, 30], [5, 10, 25]), histogramOfValues([2, 9, 9], [5, 10, 25])]);
      expect(s.bounds).toEqual([5, 10, 25]);
      expect(s.counts).toEqual([2, 3, 0, 1]);
      expect(histogramKind.finalize(s, context)).toMatchObject({ count: 6, sum: 58, min: 1, max: 30 });
    });

    it('merges different bounds onto the bounds common to both, keeping every count', () => {
      const s = fold([
        histogramOfValues([3, 7, 40], [0, 5, 10]),
        histogramOfValues([6, 12, 30], [5, 10, 20]),
      ]);
      // (−∞,5] (5,10] (10,∞): 3 | 7, 6 | 40, 12, 30
      expect(s.bounds).toEqual([5, 10]);
      expect(s.counts).toEqual([1, 2, 3]);
      expect(s.count).toBe(6);
    });

    it('puts everything in one bucket when the bounds are disjoint', () => {
      const s = fold([histogramOfValues([1, 2], [1, 2]), histogramOfValues([30], [10, 20])]);
      const stats = histogramKind.finalize(s, { ...context, percentiles: [50] });
      expect(stats.buckets).toEqual({ bounds: [], counts: [3] });
      // One bucket [min, max]: rank 1 of 3 at (1 + ½)/3 of the way from 1 to 30.
      expect(stats.percentiles).toEqual({ p50: 1 + 29 * (1.5 / 3) });
    });

    it('treats a point without buckets as one bucket (−∞, +∞) holding its count', () => {
      const s = fold([histogramPoint({ bounds: [], bucketCounts: [], count: 4, sum: 10, min: 1, max: 4 })]);
      expect(s.counts).toEqual([4]);
      expect(histogramKind.finalize(s, context)).toMatchObject({ count: 4, sum: 10, avg: 2.5 });
    });

    it('forgets sum, min and max once a point lacks them, and says so by leaving them out', () => {
      const s = fold([
        histogramOfValues([1, 2], [5]),
        histogramOfValues([3], [5], {}, { sum: false }),
        histogramOfValues([9], [5], {}, { max: false }),
      ]);
      const stats = histogramKind.finalize(s, context);
      expect(stats).toMatchObject({ count: 4, min: 1 });
      expect(stats.sum).toBeUndefined();
      expect(stats.avg).toBeUndefined();
      expect(stats.max).toBeUndefined();
      expect(stats.stddev).toBeUndefined();
    });

    it('skips points without observations, so they cannot coarsen the window', () => {
      const s = fold([histogramOfValues([1], [5, 10]), histogramOfValues([], [7])]);
      expect(s.bounds).toEqual([5, 10]);
      expect(s.count).toBe(1);
    });

    it('drops malformed points (normalization rejects them) instead of corrupting the state', () => {
      const s = fold([
        histogramPoint({ bounds: [5, 1], bucketCounts: [1, 1, 1] }),
        histogramPoint({ bounds: [5], bucketCounts: [1, 2, 3] }),
        histogramPoint({ bounds: [5], bucketCounts: [1, -1] }),
        histogramPoint({ bounds: [Number.NaN], bucketCounts: [1, 1] }),
      ]);
      expect(s).toEqual(histogramKind.empty());
    });

    it('refuses points of another type', () => {
      expect(() => histogramKind.add(histogramKind.empty(), numberPoint(1), options)).toThrow(WindrowError);
    });
  });

  describe('Method: merge', () => {
    it('equals binning every raw value onto the bounds common to all points', () => {
      fc.assert(
        fc.property(
          fc.array(histogramWithValuesArb({ carried: fc.constant({}) }), { maxLength: 12 }),
          (items) => {
            const values = items.flatMap((i) => i.values);
            const withValues = items.filter((i) => i.values.length > 0);
            const s = fold(items.map((i) => i.point));
            const bounds = intersectAll(withValues.map((i) => i.point.bounds));
            if (bounds === undefined) {
              expect(s.count).toBe(0);
              return;
            }
            expect(s.bounds).toEqual(bounds);
            expect(s.counts).toEqual(binValues(bounds, values));
            const stats = histogramKind.finalize(s, context);
            expect(stats.min).toBe(Math.min(...values));
            expect(stats.max).toBe(Math.max(...values));
            const sum = exactSum(items.map((i) => i.point.sum ?? 0));
            expect(Math.abs((stats.sum ?? Number.NaN) - sum)).toBeLessThanOrEqual(
              1e-12 * Math.abs(sum) + 1e-9,
            );
          },
        ),
      );
    });
  });

  describe('Method: finalize', () => {
    it('estimates every percentile within the width of the bucket holding the true value', () => {
      fc.assert(
        fc.property(
          fc.array(histogramWithValuesArb({ carried: fc.constant({}) }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }),
          (items, percentiles) => {
            const values = items.flatMap((i) => i.values);
            fc.pre(values.length > 0);
            const s = fold(items.map((i) => i.point));
            const stats = histogramKind.finalize(s, { ...context, percentiles });
            const bounds = s.bounds ?? [];
            const [min, max] = [Math.min(...values), Math.max(...values)];
            for (const p of percentiles) {
              const truth = exactQuantile(values, p / 100);
              const estimate = stats.percentiles?.[`p${p}`];
              expect(estimate).toBeDefined();
              expect(estimate).toBeGreaterThanOrEqual(min);
              expect(estimate).toBeLessThanOrEqual(max);
              expect(Math.abs((estimate ?? Number.NaN) - truth)).toBeLessThanOrEqual(
                allowedError(bounds, min, max, truth),
              );
            }
          },
        ),
      );
    });

    it('keeps p50/p90/p99 of 10,000 lognormal latencies within their bucket on the default bounds', () => {
      const values = lognormalSample(10_000, { mu: Math.log(100), sigma: 1, seed: 11 });
      const points = Array.from({ length: 10 }, (_, i) =>
        histogramOfValues(values.slice(i * 1000, (i + 1) * 1000), OTEL_DEFAULT_BOUNDS),
      );
      const stats = histogramKind.finalize(fold(points), { ...context, percentiles: [50, 90, 99] });
      const [min, max] = [Math.min(...values), Math.max(...values)];
      for (const p of [50, 90, 99]) {
        const truth = exactQuantile(values, p / 100);
        const error = Math.abs((stats.percentiles?.[`p${p}`] ?? Number.NaN) - truth);
        expect(error).toBeLessThanOrEqual(allowedError(OTEL_DEFAULT_BOUNDS, min, max, truth));
      }
    });

    it('reports min and max exactly at p0 and p100, and no stddev', () => {
      const stats = histogramKind.finalize(fold([histogramOfValues([3, 4, 8], [5])]), context);
      expect(stats.percentiles?.p0).toBe(3);
      expect(stats.percentiles?.p100).toBe(8);
      expect(stats.stddev).toBeUndefined();
    });

    it('gives the result of its doc example', () => {
      const latency = histogramPoint({
        bounds: [10, 100],
        bucketCounts: [3, 5, 2],
        sum: 900,
        min: 2,
        max: 400,
      });
      const latency2 = histogramPoint({
        bounds: [100, 1000],
        bucketCounts: [6, 1, 0],
        sum: 700,
        min: 8,
        max: 250,
      });
      const stats = histogramKind.finalize(fold([latency, latency2]), { ...context, percentiles: [50] });
      expect(stats).toEqual({
        count: 17,
        sum: 1600,
        min: 2,
        max: 400,
        avg: 1600 / 17,
        percentiles: { p50: expect.closeTo(61.5, 12) },
        buckets: { bounds: [100], counts: [14, 3] },
      });
    });

    it('gives an open-ended bucket its finite edge when min or max is unknown, and no estimate with none', () => {
      const s = fold([histogramOfValues([50, 60, 70], [10], {}, { max: false })]);
      expect(histogramKind.finalize(s, { ...context, percentiles: [50] }).percentiles).toEqual({ p50: 50 });
      const none = fold([histogramPoint({ bounds: [], bucketCounts: [], count: 3 })]);
      expect(histogramKind.finalize(none, { ...context, percentiles: [50] }).percentiles).toEqual({});
    });

    it('reports only the count when empty', () => {
      expect(histogramKind.finalize(histogramKind.empty(), context)).toEqual({ count: 0 });
    });
  });

  describe('Method: encode', () => {
    it('writes OpenTelemetry default bounds as varints: a one-point state in about 60 bytes', () => {
      const s = fold([histogramOfValues([3, 12, 12, 80, 420], OTEL_DEFAULT_BOUNDS)]);
      const bytes = encodeState(histogramKind, s);
      expect(bytes.length).toBeLessThanOrEqual(64);
      expect(decodeState(histogramKind, bytes)).toEqual(s);
    });

    it('round-trips fractional bounds, unknown stats and compensated sums', () => {
      fc.assert(
        fc.property(fc.array(histogramPointArb({ bounds: boundsArb }), { maxLength: 10 }), (points) => {
          const s = fold(points);
          expect(decodeState(histogramKind, encodeState(histogramKind, s))).toEqual(s);
        }),
      );
    });

    it('rejects unknown versions and flags with StateCodecError', () => {
      for (const bytes of [
        [2, 0, 0],
        [1, 64, 0],
        [1, 1, 0],
      ]) {
        expect(() => histogramKind.decode(new ByteReader(new Uint8Array(bytes)))).toThrow(StateCodecError);
      }
      const out = new ByteWriter();
      out.u8(1);
      out.u8(32);
      out.uvarint(3);
      out.svarint(5);
      out.svarint(5); // not increasing
      expect(() => histogramKind.decode(new ByteReader(out.finish()))).toThrow(StateCodecError);
    });
  });
});

describe('Regression: histogram', () => {
  it('does not share bucket arrays between a merge result and its inputs', () => {
    const a = fold([histogramOfValues([1], [5], { timeMs: WINDOW_START_MS })]);
    const merged = histogramKind.merge(histogramKind.empty(), a, options);
    histogramKind.add(merged, histogramOfValues([2], [5]), options);
    expect(a.counts).toEqual([1, 0]);
  });
});
