import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalizeContext } from '#core/aggregate/contract.js';
import {
  type CumulativeBaseline,
  type CumulativeState,
  cumulativeBaseline,
  cumulativeKind,
  MAX_RUNS,
} from '#core/aggregate/cumulative.js';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError, WindrowError } from '#core/errors.js';
import type { NormalizedPoint, NumberPoint } from '#core/point.js';
import {
  DEFAULT_LAW_CONTEXT,
  decodeState,
  describeAggregateLaws,
  encodeState,
  foldPoints,
} from '../../support/aggregate-laws.js';
import {
  expOfValues,
  expPointArb,
  histogramOfValues,
  histogramPointArb,
} from '../../support/histogram-points.js';
import {
  metricContext,
  numberPoint,
  summaryPoint,
  summaryPointArb,
  timeArb,
  WINDOW_SIZE_MS,
  WINDOW_START_MS,
} from '../../support/points.js';

const options = DEFAULT_AGGREGATE_OPTIONS;
const WS = WINDOW_START_MS;
const context: FinalizeContext = { ...DEFAULT_LAW_CONTEXT, percentiles: [] };
const counterContext = metricContext({ kind: 'sum', temporality: 2, monotonic: true });
const HOUR = 3_600_000;

function counter(value: number, timeMs: number, startMs: number, timeNs = 0, startNs = 0): NumberPoint {
  return numberPoint(value, { context: counterContext, timeMs, timeNs, startMs, startNs });
}

function fold(points: readonly NormalizedPoint[]): CumulativeState {
  return foldPoints(cumulativeKind, points, options);
}

function finalize(state: CumulativeState, baseline?: CumulativeBaseline) {
  return cumulativeKind.finalize(state, { ...context, baseline });
}

