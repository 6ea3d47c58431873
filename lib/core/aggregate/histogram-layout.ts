import type { HistogramPoint } from '../point.js';

/**
 * Explicit-bucket layouts: `bounds` are strictly increasing finite upper bounds and bucket `i` holds
 * the values in (bounds[i−1], bounds[i]] (OTLP), the first bucket reaching down to −∞ and the last
 * up to +∞, so `counts.length === bounds.length + 1`.
 *
 * Two layouts merge onto the bounds they have in COMMON. Every bucket of a layout then lies inside
 * exactly one bucket of the common layout, so counts move without being split or guessed: the
 * result is coarser but exact. Set intersection is associative and commutative, and re-binning
 * onto a subset composes (re-binning onto B then onto C ⊆ B equals re-binning onto C directly), so
 * merges obey the aggregate laws whatever the grouping.
 *
 * @example
 * ```ts
 * intersectBounds([0, 5, 10], [5, 10, 20]); // [5, 10]
 * coalesceCounts([0, 5, 10], [1, 2, 3, 4], [5, 10]); // [1 + 2, 3, 4] = [3, 3, 4]
 * intersectBounds([1, 2], [3, 4]); // []: everything lands in one bucket (−∞, +∞)
 * ```
 */
export function intersectBounds(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Re-bins `counts` (laid out on `bounds`) onto `target`, which must be a subset of `bounds`. */
export function coalesceCounts(
  bounds: readonly number[],
  counts: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length + 1).fill(0);
  let j = 0;
  for (let i = 0; i < counts.length; i++) {
    const upper = i < bounds.length ? (bounds[i] as number) : Number.POSITIVE_INFINITY;
    // The target bucket holding (bounds[i−1], bounds[i]] is the first whose bound is ≥ bounds[i].
    while (j < target.length && (target[j] as number) < upper) j++;
    out[j] = (out[j] as number) + (counts[i] as number);
  }
  return out;
}

/** Re-bins `counts` onto `target` ⊆ `bounds`, or copies them when the layouts are the same. */
export function countsOn(
  bounds: readonly number[],
  counts: readonly number[],
  target: readonly number[],
): number[] {
  return sameBounds(bounds, target) ? counts.slice() : coalesceCounts(bounds, counts, target);
}

function isCount(c: number): boolean {
  return Number.isSafeInteger(c) && c >= 0;
}

/**
 * The bucket layout of a point, or undefined when it is malformed (normalization rejects those;
 * the guard keeps a slipped-through point from corrupting the state). A point without buckets —
 * legal in OTLP — is one bucket (−∞, +∞) holding its count. Bounds of −0 become 0 so that equal
 * layouts compare equal.
 */
export function pointLayout(point: HistogramPoint): { bounds: number[]; counts: number[] } | undefined {
  if (point.bucketCounts.length === 0) {
    return isCount(point.count) ? { bounds: [], counts: [point.count] } : undefined;
  }
  if (point.bucketCounts.length !== point.bounds.length + 1) return undefined;
  const bounds: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const b of point.bounds) {
    if (!Number.isFinite(b) || !(b > previous)) return undefined;
    bounds.push(b + 0);
    previous = b;
  }
  let total = 0;
  for (const c of point.bucketCounts) {
    if (!isCount(c)) return undefined;
    total += c;
  }
  if (!Number.isSafeInteger(total)) return undefined;
  return { bounds, counts: point.bucketCounts.slice() };
}

/**
 * The total count of a point whose layout {@link pointLayout} accepts, or −1 when it refuses it;
 * the same checks, without building the layout.
 */
export function layoutTotal(point: HistogramPoint): number {
  const counts = point.bucketCounts;
  if (counts.length === 0) return isCount(point.count) ? point.count : -1;
  if (counts.length !== point.bounds.length + 1) return -1;
  let previous = Number.NEGATIVE_INFINITY;
  for (const b of point.bounds) {
    if (!Number.isFinite(b) || !(b > previous)) return -1;
    previous = b;
  }
  return validCountsTotal(counts);
}

/** The sum of `counts` when each is a count and the sum a safe integer (pointLayout's rule), else −1. */
export function validCountsTotal(counts: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (!isCount(c)) return -1;
    total += c;
  }
  return Number.isSafeInteger(total) ? total : -1;
}
