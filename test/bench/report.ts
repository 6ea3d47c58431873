/**
 * One benchmark figure. `baseline`/`ratio` are set where the figure is compared with something
 * measured in the same run (ratio = value / baseline), so noisy machines still give meaningful ratios.
 */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly ratio?: number;
}

export function figure(name: string, value: number, unit: string, baseline?: number): BenchFigure {
  if (baseline === undefined) return { name, value, unit };
  return { name, value, unit, baseline, ratio: baseline === 0 ? Number.NaN : value / baseline };
}

/**
 * Runs `fn` repeatedly for at least `minMs` (after a warm-up) and returns operations per second,
 * where one call of `fn` performs `opsPerCall` operations.
 */
export function opsPerSecond(fn: () => void, opsPerCall: number, minMs = 400): number {
  const warmUntil = performance.now() + minMs / 4;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * opsPerCall * 1000) / elapsed;
}
