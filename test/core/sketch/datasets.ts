import { ByteWriter } from '#core/codec/bytes.js';
import type { QuantileSketch } from '#core/sketch/index.js';

import { seededRandom as prng } from '#local/random.js';
import { nearestRankIndex } from '../../support/oracles.js';

export { prng };

/** A standard normal draw (Box–Muller); `1 − u` keeps the logarithm finite. */
export function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Lognormal latencies in ms (μ = ln 100, σ = 1 unless told). */
export function lognormal(n: number, seed: number, sigma = 1): number[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => Math.exp(Math.log(100) + sigma * normal(random)));
}

const N = 100_000;

/** The named data sets of the accuracy tests, 100,000 values each. */
export const DATA_SETS: Record<string, () => number[]> = {
  uniform: () => {
    const random = prng(1);
    return Array.from({ length: N }, () => random() * 1000);
  },
  lognormal: () => lognormal(N, 2, 2),
  pareto: () => {
    // x_m = 1, shape 1.5: a heavy tail, p99.9 around 100.
    const random = prng(3);
    return Array.from({ length: N }, () => (1 - random()) ** (-1 / 1.5));
  },
  constant: () => new Array<number>(N).fill(42.5),
  increasing: () => Array.from({ length: N }, (_, i) => i + 1),
  allNegative: () => lognormal(N, 4).map((v) => -v),
  mixedSignWithZeros: () => {
    const random = prng(5);
    return Array.from({ length: N }, () => (random() < 0.1 ? 0 : 100 * normal(random)));
  },
};

export const QUANTILES = [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

/** The oracle: the nearest-rank element, the ⌈q·n⌉-th smallest of the sorted values. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[nearestRankIndex(q, sorted.length)] as number;
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** |estimate − exact| ≤ α·|exact|, with room for the rounding of a value on a bucket boundary. */
export function withinRelative(estimate: number, exact: number, alpha: number): boolean {
  return Math.abs(estimate - exact) <= alpha * (1 + 1e-9) * Math.abs(exact);
}

export function encoded(sketch: QuantileSketch): Uint8Array {
  const out = new ByteWriter();
  sketch.encode(out);
  return out.finish();
}
