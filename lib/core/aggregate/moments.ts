/**
 * Count, mean and M2 (the sum of squared deviations from the mean), updated with Welford's method and
 * merged with Chan et al.'s parallel formula. Both stay accurate when the variance is tiny next to
 * the mean (1e9 + noise): the textbook Σx² − (Σx)²/n subtracts two ~1e18 numbers and keeps no
 * correct digit of a variance below ~100.
 *
 * @example
 * ```ts
 * const a = emptyMoments();
 * const b = emptyMoments();
 * for (const x of [1e9 + 1, 1e9 + 2]) addMoment(a, x);
 * for (const x of [1e9 + 3, 1e9 + 4]) addMoment(b, x);
 * mergeMoments(a, b);
 * populationVariance(a); // 1.25, exactly as over all four values
 * ```
 */
export interface Moments {
  count: number;
  mean: number;
  m2: number;
}

export function emptyMoments(): Moments {
  return { count: 0, mean: 0, m2: 0 };
}

export function addMoment(m: Moments, x: number): void {
  m.count += 1;
  const delta = x - m.mean;
  m.mean += delta / m.count;
  m.m2 += delta * (x - m.mean);
}

/** Whether `a` goes first in Chan's formula: the larger count, then mean, then M2. */
function goesFirst(a: Readonly<Moments>, b: Readonly<Moments>): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.mean !== b.mean) return a.mean > b.mean;
  return a.m2 >= b.m2;
}

/**
 * Merges `source` into `target` (Chan et al., 1979). The operands are put in a canonical order
 * first, so merge(a, b) and merge(b, a) give the same bits; the larger side goes first because the
 * mean moves by `delta · n_small / n`, the better-conditioned update.
 */
export function mergeMoments(target: Moments, source: Readonly<Moments>): void {
  if (source.count === 0) return;
  if (target.count === 0) {
    target.count = source.count;
    target.mean = source.mean;
    target.m2 = source.m2;
    return;
  }
  const [a, b] = goesFirst(target, source) ? [target, source] : [source, target];
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = a.mean + delta * (b.count / count);
  const m2 = a.m2 + b.m2 + delta * delta * ((a.count * b.count) / count);
  target.count = count;
  target.mean = mean;
  target.m2 = m2;
}

/** Population variance M2 / n (the window's values are the whole population, not a sample). */
export function populationVariance(m: Readonly<Moments>): number {
  return m.count === 0 ? 0 : Math.max(0, m.m2 / m.count);
}
