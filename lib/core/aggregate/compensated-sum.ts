/**
 * A Neumaier-compensated sum: `hi + lo` carries the running sum with about twice double precision,
 * so the result hardly depends on the order values and partial sums arrive in. Plain `+=` does:
 * partials merged in a different order would give a different `sum` for the same window, and a
 * re-close would not reproduce its own result.
 *
 * @example
 * ```ts
 * const s = emptySum();
 * for (const x of [1e16, 1, -1e16]) addToSum(s, x);
 * sumValue(s); // 1 (plain summation gives 0)
 * ```
 */
export interface CompensatedSum {
  /** The sum rounded to a double. */
  hi: number;
  /** The rounding error of `hi` accumulated so far (exactly 0 for integer sums below 2^53). */
  lo: number;
}

export function emptySum(): CompensatedSum {
  return { hi: 0, lo: 0 };
}

/** Error of `a + b` rounded to `t` (Fast2Sum with the larger magnitude first: exact). */
function roundingError(a: number, b: number, t: number): number {
  return Math.abs(a) >= Math.abs(b) ? a - t + b : b - t + a;
}

export function addToSum(s: CompensatedSum, x: number): void {
  const t = s.hi + x;
  // On overflow the error term would be Infinity − Infinity = NaN; the sum is just ±Infinity.
  s.lo = Number.isFinite(t) ? s.lo + roundingError(s.hi, x, t) : 0;
  s.hi = t;
}

/**
 * Adds `source` into `target`. Symmetric down to the bits: `roundingError` is symmetric, and the two
 * error terms are added to each other before the new one, so merge(a, b) and merge(b, a) agree.
 */
export function mergeSums(target: CompensatedSum, source: Readonly<CompensatedSum>): void {
  const t = target.hi + source.hi;
  target.lo = Number.isFinite(t) ? target.lo + source.lo + roundingError(target.hi, source.hi, t) : 0;
  target.hi = t;
}

export function sumValue(s: Readonly<CompensatedSum>): number {
  return s.hi + s.lo;
}
