import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '#core/codec/bytes.js';
import {
  createSketch,
  DDSketch,
  decodeSketch,
  MIN_INDEXABLE_VALUE,
  type QuantileSketch,
} from '#core/sketch/index.js';
import { encoded, exactQuantile, QUANTILES, sortedCopy, withinRelative } from './datasets.js';

const ALPHA = 0.01;
const GRID = [...QUANTILES, 0.1, 0.25, 0.75];

/** Magnitudes 1e-9 … 1e12 (log-uniform), either sign, plus exact zeros. */
const value = fc
  .oneof(
    { weight: 8, arbitrary: fc.tuple(fc.double({ min: -9, max: 12, noNaN: true }), fc.boolean()) },
    { weight: 1, arbitrary: fc.constant<[number, boolean]>([Number.NEGATIVE_INFINITY, false]) },
  )
  .map(([exponent, negative]) => (negative ? -1 : 1) * 10 ** exponent);

/** Every finite double, subnormals and ±MAX_VALUE included. */
const anyValue = fc.double({ noNaN: true, noDefaultInfinity: true });

const values = fc.oneof(fc.array(value, { maxLength: 120 }), fc.array(anyValue, { maxLength: 40 }));

/** Budgets from "collapse almost everything" to "never collapse" (1e-9 … 1e12 is ~2,400 buckets a sign). */
const budget = fc.constantFrom(2, 16, 200, 2048, 65_536);

function sketchOf(list: readonly number[], maxBuckets: number): QuantileSketch {
  const sketch = createSketch({ relativeAccuracy: ALPHA, maxBuckets });
  for (const v of list) sketch.add(v);
  return sketch;
}

function merged(...sketches: QuantileSketch[]): QuantileSketch {
  const [first, ...rest] = sketches;
  if (first === undefined) throw new Error('nothing to merge');
  const target = first.clone();
  for (const s of rest) target.mergeFrom(s);
  return target;
}

/** Same counts, extremes and quantiles, and — stronger — the same bytes. */
function expectSame(a: QuantileSketch, b: QuantileSketch): void {
  expect(a.count).toBe(b.count);
  expect(a.min).toBe(b.min);
  expect(a.max).toBe(b.max);
  expect(GRID.map((q) => a.quantile(q))).toEqual(GRID.map((q) => b.quantile(q)));
  expect(encoded(a)).toEqual(encoded(b));
}

