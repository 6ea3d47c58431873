import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearestRank } from '#core/sketch/index.js';
import { nearestRankIndex } from '../../support/oracles.js';

describe('Function: nearestRank', () => {
  it.each([
    // [q, n, 0-based index of the ⌈q·n⌉-th smallest]
    [0.99, 2, 1],
    [0.5, 2, 0],
    [0.95, 10, 9],
    [0.9, 10, 8],
    [0.5, 10, 4],
    [0.1, 10, 0],
    [0, 10, 0],
    [1, 10, 9],
    [0, 1, 0],
    [1, 1, 0],
    [0.5, 1, 0],
  ])('q = %s of n = %s is index %s', (q, n, index) => {
    expect(nearestRank(q, n)).toBe(index);
  });

  it('does not round a product that is an integer in decimal up by one rank', () => {
    // The aggregates compute q = p / 100. For these the double product lands just above the
    // integer, so a plain ⌈q·n⌉ would be one rank too high.
    const cases: [p: number, n: number, index: number][] = [
      [7, 100, 6],
      [14, 50, 6],
      [28, 25, 6],
      [55, 100, 54],
      [56, 25, 13],
      [99.9, 1000, 998],
      [99.9, 1_000_000, 998_999],
    ];
    for (const [p, n, index] of cases) {
      expect((p / 100) * n).toBeGreaterThan((index + 1) as number);
      expect(nearestRank(p / 100, n), `p${p} of ${n}`).toBe(index);
    }
    // 0.95 · 20 happens to be exactly 19 in doubles; the 19th either way.
    expect(nearestRank(0.95, 20)).toBe(18);
    expect(nearestRank(95 / 100, 20)).toBe(18);
    // Just above an integer for real (not rounding): the next rank.
    expect(nearestRank(0.951, 20)).toBe(19);
    expect(nearestRank(0.5 + 1e-6, 2)).toBe(1);
    expect(nearestRank(0.071, 100)).toBe(7);
  });

  it('equals the integer-arithmetic nearest rank for every percentile with up to 3 decimals and n ≤ 10⁶', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (thousandths, n) => {
          const q = thousandths / 1000 / 100; // a configured percentile p (e.g. 99.9), divided by 100
          expect(nearestRank(q, n)).toBe(nearestRankIndex(q, n));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('stays in [0, n − 1] for any q in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (q, n) => {
          const index = nearestRank(q, n);
          expect(Number.isInteger(index)).toBe(true);
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThanOrEqual(n - 1);
        },
      ),
    );
  });
});
