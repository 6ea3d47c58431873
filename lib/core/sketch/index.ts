import type { ByteReader } from '../codec/bytes.js';
import { ConfigError } from '../errors.js';
import { decodeSketchParts, MAX_BUCKETS_LIMIT } from './codec.js';
import type { QuantileSketch } from './contract.js';
import { mappingFor } from './mapping.js';
import { DDSketch } from './sketch.js';
import { DenseStore } from './store.js';

export { MAX_BUCKETS_LIMIT, SKETCH_CODEC_VERSION } from './codec.js';
export type { QuantileSketch } from './contract.js';
export { LogarithmicMapping, MIN_INDEXABLE_VALUE, MIN_RELATIVE_ACCURACY } from './mapping.js';
export { nearestRank } from './rank.js';
export { DDSketch } from './sketch.js';

export interface SketchOptions {
  /** Relative accuracy α of every quantile, in [1e-6, 1); 0.01 means ±1%. */
  readonly relativeAccuracy: number;
  /**
   * Most buckets the sketch may hold, positive and negative stores together (2 … 65,536); past it
   * the buckets of the magnitudes nearest zero collapse (see {@link DDSketch}). The encoding costs
   * about one byte per bucket, so this also bounds the encoded size.
   */
  readonly maxBuckets: number;
}

/**
 * An empty quantile sketch.
 *
 * @example
 * ```ts
 * const sketch = createSketch({ relativeAccuracy: 0.01, maxBuckets: 2048 });
 * for (const ms of [12, 15, 230]) sketch.add(ms);
 * sketch.quantile(0.5); // ≈ 15 (within 1%)
 * ```
 * @throws ConfigError on an α or bucket budget out of range.
 */
export function createSketch(options: SketchOptions): QuantileSketch {
  const { relativeAccuracy, maxBuckets } = options;
  if (!(Number.isSafeInteger(maxBuckets) && maxBuckets >= 2 && maxBuckets <= MAX_BUCKETS_LIMIT)) {
    throw new ConfigError(
      `sketch maxBuckets must be an integer in [2, ${MAX_BUCKETS_LIMIT}], got ${maxBuckets}`,
    );
  }
  return new DDSketch({
    mapping: mappingFor(relativeAccuracy),
    maxBuckets,
    floor: Number.NEGATIVE_INFINITY,
    zeroCount: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    negative: new DenseStore(),
    positive: new DenseStore(),
  });
}

/**
 * Reads a sketch written by `QuantileSketch.encode`.
 *
 * @example
 * ```ts
 * const out = new ByteWriter();
 * sketch.encode(out);
 * const copy = decodeSketch(new ByteReader(out.finish()));
 * ```
 * @throws StateCodecError on truncated, corrupt or unknown-version bytes (and never anything else).
 */
export function decodeSketch(input: ByteReader): QuantileSketch {
  return new DDSketch(decodeSketchParts(input));
}
