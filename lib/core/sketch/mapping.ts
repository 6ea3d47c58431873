import { ConfigError } from '../errors.js';

/**
 * Smallest α accepted. Below it, bucket indices of extreme doubles (|ln v| ≈ 745, divided by
 * ln γ ≈ 2α) would approach 2^53 and stop being exact integers; no metric needs finer than 1e-6.
 */
export const MIN_RELATIVE_ACCURACY = 1e-6;

/**
 * Smallest magnitude that gets a bucket of its own: the smallest normal double, 2^-1022 ≈ 2.2e-308.
 *
 * Magnitudes below it (subnormals) lose precision — 5e-324 has no significant bits left — so no
 * bucket could keep them within α anyway. They are counted as zeros: the absolute error is then below
 * 2.3e-308, which is negligible for every metric unit, and the sketch's exact min/max still report
 * them faithfully when they are the extremes.
 */
export const MIN_INDEXABLE_VALUE = 2 ** -1022;

/**
 * Logarithmic value → bucket-index mapping with relative accuracy α (the memory-optimal DDSketch
 * mapping): with γ = (1+α)/(1−α), bucket `i` holds the magnitudes in (γ^(i−1), γ^i], and its
 * representative value 2γ^i/(1+γ) is within α of every magnitude in it.
 *
 * Example: α = 0.01 → γ ≈ 1.0202; 100 falls in bucket 231, whose representative is ≈ 100.49.
 */
export class LogarithmicMapping {
  readonly relativeAccuracy: number;
  readonly gamma: number;
  /** 1 / ln γ: multiply a natural log by it to get a (fractional) index. */
  readonly multiplier: number;
  /** Index of {@link MIN_INDEXABLE_VALUE}: no valid bucket is below it. */
  readonly minIndex: number;
  /** Index of `Number.MAX_VALUE`: no valid bucket is above it. */
  readonly maxIndex: number;
  private readonly lnGamma: number;
  /** ln(2/(1+γ)): the representative sits this far (in log space) below the bucket's upper bound. */
  private readonly lnRepresentativeFactor: number;

  /** @throws ConfigError unless MIN_RELATIVE_ACCURACY ≤ α < 1. */
  constructor(relativeAccuracy: number) {
    if (!(relativeAccuracy >= MIN_RELATIVE_ACCURACY && relativeAccuracy < 1)) {
      throw new ConfigError(
        `sketch relative accuracy must be in [${MIN_RELATIVE_ACCURACY}, 1), got ${relativeAccuracy}`,
      );
    }
    this.relativeAccuracy = relativeAccuracy;
    // γ − 1 = 2α/(1−α); log1p keeps ln γ precise when α is small.
    const gammaMinusOne = (2 * relativeAccuracy) / (1 - relativeAccuracy);
    this.gamma = 1 + gammaMinusOne;
    this.lnGamma = Math.log1p(gammaMinusOne);
    this.multiplier = 1 / this.lnGamma;
    this.lnRepresentativeFactor = Math.log(2 / (1 + this.gamma));
    this.minIndex = this.index(MIN_INDEXABLE_VALUE);
    this.maxIndex = this.index(Number.MAX_VALUE);
  }

  /** Bucket index of a magnitude `v ≥ MIN_INDEXABLE_VALUE` (finite). */
  index(v: number): number {
    return Math.ceil(Math.log(v) * this.multiplier);
  }

  /**
   * The representative magnitude of bucket `index`: within α of any magnitude the bucket holds.
   * Capped at `Number.MAX_VALUE`: the top bucket's representative may lie above it, and the cap
   * only moves it closer to the values it stands for (none exceeds MAX_VALUE).
   */
  value(index: number): number {
    const v = Math.exp(index * this.lnGamma + this.lnRepresentativeFactor);
    return Math.min(v, Number.MAX_VALUE);
  }
}

/** The last mapping handed out by {@link mappingFor} (immutable, so any number of sketches share it). */
let lastMapping: LogarithmicMapping | undefined;

/**
 * The mapping for α, shared: a mapping is immutable, so every sketch (created or decoded) can use
 * the same one instead of computing four logarithms and allocating its own. A process uses one α
 * (the aggregate options'), so remembering the last one is enough. The saving is small next to the
 * stores (within the noise of `npx tsx test/bench/aggregate-adds.ts`, ≈ 100 ns/add either way), but it
 * is one allocation fewer per short-lived sketch.
 * @throws ConfigError unless MIN_RELATIVE_ACCURACY ≤ α < 1.
 */
export function mappingFor(relativeAccuracy: number): LogarithmicMapping {
  if (lastMapping?.relativeAccuracy === relativeAccuracy) return lastMapping;
  lastMapping = new LogarithmicMapping(relativeAccuracy);
  return lastMapping;
}
