/**
 * Relative slack for the rounding in q·n. A percentile is configured as a decimal (95, 99.9) and
 * divided by 100, and neither q nor the product is exact in binary: (7 / 100)·100 evaluates to
 * 7.000000000000001 and (99.9 / 100)·1000 to 999.0000000000001, whose ceilings would be one rank
 * too high. The rounding is a few ulps
 * (≲ 4·10⁻¹⁶·q·n); a product within this relative distance above an integer counts as that
 * integer. A real fraction is never that small: with p written with d decimals, q·n is a multiple
 * of 10^−(d+2), so the rank is exact up to n = 10^(10−d) values (10⁹ for p99.9).
 */
const RANK_SLACK = 1e-12;

/**
 * The 0-based rank of the nearest-rank percentile of `n ≥ 1` values: the ⌈q·n⌉-th smallest, i.e.
 * index ⌈q·n⌉ − 1, at least 0 (so q = 0 is the min and q = 1 the max). This is PostgreSQL's
 * `percentile_disc` and the definition every percentile windrow estimates (sketch, explicit and
 * exponential histogram buckets). `q` must be in [0, 1].
 *
 * @example
 * ```ts
 * nearestRank(0.99, 2); // 1: p99 of {5, 30} is 30
 * nearestRank(0.95, 10); // 9: p95 of 1..10 is 10
 * nearestRank(0.5, 2); // 0: p50 of {1, 2} is 1
 * nearestRank(99.9 / 100, 1000); // 998: the 999th, though (99.9 / 100) * 1000 === 999.0000000000001
 * ```
 */
export function nearestRank(q: number, n: number): number {
  const x = q * n;
  const k = Math.ceil(x - x * RANK_SLACK);
  return k < 1 ? 0 : k > n ? n - 1 : k - 1;
}
