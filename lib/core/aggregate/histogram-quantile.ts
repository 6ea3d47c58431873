import { nearestRank } from '../sketch/rank.js';

/**
 * Estimates the nearest-rank value, the ⌈q·n⌉-th smallest (0-based rank k = ⌈q·n⌉ − 1, at least 0;
 * see `nearestRank`, the sketch's definition too, so every kind agrees on what "p90" means), from
 * explicit bucket counts.
 *
 * The bucket holding rank k is found exactly from the cumulative counts; inside it the bucket's
 * `c` values are assumed evenly spread, the j-th (0-based) at fraction (j + ½)/c of the bucket —
 * linear interpolation, like Prometheus' `histogram_quantile`. The bucket edges are first clamped
 * to the known [min, max], and rank 0 / rank n−1 are min / max exactly when known.
 *
 * Error bound (honest, and tested): the true value of rank k lies in the same bucket, so the
 * estimate is off by at most that bucket's width after clamping to [min, max]. An open-ended bucket
 * whose side is not bounded by a known min or max has no bound: the estimate is then its finite
 * edge (like Prometheus), and with neither edge finite (no bounds, no min and max) there is no
 * estimate at all.
 *
 * @example
 * ```ts
 * // bounds [10, 20], counts [0, 4, 0] (four values in (10, 20]), min 12, max 18:
 * bucketQuantile([10, 20], [0, 4, 0], 4, 12, 18, 0.5); // ⌈2⌉ = 2nd, rank 1 → 12 + (18 − 12)·1.5/4 = 14.25
 * ```
 */
export function bucketQuantile(
  bounds: readonly number[],
  counts: readonly number[],
  total: number,
  min: number | undefined,
  max: number | undefined,
  q: number,
): number | undefined {
  if (total === 0) return undefined;
  const rank = nearestRank(Math.min(1, Math.max(0, q)), total);
  if (rank === 0 && min !== undefined) return min;
  if (rank === total - 1 && max !== undefined) return max;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (rank >= before + c) {
      before += c;
      continue;
    }
    let lo = i === 0 ? Number.NEGATIVE_INFINITY : (bounds[i - 1] as number);
    let hi = i === bounds.length ? Number.POSITIVE_INFINITY : (bounds[i] as number);
    if (min !== undefined) lo = Math.max(lo, min);
    if (max !== undefined) hi = Math.min(hi, max);
    let estimate: number;
    if (lo === Number.NEGATIVE_INFINITY) estimate = hi;
    else if (hi === Number.POSITIVE_INFINITY) estimate = lo;
    else {
      const f = (rank - before + 0.5) / c;
      estimate = lo + (hi - lo) * f;
      // hi − lo overflows only for edges near ±1.8e308; the weighted form cannot.
      if (!Number.isFinite(estimate)) estimate = lo * (1 - f) + hi * f;
    }
    if (!Number.isFinite(estimate)) return undefined;
    // Inconsistent input (min/max outside their buckets) can invert lo and hi: stay in [min, max].
    if (min !== undefined && estimate < min) estimate = min;
    if (max !== undefined && estimate > max) estimate = max;
    return estimate;
  }
  return undefined;
}
