/**
 * Exact (or near-exact) reference computations the aggregate tests compare against, and a seeded
 * random source for data sets too large for fast-check (randomness is fine in tests, never in
 * lib/core).
 *
 * @example
 * ```ts
 * const values = lognormalSample(10_000, { mu: Math.log(100), sigma: 1, seed: 7 });
 * exactQuantile(values, 0.99); // sorted[⌈0.99·n⌉ − 1], the nearest rank
 * exactSum(values); // Shewchuk's exact summation, rounded once
 * ```
 */

/** Sum of `values` with a single rounding at the end (Shewchuk's partials, as Python's `math.fsum`). */
export function exactSum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (const value of values) {
    let x = value;
    let i = 0;
    for (const p of partials) {
      let y = p;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  // Partials are non-overlapping and increasing: adding them from the top loses < 1 ulp.
  let sum = 0;
  for (let i = partials.length - 1; i >= 0; i--) sum += partials[i] ?? 0;
  return sum;
}

/** Population standard deviation by two passes over exactly summed data. */
export function exactStddev(values: readonly number[]): number {
  const mean = exactSum(values) / values.length;
  return Math.sqrt(exactSum(values.map((x) => (x - mean) ** 2)) / values.length);
}

/**
 * The 0-based index of the nearest-rank percentile of n sorted values: the ⌈q·n⌉-th smallest, index
 * ⌈q·n⌉ − 1, at least 0 (so q = 0 is the min). Computed apart from lib's `nearestRank`, the way a
 * person would: q is taken as the decimal it was written as (`0.95`, `99.9 / 100`; up to 9 places)
 * and ⌈q·n⌉ is then exact integer arithmetic, so 0.95·20 is 19, never 19.000000000000004 → 20.
 */
export function nearestRankIndex(q: number, n: number): number {
  const scaled = q * 1e9;
  const decimal = Math.round(scaled);
  const k =
    Math.abs(scaled - decimal) <= 1e-4
      ? Number((BigInt(decimal) * BigInt(n) + 999_999_999n) / 1_000_000_000n)
      : Math.ceil(q * n);
  return Math.min(n - 1, Math.max(0, k - 1));
}

/** The nearest-rank percentile: the ⌈q·n⌉-th smallest value (PostgreSQL's `percentile_disc`). */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[nearestRankIndex(q, sorted.length)];
  if (value === undefined) throw new Error('quantile of no values');
  return value;
}

export { seededRandom } from '#local/random.js';

import { seededRandom } from '#local/random.js';

/** Standard normal draws (Box–Muller). */
export function normalSample(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out.push(r * Math.cos(2 * Math.PI * v));
    if (out.length < n) out.push(r * Math.sin(2 * Math.PI * v));
  }
  return out;
}

/** Lognormal draws: e^(μ + σ·N(0, 1)), e.g. request latencies with median e^μ. */
export function lognormalSample(
  n: number,
  options: { readonly mu: number; readonly sigma: number; readonly seed: number },
): number[] {
  return normalSample(n, options.seed).map((z) => Math.exp(options.mu + options.sigma * z));
}
