import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketQuantile } from '#core/aggregate/histogram-quantile.js';
import { binValues, explicitBucket } from '../../support/histogram-points.js';
import { exactQuantile } from '../../support/oracles.js';

/** bucketQuantile over `values` binned on `bounds`, with min and max known unless told. */
function estimate(values: readonly number[], bounds: readonly number[], q: number, minMax = true) {
  return bucketQuantile(
    bounds,
    binValues(bounds, values),
    values.length,
    minMax ? Math.min(...values) : undefined,
    minMax ? Math.max(...values) : undefined,
    q,
  );
}

/** The closed range of the (lo, hi] bucket holding `v`, clamped to [min, max]. */
function bucketOf(bounds: readonly number[], v: number, min: number, max: number): [number, number] {
  const i = explicitBucket(bounds, v);
  const lo = i === 0 ? Number.NEGATIVE_INFINITY : (bounds[i - 1] as number);
  const hi = i === bounds.length ? Number.POSITIVE_INFINITY : (bounds[i] as number);
  return [Math.max(lo, min), Math.min(hi, max)];
}

const oneToTen = Array.from({ length: 10 }, (_, i) => i + 1);
/** One bucket per integer: (−∞, 1], (1, 2], …, (9, 10], (10, +∞). */
const unitBounds = oneToTen;

describe('Function: bucketQuantile (nearest rank)', () => {
  it('answers p99 of {5, 30} with the max 30, not the min 5', () => {
    expect(estimate([5, 30], [10, 20], 0.99)).toBe(30);
    // Without a known max, from the bucket that holds 30: (20, +∞) answers its finite edge.
    expect(estimate([5, 30], [10, 20], 0.99, false)).toBe(20);
  });

  it('answers p95 of 1..10 with 10, and picks the bucket of the ⌈q·n⌉-th value', () => {
    expect(estimate(oneToTen, unitBounds, 0.95)).toBe(10);
    expect(estimate(oneToTen, [2, 4, 6, 8], 0.95)).toBe(10);
    // p75: ⌈7.5⌉ = 8th value, in (7, 8] (the old ⌊q·(n−1)⌋ rank picked the 7th, in (6, 7]).
    expect(estimate(oneToTen, unitBounds, 0.75)).toBe(7.5);
    // p50: the 5th value, in (4, 5]; p90: the 9th, in (8, 9].
    expect(estimate(oneToTen, unitBounds, 0.5)).toBe(4.5);
    expect(estimate(oneToTen, unitBounds, 0.9)).toBe(8.5);
  });

  it('answers p50 of {1, 2} with the min 1, q = 0 with the min and q = 1 with the max', () => {
    expect(estimate([1, 2], [1.5], 0.5)).toBe(1);
    expect(estimate([3, 4, 8], [5], 0)).toBe(3);
    expect(estimate([3, 4, 8], [5], 1)).toBe(8);
    // Without min and max, q = 1 still picks the top bucket, q = 0 the bottom one.
    expect(estimate([3, 4, 8], [5, 10], 1, false)).toBe(5 + 5 * 0.5);
    expect(estimate([3, 4, 8], [0, 5], 0, false)).toBe(0 + 5 * (0.5 / 2));
  });

  it('does not step a rank too high where q·n rounds up in doubles', () => {
    // (7 / 100)·100 = 7.000000000000001: the 7th value, in (6, 7], not the 8th.
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(estimate(hundred, hundred, 7 / 100)).toBe(6.5);
    expect(estimate(hundred, hundred, 55 / 100)).toBe(54.5);
    // (99.9 / 100)·1000 = 999.0000000000001: the 999th value, not the max.
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(estimate(thousand, thousand, 99.9 / 100)).toBe(998.5);
    // 0.95 · 20 is exactly 19: the 19th value, in (18, 19].
    const twenty = hundred.slice(0, 20);
    expect(estimate(twenty, twenty, 0.95)).toBe(18.5);
  });

  it('estimates inside the (clamped) bucket that holds the nearest-rank value', () => {
    const values = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 50 });
    const bounds = fc
      .uniqueArray(fc.integer({ min: -60, max: 60 }), { maxLength: 12 })
      .map((b) => b.sort((x, y) => x - y));
    const percentile = fc.oneof(
      fc.constantFrom(0, 50, 90, 95, 99, 100),
      fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
    );
    fc.assert(
      fc.property(values, bounds, percentile, (xs, bs, p) => {
        const [min, max] = [Math.min(...xs), Math.max(...xs)];
        const truth = exactQuantile(xs, p / 100);
        const got = estimate(xs, bs, p / 100) ?? Number.NaN;
        const [lo, hi] = bucketOf(bs, truth, min, max);
        expect(got).toBeGreaterThanOrEqual(lo);
        expect(got).toBeLessThanOrEqual(hi);
        if (p === 0) expect(got).toBe(min);
        if (p === 100) expect(got).toBe(max);
      }),
      { numRuns: 500 },
    );
  });
});
