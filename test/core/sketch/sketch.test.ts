import { describe, expect, it } from 'vitest';
import { ConfigError, WindrowError } from '#core/errors.js';
import { createSketch, DDSketch, MIN_INDEXABLE_VALUE, type QuantileSketch } from '#core/sketch/index.js';
import {
  DATA_SETS,
  encoded,
  exactQuantile,
  lognormal,
  prng,
  QUANTILES,
  sortedCopy,
  withinRelative,
} from './datasets.js';

const ALPHA = 0.01;

function sketchOf(values: readonly number[], maxBuckets = 2048, alpha = ALPHA): DDSketch {
  const sketch = createSketch({ relativeAccuracy: alpha, maxBuckets });
  for (const v of values) sketch.add(v);
  if (!(sketch instanceof DDSketch)) throw new Error('createSketch must build a DDSketch');
  return sketch;
}

function expectAccurate(sketch: QuantileSketch, sorted: readonly number[], quantiles = QUANTILES): void {
  for (const q of quantiles) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q);
    if (estimate === undefined) throw new Error('non-empty sketch returned no quantile');
    if (!withinRelative(estimate, exact, sketch.relativeAccuracy)) {
      expect.fail(`q=${q}: estimate ${estimate} not within α of ${exact}`);
    }
  }
  expect(sketch.count).toBe(sorted.length);
  expect(sketch.min).toBe(sorted[0]);
  expect(sketch.max).toBe(sorted[sorted.length - 1]);
}

const dataSets = Object.entries(DATA_SETS).map(([name, make]) => {
  const values = make();
  return { name, values, sorted: sortedCopy(values) };
});

