import { nearestRank } from '../sketch/rank.js';
import type { ExpHistogramState } from './exp-histogram-state.js';

/**
 * The representative of bucket i at `scale`: its geometric midpoint base^(i + ½), the point with
 * the smallest worst-case relative error over (base^i, base^(i+1)].
 */
export function expBucketMidpoint(index: number, scale: number): number {
  const v = 2 ** ((index + 0.5) * 2 ** -scale);
  return Math.min(v, Number.MAX_VALUE);
}

/**
 * Estimates the nearest-rank value, the ⌈q·n⌉-th smallest (0-based rank k = ⌈q·n⌉ − 1, at least 0;
 * see `nearestRank`, the sketch's definition too) from exponential buckets: the bucket holding rank
 * k is found exactly, and its geometric midpoint (negated on the negative side; 0 for the zero
 * bucket) is clamped to the known [min, max]. Rank 0 and n−1 are min and max exactly when known.
 *
 * Error bound: the true value lies in the same bucket, so the relative error is at most
 * √base − 1 = 2^(2^−(scale+1)) − 1 — 0.27% at scale 8, 4.4% at scale 3, 41% at scale 0 — and
 * clamping only brings the estimate closer. The zero bucket answers 0, off by at most the zero
 * threshold (threshold·base after merges that raised it; nothing with the default threshold 0).
 *
 * @example
 * ```ts
 * // scale 0 (base 2), positive buckets at offset 1 with counts [1, 3]: (2, 4] once, (4, 8] three times
 * expQuantile(state, 0.5); // ⌈2⌉ = 2nd, rank 1, is in (4, 8] → 2^2.5 ≈ 5.66
 * ```
 */
export function expQuantile(s: ExpHistogramState, q: number): number | undefined {
  const { count, min, max } = s;
  if (count === 0) return undefined;
  const rank = nearestRank(Math.min(1, Math.max(0, q)), count);
  if (rank === 0 && min !== undefined) return min;
  if (rank === count - 1 && max !== undefined) return max;
  let estimate = find(s, rank);
  if (min !== undefined && estimate < min) estimate = min;
  if (max !== undefined && estimate > max) estimate = max;
  return estimate;
}

function find(s: ExpHistogramState, rank: number): number {
  let remaining = rank;
  const { negative, positive } = s;
  // Most negative first: the largest index on the negative side.
  for (let i = negative.counts.length - 1; i >= 0; i--) {
    const c = negative.counts[i] as number;
    if (remaining < c) return -expBucketMidpoint(negative.offset + i, s.scale);
    remaining -= c;
  }
  if (remaining < s.zeroCount) return 0;
  remaining -= s.zeroCount;
  for (let i = 0; i < positive.counts.length; i++) {
    const c = positive.counts[i] as number;
    if (remaining < c) return expBucketMidpoint(positive.offset + i, s.scale);
    remaining -= c;
  }
  // Unreachable while count is the sum of the buckets (an invariant the codec checks).
  return 0;
}
