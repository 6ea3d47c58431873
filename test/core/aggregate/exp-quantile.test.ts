import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { type ExpHistogramState, expHistogramKind } from '#core/aggregate/exp-histogram.js';
import { expQuantile } from '#core/aggregate/exp-quantile.js';
import { type ExpValue, expOfValues, expValue } from '../../support/histogram-points.js';
import { exactQuantile } from '../../support/oracles.js';

function asExp(v: number): ExpValue {
  return v === 0 ? { sign: 0 } : { sign: v < 0 ? -1 : 1, x: Math.log2(Math.abs(v)) };
}

/** `v` after the trip through log2 that `expOfValues` takes (its min and max are these). */
function rt(v: number): number {
  return expValue(asExp(v));
}

/** The state of one point holding `values` at `scale`, with min and max carried unless told. */
function stateOf(values: readonly number[], scale: number, minMax = true): ExpHistogramState {
  const s = expHistogramKind.empty();
  const carried = minMax ? {} : { min: false, max: false };
  expHistogramKind.add(s, expOfValues(values.map(asExp), scale, {}, carried), DEFAULT_AGGREGATE_OPTIONS);
  return s;
}

/** √base − 1 at `scale`: the relative error of a bucket's geometric midpoint. */
function bound(scale: number): number {
  return 2 ** (2 ** -(scale + 1)) - 1;
}

function near(estimate: number | undefined, exact: number, scale: number): boolean {
  return Math.abs((estimate ?? Number.NaN) - exact) <= bound(scale) * Math.abs(exact) * (1 + 1e-12);
}

const oneToTen = Array.from({ length: 10 }, (_, i) => i + 1);

describe('Function: expQuantile (nearest rank)', () => {
  it('answers p99 of {5, 30} with 30, not 5', () => {
    expect(expQuantile(stateOf([5, 30], 3), 0.99)).toBe(rt(30));
    // From the bucket holding 30 when the max is unknown.
    expect(near(expQuantile(stateOf([5, 30], 3, false), 0.99), 30, 3)).toBe(true);
  });

  it('answers p95 of 1..10 with 10, p50 with 5, from the bucket of the ⌈q·n⌉-th value', () => {
    expect(expQuantile(stateOf(oneToTen, 3), 0.95)).toBe(rt(10));
    const bare = stateOf(oneToTen, 3, false);
    // 4.4% at scale 3: the bucket of 10 and that of 9 (the old rank) do not overlap.
    expect(near(expQuantile(bare, 0.95), 10, 3)).toBe(true);
    expect(near(expQuantile(bare, 0.5), 5, 3)).toBe(true);
    expect(near(expQuantile(bare, 0.75), 8, 3)).toBe(true);
    expect(near(expQuantile(bare, 0.9), 9, 3)).toBe(true);
  });

  it('answers p50 of {1, 2} with 1, q = 0 with the min and q = 1 with the max', () => {
    expect(expQuantile(stateOf([1, 2], 3), 0.5)).toBe(rt(1));
    expect(near(expQuantile(stateOf([1.5, 3], 3, false), 0.5), 1.5, 3)).toBe(true);
    const mixed = stateOf([-7, 0, 0.25, 3, 12], 2);
    expect(expQuantile(mixed, 0)).toBe(rt(-7));
    expect(expQuantile(mixed, 1)).toBe(rt(12));
    // p40 of 5: ⌈2⌉ = 2nd, the zero bucket; p41: ⌈2.05⌉ = 3rd, 0.25.
    expect(expQuantile(mixed, 0.4)).toBe(0);
    expect(near(expQuantile(mixed, 0.41), 0.25, 2)).toBe(true);
  });

  it('does not step a rank too high where q·n rounds up in doubles', () => {
    // (28 / 100)·25 = 7.000000000000001: the 7th value, not the 8th (2.2% at scale 4 tells them apart).
    const s = stateOf(
      Array.from({ length: 25 }, (_, i) => i + 1),
      4,
    );
    expect(near(expQuantile(s, 28 / 100), 7, 4)).toBe(true);
    expect(near(expQuantile(s, 56 / 100), 14, 4)).toBe(true);
    expect(near(expQuantile(stateOf([5, 30], 4), 0.95), 30, 4)).toBe(true);
  });

  it('is within √base − 1 of the nearest-rank value, and exactly min and max at q = 0 and 1', () => {
    const value = fc
      .tuple(fc.double({ min: -9, max: 12, noNaN: true }), fc.boolean(), fc.nat(9))
      .map(([e, negative, zero]) => (zero === 0 ? 0 : (negative ? -1 : 1) * 10 ** e));
    const percentile = fc.oneof(
      fc.constantFrom(0, 50, 90, 95, 99, 100),
      fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 50 }),
        percentile,
        fc.integer({ min: 0, max: 8 }),
        (xs, p, pointScale) => {
          const s = stateOf(xs, pointScale);
          const exact = xs.map(rt);
          const truth = exactQuantile(exact, p / 100);
          const got = expQuantile(s, p / 100);
          if (p === 0) expect(got).toBe(Math.min(...exact) + 0);
          else if (p === 100) expect(got).toBe(Math.max(...exact) + 0);
          else
            expect(
              near(got, truth, s.scale),
              `p${p} of [${xs}] at scale ${s.scale}: ${got} vs ${truth}`,
            ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