describe('Class: DDSketch', () => {
  describe('Method: quantile', () => {
    it.each(dataSets)('is within α of the exact order statistic on $name data', ({ values, sorted }) => {
      expectAccurate(sketchOf(values), sorted);
    });

    it.each(dataSets)('stays within α after merging splits of $name data', ({ values, sorted }) => {
      const n = values.length;
      for (const split of [1, Math.floor(n / 3), n / 2, n - 1]) {
        const left = sketchOf(values.slice(0, split));
        left.mergeFrom(sketchOf(values.slice(split)));
        expectAccurate(left, sorted);
      }
      // A four-way random partition, merged in a tree.
      const random = prng(99);
      const parts: number[][] = [[], [], [], []];
      for (const v of values) parts[Math.floor(random() * 4)]?.push(v);
      const [a, b, c, d] = parts.map((p) => sketchOf(p));
      if (a === undefined || b === undefined || c === undefined || d === undefined)
        throw new Error('4 parts');
      a.mergeFrom(b);
      c.mergeFrom(d);
      c.mergeFrom(a);
      expectAccurate(c, sorted);
    });

    it('returns undefined when empty and the value itself for one value', () => {
      const sketch = sketchOf([]);
      expect(sketch.quantile(0.5)).toBeUndefined();
      sketch.add(-3.75);
      expect(QUANTILES.map((q) => sketch.quantile(q))).toEqual(QUANTILES.map(() => -3.75));
    });

    it('never answers outside the exact [min, max]', () => {
      // All values share bucket 231, whose representative (≈ 100.49) lies above all of them.
      const sketch = sketchOf([100, 100.3, 100.3]);
      expect(sketch.quantile(0.5)).toBe(100.3);
      expect(sketch.quantile(0.9)).toBe(100.3);
      const negative = sketchOf([-100.3, -100.3, -100]);
      expect(negative.quantile(0.1)).toBe(-100.3);
      expect(negative.quantile(0.5)).toBe(-100.3);
    });

    it('answers the exact min for q = 0 and the exact max for q = 1', () => {
      // Both share bucket 231: its representative alone would answer ≈ 100.3 for both.
      const sketch = sketchOf([100, 100.3]);
      expect(sketch.quantile(0)).toBe(100);
      expect(sketch.quantile(1)).toBe(100.3);
      const negative = sketchOf([-100.3, -100]);
      expect(negative.quantile(0)).toBe(-100.3);
      expect(negative.quantile(1)).toBe(-100);
      const mixed = sketchOf([7e-9, -0, 3, -2e11, 4.5]);
      expect(mixed.quantile(0)).toBe(-2e11);
      expect(mixed.quantile(1)).toBe(4.5);
    });

    describe('nearest rank: the ⌈q·n⌉-th smallest value', () => {
      const near = (estimate: number | undefined, exact: number) =>
        withinRelative(estimate ?? Number.NaN, exact, ALPHA);

      it('answers p99 of {5, 30} with 30, not 5', () => {
        const sketch = sketchOf([5, 30]);
        expect(near(sketch.quantile(0.99), 30)).toBe(true);
        expect(near(sketch.quantile(0.5), 5)).toBe(true);
      });

      it('answers p95 of 1..10 with 10, p90 with 9, p50 with 5, p10 with 1', () => {
        const sketch = sketchOf(Array.from({ length: 10 }, (_, i) => i + 1));
        expect(near(sketch.quantile(0.95), 10)).toBe(true);
        expect(near(sketch.quantile(0.9), 9)).toBe(true);
        expect(near(sketch.quantile(0.5), 5)).toBe(true);
        expect(near(sketch.quantile(0.1), 1)).toBe(true);
        expect(sketch.quantile(0)).toBe(1);
        expect(sketch.quantile(1)).toBe(10);
      });

      it('answers p50 of {1, 2} with 1', () => {
        expect(near(sketchOf([1, 2]).quantile(0.5), 1)).toBe(true);
        expect(near(sketchOf([-2, -1]).quantile(0.5), -2)).toBe(true);
      });

      it('does not step a rank too high where q·n rounds up in doubles', () => {
        // (28 / 100)·25 = 7.000000000000001 and (99.9 / 100)·1000 = 999.0000000000001.
        const twentyFive = sketchOf(Array.from({ length: 25 }, (_, i) => (i + 1) * 10));
        expect(near(twentyFive.quantile(28 / 100), 70)).toBe(true);
        expect(near(twentyFive.quantile(56 / 100), 140)).toBe(true);
        expect(near(twentyFive.quantile(0.95), 240)).toBe(true); // ⌈23.75⌉ = 24th
        const thousand = sketchOf(Array.from({ length: 1000 }, (_, i) => i + 1));
        expect(near(thousand.quantile(99.9 / 100), 999)).toBe(true);
        const twenty = sketchOf(Array.from({ length: 20 }, (_, i) => (i + 1) * 10));
        expect(near(twenty.quantile(0.95), 190)).toBe(true); // ⌈19⌉ = 19th
        expect(near(twenty.quantile(0.951), 200)).toBe(true); // ⌈19.02⌉ = 20th
      });

      it('finds the rank across the negative store, the zeros and the positive store', () => {
        // Sorted: −30, −5, 0, 0, 5, 30 (n = 6).
        const sketch = sketchOf([30, 0, -5, 5, -30, 0]);
        expect(near(sketch.quantile(0.1), -30)).toBe(true); // ⌈0.6⌉ = 1st
        expect(near(sketch.quantile(0.2), -5)).toBe(true); // ⌈1.2⌉ = 2nd
        expect(near(sketch.quantile(1 / 3), -5)).toBe(true); // ⌈2⌉ = 2nd
        expect(sketch.quantile(0.34)).toBe(0); // ⌈2.04⌉ = 3rd
        expect(sketch.quantile(0.5)).toBe(0); // ⌈3⌉ = 3rd
        expect(sketch.quantile(2 / 3)).toBe(0); // ⌈4⌉ = 4th
        expect(near(sketch.quantile(0.7), 5)).toBe(true); // ⌈4.2⌉ = 5th
        expect(near(sketch.quantile(0.99), 30)).toBe(true);
      });
    });

    it.each([-0.01, 1.01, Number.NaN])('rejects q = %s', (q) => {
      expect(() => sketchOf([1]).quantile(q)).toThrow(WindrowError);
    });

    it('handles tiny magnitudes (1e-9) within α and counts subnormals as zero', () => {
      const values = [1e-9, 2e-9, 3e-9, -5e-9];
      const sketch = sketchOf(values);
      expectAccurate(sketch, sortedCopy(values), [0, 0.4, 0.7, 1]);
      sketch.add(5e-324);
      sketch.add(-1e-310);
      expect(sketch.zeroCount).toBe(2);
      expect(sketch.min).toBe(-5e-9);
      // Everything below MIN_INDEXABLE_VALUE lands on zero: negligible absolute error.
      expect(Math.abs(sketch.quantile(2 / 5) ?? Number.NaN)).toBeLessThan(MIN_INDEXABLE_VALUE);
    });
  });

  describe('Method: add', () => {
    it.each([
      ['NaN', Number.NaN, 1],
      ['+Infinity', Number.POSITIVE_INFINITY, 1],
      ['-Infinity', Number.NEGATIVE_INFINITY, 1],
      ['weight 0', 1, 0],
      ['weight -1', 1, -1],
      ['weight 1.5', 1, 1.5],
      ['weight NaN', 1, Number.NaN],
      ['weight 2^53', 1, 2 ** 53],
    ])('rejects %s and leaves the sketch unchanged', (_name, value, weight) => {
      const sketch = sketchOf([1, -2, 0]);
      const before = encoded(sketch);
      expect(() => sketch.add(value, weight)).toThrow(WindrowError);
      expect(encoded(sketch)).toEqual(before);
    });

    it('treats an integer weight as that many copies', () => {
      const weighted = sketchOf([]);
      weighted.add(7, 3);
      weighted.add(-2, 2);
      weighted.add(0, 4);
      expect(encoded(weighted)).toEqual(encoded(sketchOf([7, 7, 7, -2, -2, 0, 0, 0, 0])));
    });

    it('does not let the sign of zero depend on arrival order', () => {
      expect(encoded(sketchOf([0, -0]))).toEqual(encoded(sketchOf([-0, 0])));
      expect(Object.is(sketchOf([-0]).min, 0)).toBe(true);
    });
  });

  describe('Method: mergeFrom', () => {
    it('refuses a sketch with another α', () => {
      expect(() => sketchOf([1]).mergeFrom(sketchOf([1], 2048, 0.02))).toThrow(WindrowError);
    });

    it('refuses a foreign implementation', () => {
      const foreign: QuantileSketch = {
        count: 1,
        relativeAccuracy: ALPHA,
        min: 1,
        max: 1,
        add: () => {},
        mergeFrom: () => {},
        clone: () => foreign,
        quantile: () => 1,
        encode: () => {},
      };
      expect(() => sketchOf([1]).mergeFrom(foreign)).toThrow(WindrowError);
    });

    it('merges a sketch into itself as doubling every count', () => {
      const sketch = sketchOf([1, -1, 0, 5]);
      sketch.mergeFrom(sketch);
      expect(encoded(sketch)).toEqual(encoded(sketchOf([1, -1, 0, 5, 1, -1, 0, 5])));
    });
  });

  describe('Method: clone', () => {
    it('is a deep copy', () => {
      const sketch = sketchOf([1, 2, -3]);
      const copy = sketch.clone();
      copy.add(1000);
      expect(sketch.count).toBe(3);
      expect(sketch.max).toBe(2);
      expect(copy.count).toBe(4);
    });
  });

  describe('Bucket budget', () => {
    // 1e-300 … 1e300 spans ~69,000 buckets at α = 1%.
    const huge = Array.from({ length: 20_001 }, (_, i) => 10 ** (-300 + (600 * i) / 20_000));
    // Latencies (1e-1 … 1e4 ms) plus 10% of junk magnitudes down to 1e-300.
    const random = prng(8);
    const latenciesWithJunk = [
      ...lognormal(18_000, 9),
      ...Array.from({ length: 2_000 }, () => 10 ** (-300 + 297 * random())),
    ];

    it('keeps the bucket count within maxBuckets and high quantiles within α', () => {
      const sorted = sortedCopy(latenciesWithJunk);
      const sketch = sketchOf(latenciesWithJunk, 512);
      expect(sketch.bucketCount).toBeLessThanOrEqual(512);
      expect(sketch.collapsedBelow).toBeGreaterThan(0);
      expectAccurate(sketch, sorted, [0.5, 0.9, 0.95, 0.99, 0.999, 1]);
      // Below the floor only absolute accuracy remains: the junk is folded up to the floor.
      expect(sketch.quantile(0.01)).toBeLessThanOrEqual(sketch.collapsedBelow * (1 + ALPHA));
      expect(sketchOf(huge, 300).bucketCount).toBeLessThanOrEqual(300);
    });

    it('spends the budget on both signs together, sacrificing the magnitudes nearest zero', () => {
      const mixed = [...latenciesWithJunk, ...latenciesWithJunk.map((v) => -v)];
      const sketch = sketchOf(mixed, 1024);
      expect(sketch.bucketCount).toBeLessThanOrEqual(1024);
      // The large magnitudes of both signs stay accurate: both tails and the quartiles.
      expectAccurate(sketch, sortedCopy(mixed), [0, 0.001, 0.05, 0.25, 0.75, 0.95, 0.999, 1]);
      // All-negative data: the most negative values (low quantiles) stay within α.
      const negatives = sortedCopy(latenciesWithJunk.map((v) => -v));
      const negativeSketch = sketchOf(negatives, 512);
      expectAccurate(negativeSketch, negatives, [0, 0.001, 0.01, 0.1, 0.5]);
      expect(-(negativeSketch.quantile(0.99) ?? 0)).toBeLessThanOrEqual(
        negativeSketch.collapsedBelow * (1 + ALPHA),
      );
    });

    it('gives the same state whatever the order, the split and the merge tree', () => {
      const shuffle = prng(7);
      const shuffled = [...huge].sort(() => shuffle() - 0.5);
      const whole = encoded(sketchOf(huge, 300));
      expect(encoded(sketchOf(shuffled, 300))).toEqual(whole);
      for (const split of [1, 5_000, 10_000, 19_999]) {
        const low = sketchOf(huge.slice(0, split), 300);
        const high = sketchOf(huge.slice(split), 300);
        high.mergeFrom(low);
        expect(encoded(high)).toEqual(whole);
      }
    });

    it('keeps both signs within the smallest budget, 2', () => {
      const values = [1e-5, 1, 1e5, -1e-5, -1e5];
      const sketch = sketchOf(values, 2);
      expect(sketch.bucketCount).toBeLessThanOrEqual(2);
      expect(withinRelative(sketch.quantile(0) ?? 0, -1e5, ALPHA)).toBe(true);
      expect(withinRelative(sketch.quantile(1) ?? 0, 1e5, ALPHA)).toBe(true);
    });
  });

  describe('Function: createSketch', () => {
    it.each([
      [{ relativeAccuracy: 0, maxBuckets: 100 }],
      [{ relativeAccuracy: 1, maxBuckets: 100 }],
      [{ relativeAccuracy: 0.01, maxBuckets: 1 }],
      [{ relativeAccuracy: 0.01, maxBuckets: 100.5 }],
      [{ relativeAccuracy: 0.01, maxBuckets: 1_000_000 }],
    ])('rejects %o with a ConfigError', (options) => {
      expect(() => createSketch(options)).toThrow(ConfigError);
    });

    it('builds sketches that reach the 10k-latency size target', () => {
      const bytes = encoded(sketchOf(lognormal(10_000, 42)));
      expect(bytes.length).toBeLessThanOrEqual(900);
    });
  });
});