describe('Class: DDSketch (properties)', () => {
  describe('Method: mergeFrom', () => {
    it('is commutative', () => {
      fc.assert(
        fc.property(values, values, budget, (xs, ys, maxBuckets) => {
          const a = sketchOf(xs, maxBuckets);
          const b = sketchOf(ys, maxBuckets);
          expectSame(merged(a, b), merged(b, a));
        }),
      );
    });

    it('is associative', () => {
      fc.assert(
        fc.property(values, values, values, budget, (xs, ys, zs, maxBuckets) => {
          const [a, b, c] = [xs, ys, zs].map((list) => sketchOf(list, maxBuckets)) as [
            QuantileSketch,
            QuantileSketch,
            QuantileSketch,
          ];
          expectSame(merged(merged(a, b), c), merged(a, merged(b, c)));
        }),
      );
    });

    it('equals adding all the values to one sketch', () => {
      fc.assert(
        fc.property(values, values, budget, (xs, ys, maxBuckets) => {
          expectSame(
            merged(sketchOf(xs, maxBuckets), sketchOf(ys, maxBuckets)),
            sketchOf([...xs, ...ys], maxBuckets),
          );
        }),
      );
    });

    it('has the empty sketch as identity on both sides', () => {
      fc.assert(
        fc.property(values, budget, (xs, maxBuckets) => {
          const a = sketchOf(xs, maxBuckets);
          const empty = sketchOf([], maxBuckets);
          expectSame(merged(a, empty), a);
          expectSame(merged(empty, a), a);
        }),
      );
    });

    it('does not mutate its argument', () => {
      fc.assert(
        fc.property(values, values, budget, (xs, ys, maxBuckets) => {
          const target = sketchOf(xs, maxBuckets);
          const source = sketchOf(ys, maxBuckets);
          const before = encoded(source);
          target.mergeFrom(source);
          target.add(1e15);
          target.add(-1e-7);
          expect(encoded(source)).toEqual(before);
        }),
      );
    });
  });

  describe('Method: quantile', () => {
    it('is within α of the exact order statistic above the collapse floor, absolute below it', () => {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), budget, (xs, maxBuckets) => {
          const sketch = sketchOf(xs, maxBuckets);
          if (!(sketch instanceof DDSketch)) throw new Error('expected a DDSketch');
          const sorted = sortedCopy(xs);
          const floor = sketch.collapsedBelow;
          for (const q of GRID) {
            const exact = exactQuantile(sorted, q);
            const estimate = sketch.quantile(q) ?? Number.NaN;
            if (Math.abs(exact) > floor) expect(withinRelative(estimate, exact, ALPHA)).toBe(true);
            else
              expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
                Math.max(floor * (1 + ALPHA), MIN_INDEXABLE_VALUE),
              );
          }
        }),
      );
    });
  });

  describe('Method: quantile (nearest rank on small windows)', () => {
    /** 1–50 values: magnitudes 1e-9 … 1e12 of either sign, exact zeros, and repeats. */
    const smallWindow = fc.array(
      fc.oneof({ weight: 6, arbitrary: value }, fc.constantFrom(0, 1, -1, 5, 30)),
      {
        minLength: 1,
        maxLength: 50,
      },
    );
    /**
     * The configured percentiles and random ones: a percentile p with up to 4 decimals, divided by
     * 100 as the aggregates do (so q = 0.95 arrives as 95 / 100), and q = 0 and 1.
     */
    const quantiles = fc.array(
      fc.oneof(
        fc.constantFrom(50, 90, 95, 99, 99.9),
        fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 10_000),
      ),
      { maxLength: 6 },
    );
    /** The production budget (2,048) and one that never collapses (1e-9 … 1e12 spans ~2,400 buckets a sign). */
    const windowBudget = fc.constantFrom(2048, 65_536);

    /** Every percentile is the ⌈q·n⌉-th smallest value within α (above the collapse floor); q = 0 and 1 exactly. */
    function expectNearestRank(
      sketch: QuantileSketch,
      list: readonly number[],
      percentiles: readonly number[],
    ) {
      if (!(sketch instanceof DDSketch)) throw new Error('expected a DDSketch');
      const sorted = sortedCopy(list);
      // −0 is counted as 0 (the sketch's min and max never carry the sign of a zero).
      expect(sketch.quantile(0)).toBe((sorted[0] as number) + 0);
      expect(sketch.quantile(1)).toBe((sorted[sorted.length - 1] as number) + 0);
      const floor = sketch.collapsedBelow;
      if (sketch.maxBuckets === 65_536) expect(floor).toBe(0);
      for (const p of [50, 90, 95, 99, ...percentiles]) {
        const q = p / 100;
        const exact = exactQuantile(sorted, q);
        const estimate: number = sketch.quantile(q) ?? Number.NaN;
        if (Math.abs(exact) > floor) {
          if (!withinRelative(estimate, exact, ALPHA)) {
            expect.fail(`p${p} of [${sorted}]: ${estimate} is not within α of ${exact}`);
          }
        } else {
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
            Math.max(floor * (1 + ALPHA), MIN_INDEXABLE_VALUE),
          );
        }
      }
    }

    it('is the ⌈q·n⌉-th smallest value within α, and exactly the min and max for q = 0 and 1', () => {
      fc.assert(
        fc.property(smallWindow, quantiles, windowBudget, (xs, percentiles, maxBuckets) => {
          expectNearestRank(sketchOf(xs, maxBuckets), xs, percentiles);
        }),
        { numRuns: 500 },
      );
    });

    it('is the same after splitting the values and merging the two sketches', () => {
      fc.assert(
        fc.property(smallWindow, fc.nat(), quantiles, windowBudget, (xs, cut, percentiles, maxBuckets) => {
          const at = cut % (xs.length + 1);
          const left = sketchOf(xs.slice(0, at), maxBuckets);
          left.mergeFrom(sketchOf(xs.slice(at), maxBuckets));
          expectNearestRank(left, xs, percentiles);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('Method: encode', () => {
    it('round-trips through decodeSketch and re-encodes to identical bytes', () => {
      fc.assert(
        fc.property(values, budget, (xs, maxBuckets) => {
          const sketch = sketchOf(xs, maxBuckets);
          const bytes = encoded(sketch);
          const reader = new ByteReader(bytes);
          const copy = decodeSketch(reader);
          expect(reader.done).toBe(true);
          expectSame(copy, sketch);
          // The decoded sketch keeps working like the original (same floor, same budget).
          copy.add(3.5);
          sketch.add(3.5);
          expect(encoded(copy)).toEqual(encoded(sketch));
        }),
      );
    });
  });
});
