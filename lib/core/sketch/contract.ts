import type { ByteWriter } from '../codec/bytes.js';

/**
 * A mergeable relative-error quantile sketch (DDSketch-style): a value→index mapping, a counts store,
 * and the sketch combining them for positive values, negative values and zeros.
 */
export interface QuantileSketch {
  readonly count: number;
  readonly relativeAccuracy: number;
  /** Adds a finite value `weight` times (weight ≥ 1, integer). */
  add(value: number, weight?: number): void;
  /** Adds `other`'s counts into this sketch; `other` is untouched. Both must share α. */
  mergeFrom(other: QuantileSketch): void;
  /** A deep copy. */
  clone(): QuantileSketch;
  /**
   * The value at quantile q ∈ [0, 1] by nearest rank: the ⌈q·n⌉-th smallest value (0-based rank
   * ⌈q·n⌉ − 1, at least 0; PostgreSQL's `percentile_disc`), within α relative error; undefined when
   * empty. Clamped to the exact [min, max], and exactly min and max at q = 0 and q = 1.
   */
  quantile(q: number): number | undefined;
  readonly min: number;
  readonly max: number;
  encode(out: ByteWriter): void;
}
