/**
 * Comparing finalized stats: count/min/max/last/buckets exactly, the float stats within tolerances
 * that scale with the data (see {@link Tolerance}).
 *
 * @example
 * ```ts
 * const compare = closeStats({ sum: 'exact' }); // integer data: sums must be exact
 * compare(numberKind.finalize(merged, ctx), numberKind.finalize(folded, ctx), ctx); // throws if not
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import type { FinalizeContext, FinalStats } from '#core/aggregate/contract.js';

/** Throws (with a readable message) when `actual` is not close enough to `expected`. */
export type StatsComparator = (actual: FinalStats, expected: FinalStats, context: FinalizeContext) => void;

export interface Tolerance {
  /** Allowed error relative to max(|expected|, |actual|). */
  readonly rel: number;
  /**
   * Allowed error relative to the data's magnitude: count × max(|min|, |max|, |avg|) for sum and
   * rate (per second), max(|min|, |max|, |avg|) for the others. This covers cancellation, where a
   * result is tiny next to the values it came from and a relative bound alone is meaningless.
   */
  readonly scaled?: number;
}

export type FieldTolerance = 'exact' | Tolerance;

/** Tolerances of the float stats; count, min, max, last and buckets are always compared exactly. */
export interface StatsTolerances {
  readonly sum: FieldTolerance;
  readonly avg: FieldTolerance;
  readonly stddev: FieldTolerance;
  readonly rate: FieldTolerance;
  readonly percentiles: FieldTolerance;
}

/**
 * Defaults sized for compensated sums and Chan/Welford moments over ≤ ~100 values of 1e-9…1e12:
 * sums agree to a few ulps of the result (plus a hair of the input magnitude); stddev differences
 * come from M2 round-off, ~√(n·u)·magnitude at worst when the variance is tiny next to the mean;
 * percentiles of a mergeable sketch should not depend on grouping at all.
 */
export const DEFAULT_TOLERANCES: StatsTolerances = {
  sum: { rel: 1e-13, scaled: 1e-15 },
  avg: { rel: 1e-13, scaled: 1e-15 },
  stddev: { rel: 1e-9, scaled: 1e-7 },
  rate: { rel: 1e-13, scaled: 1e-15 },
  percentiles: { rel: 1e-12 },
};

const EXACT_FIELDS = ['count', 'min', 'max', 'last'] as const;
const FLOAT_FIELDS = ['sum', 'avg', 'stddev', 'rate'] as const;
const KNOWN_FIELDS = new Set<string>([
  ...EXACT_FIELDS,
  ...FLOAT_FIELDS,
  'percentiles',
  'buckets',
  'expBuckets',
]);

function magnitude(s: FinalStats): number {
  let m = 0;
  for (const v of [s.min, s.max, s.avg]) {
    if (v !== undefined && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  }
  return m;
}

function definedKeys(s: FinalStats): string[] {
  return Object.entries(s)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k)
    .sort();
}

function checkNumber(
  field: string,
  actual: number | undefined,
  expected: number | undefined,
  tolerance: FieldTolerance,
  scale: number,
): void {
  if (actual === undefined || expected === undefined) {
    if (actual !== expected) throw new Error(`${field}: expected ${expected}, got ${actual}`);
    return;
  }
  // ±0 count as equal here; byte-level laws catch a -0 that should not be there.
  if (actual === expected || (Number.isNaN(actual) && Number.isNaN(expected))) return;
  if (tolerance === 'exact' || !Number.isFinite(actual) || !Number.isFinite(expected)) {
    throw new Error(`${field}: expected exactly ${expected}, got ${actual}`);
  }
  const allowed =
    tolerance.rel * Math.max(Math.abs(actual), Math.abs(expected)) + (tolerance.scaled ?? 0) * scale;
  const error = Math.abs(actual - expected);
  if (!(error <= allowed)) {
    throw new Error(`${field}: expected ${expected}, got ${actual} (error ${error} > allowed ${allowed})`);
  }
}

/**
 * A comparator that checks the same stats are present on both sides, count/min/max/last and
 * buckets exactly, and the float stats within `tolerances` (merged over {@link DEFAULT_TOLERANCES}).
 */
export function closeStats(tolerances: Partial<StatsTolerances> = {}): StatsComparator {
  const tol: StatsTolerances = { ...DEFAULT_TOLERANCES, ...tolerances };
  return (actual, expected, context) => {
    const keysA = definedKeys(actual);
    const keysE = definedKeys(expected);
    if (!isDeepStrictEqual(keysA, keysE)) {
      throw new Error(`stats present: expected [${keysE.join(', ')}], got [${keysA.join(', ')}]`);
    }
    const unknown = keysE.filter((k) => !KNOWN_FIELDS.has(k));
    if (unknown.length > 0) throw new Error(`unknown stats: ${unknown.join(', ')}`);
    for (const field of EXACT_FIELDS) checkNumber(field, actual[field], expected[field], 'exact', 0);
    const mag = magnitude(expected);
    const seconds = (context.windowEndMs - context.windowStartMs) / 1000;
    const sumScale = expected.count * mag;
    checkNumber('sum', actual.sum, expected.sum, tol.sum, sumScale);
    checkNumber('avg', actual.avg, expected.avg, tol.avg, mag);
    checkNumber('stddev', actual.stddev, expected.stddev, tol.stddev, mag);
    checkNumber('rate', actual.rate, expected.rate, tol.rate, seconds > 0 ? sumScale / seconds : 0);
    if (expected.percentiles !== undefined && actual.percentiles !== undefined) {
      const names = Object.keys(expected.percentiles).sort();
      if (!isDeepStrictEqual(Object.keys(actual.percentiles).sort(), names)) {
        throw new Error(`percentiles: expected keys ${names.join(', ')}`);
      }
      for (const name of names) {
        checkNumber(name, actual.percentiles[name], expected.percentiles[name], tol.percentiles, mag);
      }
    }
    if (!isDeepStrictEqual(actual.buckets, expected.buckets)) throw new Error('buckets differ');
    if (!isDeepStrictEqual(actual.expBuckets, expected.expBuckets)) throw new Error('expBuckets differ');
  };
}

/** Every stat must match exactly (e.g. integer data whose sums and averages are exact). */
export const exactStats: StatsComparator = closeStats({
  sum: 'exact',
  avg: 'exact',
  stddev: 'exact',
  rate: 'exact',
  percentiles: 'exact',
});
