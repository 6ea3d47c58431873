import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalizeContext } from '#core/aggregate/contract.js';
import { type NumberState, numberKind } from '#core/aggregate/number.js';
import { ByteReader } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';
import type { NumberPoint } from '#core/point.js';
import { DDSketch } from '#core/sketch/index.js';
import {
  closeStats,
  DEFAULT_LAW_CONTEXT,
  decodeState,
  describeAggregateLaws,
  encodeState,
  foldPoints,
} from '../../support/aggregate-laws.js';
import {
  exactQuantile,
  exactStddev,
  exactSum,
  lognormalSample,
  normalSample,
  seededRandom,
} from '../../support/oracles.js';
import {
  numberPoint,
  numberPointArb,
  smallIntegerArb,
  summaryPoint,
  timeArb,
  valueArb,
  WINDOW_SIZE_MS,
  WINDOW_START_MS,
} from '../../support/points.js';

const options = DEFAULT_AGGREGATE_OPTIONS;
const alpha = options.sketchRelativeAccuracy;
const context: FinalizeContext = DEFAULT_LAW_CONTEXT;
const u = Number.EPSILON / 2;
/** Enough buckets for 1e-9…1e12 of both signs at α = 1%: nothing ever collapses. */
const wideBudget = { ...options, sketchMaxBuckets: 8192 };

function fold(points: readonly NumberPoint[]): NumberState {
  return foldPoints(numberKind, points, options);
}

function gauges(values: readonly number[]): NumberPoint[] {
  return values.map((v, i) => numberPoint(v, { timeMs: WINDOW_START_MS + (i % WINDOW_SIZE_MS) }));
}

/** Folds `values` in `parts` contiguous chunks and merges the chunk states. */
function foldInParts(values: readonly number[], parts: number): NumberState {
  const points = gauges(values);
  const size = Math.ceil(points.length / parts);
  let state = numberKind.empty();
  for (let i = 0; i < points.length; i += size) {
    state = numberKind.merge(state, fold(points.slice(i, i + size)), options);
  }
  return state;
}

/** The oracle's order on points: time, then value (last = greatest, first = least). */
function compareTimed(a: NumberPoint, b: NumberPoint): number {
  return a.timeMs - b.timeMs || a.timeNs - b.timeNs || a.value - b.value;
}