function sumBaseline(value: number, startMs: number, timeMs = WS - 10_000): CumulativeBaseline {
  return { snapshot: 'sum', startMs, startNs: 0, timeMs, timeNs: 0, value };
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/** A few start times (unknown, long before the window, inside it) so runs collide often. */
const startArb = fc.record({
  startMs: fc.constantFrom(0, WS - HOUR, WS + 1, WS + 2),
  startNs: fc.constantFrom(0, 7),
});

function withStart<P extends NormalizedPoint>(points: fc.Arbitrary<P>, starts = startArb): fc.Arbitrary<P> {
  return fc.tuple(points, starts).map(([p, s]) => ({ ...p, ...s }));
}

const counterArb = withStart(
  fc
    .tuple(
      fc.oneof(fc.nat({ max: 1000 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
      timeArb({ ties: true }),
    )
    .map(([v, t]) => counter(v, t.timeMs, 0, t.timeNs)),
);

const lawBaseline = sumBaseline(3, WS - HOUR);

/**
 * A well-behaved series for the sequential oracle: runs with increasing start times, each with
 * points after its start whose integer values never decrease, every run after the previous one
 * ended; times inside the window.
 */
const scenarioArb = fc
  .record({
    firstStart: fc.constantFrom(WS - HOUR, WS + 5, 0),
    runs: fc.array(
      fc.record({
        gap: fc.integer({ min: 1, max: 500 }),
        steps: fc.array(fc.record({ dt: fc.integer({ min: 0, max: 400 }), dv: fc.nat({ max: 50 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        initial: fc.nat({ max: 100 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    baseline: fc.constantFrom('none', 'same', 'earlier-run', 'later'),
    baselineValue: fc.nat({ max: 150 }),
  })
  .map(({ firstStart, runs, baseline, baselineValue }) => {
    const points: NumberPoint[] = [];
    let t = WS + 10;
    for (const [r, run] of runs.entries()) {
      const start = r === 0 ? firstStart : t + 1;
      t = Math.max(t, start) + run.gap;
      let v = run.initial;
      for (const step of run.steps) {
        t += step.dt;
        v += step.dv;
        // Equal timestamps only with equal values: otherwise "sorted by time" is ambiguous.
        points.push(counter(v, t, start, step.dt === 0 && step.dv !== 0 ? 1 : 0));
        if (step.dt === 0 && step.dv !== 0) t += 1;
      }
    }
    let base: CumulativeBaseline | undefined;
    if (baseline === 'same') base = sumBaseline(baselineValue, firstStart);
    if (baseline === 'earlier-run') base = sumBaseline(baselineValue, 12_345);
    // A baseline taken before the first run started (it began after the previous window closed).
    if (baseline === 'later') base = sumBaseline(baselineValue, 12_345, Math.max(0, firstStart - 1));
    return { points, baseline: base };
  });

/** Cumulative → delta one point at a time, in time order (the Collector's step, plus the window rules). */
function sequentialIncrease(
  points: readonly NumberPoint[],
  baseline: CumulativeBaseline | undefined,
): number {
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs || a.timeNs - b.timeNs);
  let prev: { startMs: number; startNs: number; timeMs: number; value: number } | undefined =
    baseline !== undefined && typeof baseline.value === 'number'
      ? { ...baseline, value: baseline.value }
      : undefined;
  let total = 0;
  for (const [i, p] of sorted.entries()) {
    if (prev !== undefined && prev.startMs === p.startMs && prev.startNs === p.startNs) {
      total += p.value >= prev.value ? p.value - prev.value : p.value;
    } else if (i > 0) total += p.value;
    else if (prev !== undefined && p.startMs > prev.timeMs) total += p.value;
    else if (p.startMs >= WS) total += p.value;
    prev = p;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------

describe('Class: cumulativeKind', () => {
  describeAggregateLaws({
    kind: cumulativeKind,
    label: 'sums',
    points: counterArb,
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: cumulativeKind,
    label: 'sums with a baseline',
    points: counterArb,
    context: { ...DEFAULT_LAW_CONTEXT, baseline: lawBaseline },
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: cumulativeKind,
    label: `sums over more than ${MAX_RUNS} runs`,
    points: withStart(
      counterArb,
      fc.record({ startMs: fc.integer({ min: WS - 40, max: WS }), startNs: fc.constant(0) }),
    ),
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: cumulativeKind,
    label: 'histograms',
    points: withStart(histogramPointArb()),
    maxPoints: 12,
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: cumulativeKind,
    label: 'exponential histograms',
    points: withStart(expPointArb()),
    maxPoints: 12,
    deterministicBytes: true,
  });
  describeAggregateLaws({
    kind: cumulativeKind,
    label: 'summaries',
    points: withStart(summaryPointArb()),
    deterministicBytes: true,
  });

  describe('Method: finalize', () => {
    it('gives the increase of a sequential cumulative-to-delta over all points sorted by time, however they are split', () => {
      fc.assert(
        fc.property(
          scenarioArb,
          fc.array(fc.nat({ max: 3 })),
          fc.nat(),
          ({ points, baseline }, groupOf, seed) => {
            const groups: NumberPoint[][] = [[], [], [], []];
            for (const [i, p] of points.entries()) groups[(groupOf[i] ?? i) % 4]?.push(p);
            // Out of order inside each partial, and partials merged in a rotated order.
            const states = groups.map((g) => fold([...g].reverse()));
            const rotated = [...states.slice(seed % 4), ...states.slice(0, seed % 4)];
            const merged = rotated.reduce(
              (acc, s) => cumulativeKind.merge(acc, s, options),
              cumulativeKind.empty(),
            );
            const stats = finalize(merged, baseline);
            expect(stats.sum).toBe(sequentialIncrease(points, baseline));
            expect(stats.count).toBe(points.length);
            expect(stats.rate).toBe((stats.sum ?? Number.NaN) / (WINDOW_SIZE_MS / 1000));
          },
        ),
      );
    });

    it('gives the result of its doc example', () => {
      const t = (h: number, m: number, s: number) => WS + ((h - 12) * 3600 + m * 60 + s) * 1000;
      const baseline = sumBaseline(100, t(11, 0, 0), t(11, 59, 50));
      const state = fold([
        counter(130, t(12, 0, 30), t(11, 0, 0)),
        counter(12, t(12, 0, 50), t(12, 0, 35)),
        counter(110, t(12, 0, 10), t(11, 0, 0)),
        counter(5, t(12, 0, 40), t(12, 0, 35)),
      ]);
      expect(finalize(state, baseline)).toEqual({ count: 4, sum: 42, rate: 0.7, last: 12 });
      expect(cumulativeBaseline(state)).toEqual({
        snapshot: 'sum',
        startMs: t(12, 0, 35),
        startNs: 0,
        timeMs: t(12, 0, 50),
        timeNs: 0,
        value: 12,
      });
    });

    describe('baselines', () => {
      const start = WS - HOUR;
      const state = fold([counter(50, WS + 1000, start), counter(80, WS + 2000, start)]);

      it('same start: counts from the baseline', () => {
        expect(finalize(state, sumBaseline(20, start)).sum).toBe(30 + 30);
      });

      it('same start but lower than the baseline: a reset, the first value counts in full', () => {
        expect(finalize(state, sumBaseline(70, start)).sum).toBe(50 + 30);
      });

      it('a run that started after the baseline was taken counts from zero', () => {
        const restarted = fold([counter(4, WS + 1000, WS - 5000), counter(9, WS + 2000, WS - 5000)]);
        expect(finalize(restarted, sumBaseline(70, start, WS - 10_000)).sum).toBe(9);
      });

      it('a run that started inside the window counts from zero without a baseline', () => {
        const fresh = fold([counter(4, WS + 1000, WS + 10), counter(9, WS + 2000, WS + 10)]);
        expect(finalize(fresh).sum).toBe(9);
      });

      it('no baseline and a start before the window: only the increase seen inside the window', () => {
        expect(finalize(state).sum).toBe(30);
      });

      it('ignores a baseline of another snapshot type or shape', () => {
        const wrong = { ...sumBaseline(20, start), snapshot: 'summary' };
        expect(cumulativeKind.finalize(state, { ...context, baseline: wrong }).sum).toBe(30);
        expect(cumulativeKind.finalize(state, { ...context, baseline: 'garbage' }).sum).toBe(30);
      });
    });

    it('treats a decrease within one start time as a reset: the lower value counts in full', () => {
      const state = fold([counter(10, WS + 1000, 0), counter(4, WS + 2000, 0)]);
      expect(finalize(state).sum).toBe(4);
    });

    it('under-counts (never over-counts) a reset and recovery hidden inside one run', () => {
      // 10, 20, 5, 25 with one start time: truly 10 + 5 + 20 = 35 after the first point; only
      // first and last are kept, so 25 − 10 = 15 is reported — a lower bound.
      const state = fold([10, 20, 5, 25].map((v, i) => counter(v, WS + 1000 * (i + 1), 0)));
      expect(finalize(state).sum).toBe(15);
    });

    it(`keeps the ${MAX_RUNS} runs with the latest starts and loses the increase of the others`, () => {
      const points = Array.from({ length: MAX_RUNS + 4 }, (_, i) =>
        counter(1 + i, WS + 100 * (i + 1), WS + 100 * i + 1),
      );
      const state = fold(points);
      expect(state.runs).toHaveLength(MAX_RUNS);
      expect(state.runs[0]?.startMs).toBe(WS + 401);
      // Every kept run started inside the window: each counts its value in full.
      const kept = points.slice(4).reduce((a, p) => a + p.value, 0);
      expect(finalize(state)).toMatchObject({ sum: kept, last: MAX_RUNS + 4, count: MAX_RUNS });
    });

    it('turns cumulative histograms into the delta histogram of the increase', () => {
      const start = WS - HOUR;
      const at = (timeMs: number) => ({ timeMs, startMs: start });
      const state = fold([
        histogramOfValues([1, 7], [5, 10], at(WS + 1000)),
        histogramOfValues([1, 7, 3, 12, 8], [5, 10], at(WS + 2000)),
      ]);
      const stats = cumulativeKind.finalize(state, { ...context, percentiles: [50] });
      expect(stats).toMatchObject({ count: 3, sum: 23, buckets: { bounds: [5, 10], counts: [1, 1, 1] } });
      // The min and max of a difference are unknown.
      expect(stats.min).toBeUndefined();
      expect(stats.percentiles?.p50).toBeGreaterThan(5);
      expect(stats.percentiles?.p50).toBeLessThanOrEqual(10);
    });

    it('keeps min and max when a fresh run lies wholly in the window (its last snapshot is the increase)', () => {
      // Regression (found with the OpenTelemetry Python SDK): first counted in full + (last − first)
      // lost the min and max, though the increase is exactly the last snapshot.
      const start = WS + 5;
      const at = (timeMs: number) => ({ timeMs, startMs: start });
      const state = fold([
        histogramOfValues([1.5, 20, 8], [5, 10], at(WS + 1000)),
        histogramOfValues([1.5, 20, 8, 12.5], [5, 10], at(WS + 2000)),
      ]);
      const stats = cumulativeKind.finalize(state, { ...context, percentiles: [50] });
      expect(stats).toMatchObject({
        count: 4,
        sum: 42,
        min: 1.5,
        max: 20,
        buckets: { bounds: [5, 10], counts: [1, 1, 2] },
      });
    });

    it('measures a cumulative histogram against its baseline, and resets when a bucket goes down', () => {
      const start = WS - HOUR;
      const point = histogramOfValues([1, 7, 7], [5], { timeMs: WS + 1000, startMs: start });
      const prior = fold([histogramOfValues([1, 7], [5], { timeMs: WS - 5000, startMs: start })]);
      const priorBaseline = cumulativeBaseline(prior);
      const stats = cumulativeKind.finalize(fold([point]), { ...context, baseline: priorBaseline });
      expect(stats).toMatchObject({ count: 1, sum: 7, buckets: { bounds: [5], counts: [0, 1] } });
      const bigger = fold([histogramOfValues([1, 1, 7, 7], [5], { timeMs: WS - 5000, startMs: start })]);
      const reset = cumulativeKind.finalize(fold([point]), {
        ...context,
        baseline: cumulativeBaseline(bigger),
      });
      expect(reset).toMatchObject({ count: 3, sum: 15, min: 1, max: 7 });
    });

    it('turns cumulative exponential histograms into the delta of the increase', () => {
      const start = WS + 5; // started inside the window: the first snapshot counts in full
      const v = (x: number) => ({ sign: 1 as const, x });
      const state = fold([
        expOfValues([v(1.1)], 3, { timeMs: WS + 1000, startMs: start }),
        expOfValues([v(1.1), v(2.2), v(2.3)], 3, { timeMs: WS + 2000, startMs: start }),
      ]);
      const stats = cumulativeKind.finalize(state, context);
      expect(stats.count).toBe(3);
      expect(stats.expBuckets?.scale).toBe(3);
      expect(stats.expBuckets?.positive).toEqual({ offset: 8, counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1] });
    });

    it('reports the count and sum of a summary increase', () => {
      const start = WS - HOUR;
      const state = fold([
        summaryPoint(10, 100, { timeMs: WS + 1000, startMs: start }),
        summaryPoint(14, 130, { timeMs: WS + 2000, startMs: start }),
      ]);
      expect(finalize(state)).toEqual({ count: 4, sum: 30 });
    });

    it('reports only the count when empty', () => {
      expect(finalize(cumulativeKind.empty())).toEqual({ count: 0 });
    });
  });

  describe('Method: add', () => {
    it('refuses a point of another type than the state holds', () => {
      const state = fold([counter(1, WS, 0)]);
      expect(() => cumulativeKind.add(state, summaryPoint(1, 1), options)).toThrow(WindrowError);
      const other = fold([summaryPoint(1, 1)]);
      expect(() => cumulativeKind.merge(state, other, options)).toThrow(WindrowError);
    });

    it('drops malformed points instead of corrupting the state', () => {
      const state = fold([counter(Number.NaN, WS, 0), counter(1, WS, -5), summaryPoint(-1, 3)]);
      expect(state.runs).toEqual([]);
    });
  });

  describe('Function: cumulativeBaseline', () => {
    it("is the latest run's last snapshot, and carries the previous baseline over a quiet window", () => {
      const previous = sumBaseline(7, 0);
      expect(cumulativeBaseline(cumulativeKind.empty(), previous)).toEqual(previous);
      expect(cumulativeBaseline(cumulativeKind.empty(), { snapshot: 'nope' })).toBeUndefined();
      expect(cumulativeBaseline(cumulativeKind.empty())).toBeUndefined();
      const state = fold([counter(3, WS + 5, 100), counter(9, WS + 5, 100), counter(4, WS + 2, 200)]);
      // Same instant: the larger value is the later one.
      expect(cumulativeBaseline(state, previous)).toMatchObject({ startMs: 100, timeMs: WS + 5, value: 9 });
    });
  });

  describe('Method: encode', () => {
    it('keeps a one-point counter state with a start time under 30 bytes', () => {
      const state = fold([counter(123_456, WS + 59_999, WS - HOUR, 999_999, 5)]);
      const bytes = encodeState(cumulativeKind, state);
      expect(bytes.length).toBeLessThan(30);
      expect(decodeState(cumulativeKind, bytes)).toEqual(state);
    });

    it('rejects unknown versions and snapshot types, and runs out of order, with StateCodecError', () => {
      for (const bytes of [
        [2, 0],
        [1, 9],
        [1, 1, 0],
      ]) {
        expect(() => cumulativeKind.decode(new ByteReader(new Uint8Array(bytes)))).toThrow(StateCodecError);
      }
      const out = new ByteWriter();
      out.u8(1);
      out.u8(1);
      out.uvarint(2);
      for (const start of [5, 5]) {
        out.uvarint(start);
        out.uvarint(0);
        out.uvarint(1);
        out.svarint(1);
        out.uvarint(0);
        out.uvarint(2);
      }
      expect(() => cumulativeKind.decode(new ByteReader(out.finish()))).toThrow(StateCodecError);
    });
  });
});