describe('Class: numberKind', () => {
  describeAggregateLaws({
    kind: numberKind,
    label: 'gauges',
    points: numberPointArb(),
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: numberKind,
    label: 'delta sums, spread timestamps',
    points: numberPointArb({ kind: 'sum', times: timeArb() }),
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: numberKind,
    label: 'integers, exact sums',
    points: numberPointArb({ values: smallIntegerArb, kind: 'sum' }),
    compare: closeStats({ sum: 'exact', avg: 'exact', rate: 'exact', percentiles: 'exact' }),
    deterministicBytes: true,
  });

  describe('Method: finalize', () => {
    it('matches exact oracles: count/min/max/last exactly, sum/avg/stddev to round-off, percentiles within α', () => {
      fc.assert(
        fc.property(fc.array(numberPointArb(), { minLength: 1, maxLength: 200 }), (points) => {
          const values = points.map((p) => p.value + 0);
          const stats = numberKind.finalize(fold(points), context);
          const n = values.length;
          const absSum = exactSum(values.map(Math.abs));
          const sum = exactSum(values);
          expect(stats.count).toBe(n);
          expect(stats.min).toBe(Math.min(...values));
          expect(stats.max).toBe(Math.max(...values));
          expect(stats.last).toBe([...points].sort(compareTimed).at(-1)?.value);
          // Neumaier: |error| ≤ 2u·|S| + O(n·u²)·Σ|x|.
          expect(Math.abs((stats.sum ?? Number.NaN) - sum)).toBeLessThanOrEqual(
            2 * u * Math.abs(sum) + n * u * u * absSum * 4,
          );
          expect(Math.abs((stats.avg ?? Number.NaN) - sum / n)).toBeLessThanOrEqual(4 * u * (absSum / n));
          const sd = exactStddev(values);
          const scale = Math.max(...values.map(Math.abs));
          expect(Math.abs((stats.stddev ?? Number.NaN) - sd)).toBeLessThanOrEqual(1e-12 * sd + 1e-7 * scale);
          // With the default bucket budget, data spanning more than ~17 decades collapses the
          // magnitudes nearest zero into the sketch's floor bucket, where only an absolute error
          // below ~that bucket's value is promised (see DDSketch); with a budget that never
          // collapses here, α holds for every value.
          const state = fold(points);
          const collapsedBelow = state.sketch instanceof DDSketch ? state.sketch.collapsedBelow : 0;
          const collapseSlack = 2 * (1 + alpha) * collapsedBelow;
          const wide = numberKind.finalize(foldPoints(numberKind, points, wideBudget), context);
          for (const p of context.percentiles) {
            const truth = exactQuantile(values, p / 100);
            const bound = alpha * Math.abs(truth) * (1 + 1e-9);
            const estimate = stats.percentiles?.[`p${p}`] ?? Number.NaN;
            expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(bound + collapseSlack);
            expect(Math.abs((wide.percentiles?.[`p${p}`] ?? Number.NaN) - truth)).toBeLessThanOrEqual(bound);
          }
          expect(stats.rate).toBeUndefined();
        }),
        { numRuns: 200 },
      );
    });

    it('is exact on integers: sum, avg (one rounding) and percentiles of a single value', () => {
      fc.assert(
        fc.property(fc.array(smallIntegerArb, { minLength: 1, maxLength: 200 }), (values) => {
          const stats = numberKind.finalize(fold(gauges(values)), context);
          const sum = values.reduce((a, b) => a + b, 0);
          expect(stats.sum).toBe(sum);
          expect(stats.avg).toBe(sum / values.length);
        }),
      );
      const one = numberKind.finalize(fold(gauges([42.5])), context);
      expect(one).toEqual({
        count: 1,
        sum: 42.5,
        min: 42.5,
        max: 42.5,
        avg: 42.5,
        stddev: 0,
        last: 42.5,
        percentiles: { p0: 42.5, p50: 42.5, p90: 42.5, p99: 42.5, p100: 42.5 },
      });
    });

    it('keeps percentiles within α on 10,000 lognormal latencies', () => {
      const values = lognormalSample(10_000, { mu: Math.log(100), sigma: 1, seed: 1 });
      const stats = numberKind.finalize(foldInParts(values, 7), {
        ...context,
        percentiles: [50, 90, 95, 99, 99.9],
      });
      for (const p of [50, 90, 95, 99, 99.9]) {
        const truth = exactQuantile(values, p / 100);
        expect(Math.abs((stats.percentiles?.[`p${p}`] ?? Number.NaN) - truth)).toBeLessThanOrEqual(
          alpha * truth,
        );
      }
    });

    it('reports rate = sum / window seconds for sums only', () => {
      const window = { ...context, windowEndMs: context.windowStartMs + 60_000 };
      const sums = [
        numberPoint(10, { kind: 'sum' }),
        numberPoint(20, { kind: 'sum', timeMs: WINDOW_START_MS + 5 }),
      ];
      expect(numberKind.finalize(fold(sums), window).rate).toBe(0.5);
      expect(numberKind.finalize(fold(gauges([10, 20])), window).rate).toBeUndefined();
      // The flag survives merges with gauge-less empty states and the codec.
      const merged = numberKind.merge(numberKind.empty(), fold(sums), options);
      expect(numberKind.finalize(decodeState(numberKind, encodeState(numberKind, merged)), window).rate).toBe(
        0.5,
      );
    });

    it('reports the population standard deviation', () => {
      expect(numberKind.finalize(fold(gauges([2, 4, 4, 4, 5, 5, 7, 9])), context).stddev).toBe(2);
    });

    it('reports no percentiles when none are configured, and only count when empty', () => {
      expect(
        numberKind.finalize(fold(gauges([1, 2])), { ...context, percentiles: [] }).percentiles,
      ).toBeUndefined();
      expect(numberKind.finalize(numberKind.empty(), context)).toEqual({ count: 0 });
    });
  });

  describe('Method: merge', () => {
    it('gives the stddev of all values despite catastrophic cancellation (1e9 + noise)', () => {
      const noise = normalSample(10_000, 3);
      const values = noise.map((z) => 1e9 + z * 0.01);
      const truth = exactStddev(values);
      for (const parts of [1, 2, 3, 10, 97, 10_000]) {
        const stddev = numberKind.finalize(foldInParts(values, parts), context).stddev ?? Number.NaN;
        expect(Math.abs(stddev - truth) / truth).toBeLessThan(1e-6);
      }
      // What the textbook one-pass formula gives on the same data: no correct digit.
      const naive = Math.sqrt(
        Math.max(
          0,
          exactSum(values.map((x) => x * x)) / values.length - (exactSum(values) / values.length) ** 2,
        ),
      );
      expect(Math.abs(naive - truth) / truth).toBeGreaterThan(0.5);
    });

    it('gives first and last by time, ties broken by value, whatever the order and grouping', () => {
      fc.assert(
        fc.property(
          fc.array(numberPointArb({ times: timeArb({ ties: true }) }), { minLength: 1, maxLength: 30 }),
          fc.nat(),
          (points, seed) => {
            const random = seededRandom(seed);
            const shuffled = [...points].sort(() => random() - 0.5);
            const cut = Math.floor(random() * (shuffled.length + 1));
            const state = numberKind.merge(fold(shuffled.slice(cut)), fold(shuffled.slice(0, cut)), options);
            const sorted = [...points].sort(compareTimed);
            const [first, last] = [sorted[0], sorted.at(-1)];
            expect(state.first).toEqual({
              timeMs: first?.timeMs,
              timeNs: first?.timeNs,
              value: (first?.value ?? 0) + 0,
            });
            expect(state.last).toEqual({
              timeMs: last?.timeMs,
              timeNs: last?.timeNs,
              value: (last?.value ?? 0) + 0,
            });
          },
        ),
      );
    });

    it('breaks same-instant ties by value: last is the larger, first the smaller', () => {
      const small = numberPoint(1, { timeMs: WINDOW_START_MS + 7, timeNs: 5 });
      const large = numberPoint(2, { timeMs: WINDOW_START_MS + 7, timeNs: 5 });
      for (const [a, b] of [
        [small, large],
        [large, small],
      ] as const) {
        const merged = numberKind.merge(fold([a]), fold([b]), options);
        expect(merged.last.value).toBe(2);
        expect(merged.first.value).toBe(1);
        expect(fold([a, b]).last.value).toBe(2);
        expect(fold([a, b]).first.value).toBe(1);
      }
      // The nanosecond remainder decides before the value does.
      const later = numberPoint(0, { timeMs: WINDOW_START_MS + 7, timeNs: 6 });
      expect(fold([large, later]).last.value).toBe(0);
    });

    it('treats -0 as 0, so the bytes do not depend on which zero came first', () => {
      const a = fold(gauges([-0, 0, 3]));
      const b = fold(gauges([0, -0, 3]));
      expect(encodeState(numberKind, a)).toEqual(encodeState(numberKind, b));
      expect(Object.is(numberKind.finalize(fold(gauges([-0])), context).min, 0)).toBe(true);
    });
  });

  describe('Method: add', () => {
    it('refuses points of another type and drops non-finite values', () => {
      const state = numberKind.empty();
      expect(() => numberKind.add(state, summaryPoint(1, 1), options)).toThrow(/summary/);
      numberKind.add(state, numberPoint(Number.NaN), options);
      numberKind.add(state, numberPoint(Number.POSITIVE_INFINITY), options);
      expect(state.count).toBe(0);
    });
  });

  describe('Method: encode', () => {
    it('fits 10,000 lognormal latencies of one series-window in 1 KB', () => {
      const values = lognormalSample(10_000, { mu: Math.log(100), sigma: 1, seed: 11 });
      const bytes = encodeState(numberKind, foldInParts(values, 10));
      expect(bytes.length).toBeLessThanOrEqual(1024);
    });

    it('keeps single points small: ≤ 12 bytes for an integer, ≤ 19 for a double', () => {
      const t = { timeMs: WINDOW_START_MS + 1234, timeNs: 0 };
      expect(encodeState(numberKind, fold([numberPoint(17, t)])).length).toBeLessThanOrEqual(12);
      expect(encodeState(numberKind, fold([numberPoint(0.125, t)])).length).toBeLessThanOrEqual(19);
      expect(encodeState(numberKind, numberKind.empty()).length).toBe(2);
    });

    it('round-trips values of any magnitude, including the float extremes', () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(valueArb, fc.double({ noNaN: true, noDefaultInfinity: true }))),
          (values) => {
            const state = fold(gauges(values));
            const bytes = encodeState(numberKind, state);
            expect(encodeState(numberKind, decodeState(numberKind, bytes))).toEqual(bytes);
          },
        ),
      );
    });
  });

  describe('Method: decode', () => {
    it('rejects unknown versions and flags with StateCodecError', () => {
      const bytes = encodeState(numberKind, fold(gauges([1, 2])));
      for (const header of [0x00, 0x20, 0xf0, 0x18]) {
        const corrupt = bytes.slice();
        corrupt[0] = header;
        expect(() => numberKind.decode(new ByteReader(corrupt))).toThrow(StateCodecError);
      }
    });

    it('rejects a sketch whose count disagrees with the state', () => {
      const bytes = encodeState(numberKind, fold(gauges([1.5, 2.5, 3.5])));
      const corrupt = bytes.slice();
      corrupt[1] = 2; // count 3 → 2
      expect(() => numberKind.decode(new ByteReader(corrupt))).toThrow(/disagrees/);
    });
  });
});
