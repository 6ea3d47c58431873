import type { AttributeSet, MetricContext } from '../point.js';
import { murmur3x86_128 } from './hash.js';

/** A series' identity: 128-bit id as 32 hex chars, and its shard for a given shard count. */
export interface SeriesRef {
  readonly seriesId: string;
  readonly shard: number;
}

/**
 * The identity string of a series: tenant, then resource + scope + metric descriptor (the context's
 * canonical key), then the point attributes' canonical key. `\u0000` cannot occur unescaped inside
 * the canonical keys, so the concatenation is unambiguous.
 */
export function seriesKey(tenant: string, context: MetricContext, attributes: AttributeSet): string {
  return `${tenant}\u0000${context.key}\u0000${attributes.key}`;
}

/** The 128-bit series id of an identity string (see {@link seriesKey}). */
export function seriesIdOf(key: string): string {
  return murmur3x86_128(key);
}

/**
 * shard = hash(seriesId) mod shards, the same in every tier. The id is already a uniform hash, so its
 * first 32 bits are used directly.
 */
export function shardOf(seriesId: string, shards: number): number {
  return Number.parseInt(seriesId.slice(0, 8), 16) % shards;
}

/**
 * A bounded memo from identity string to {@link SeriesRef}: the same series repeats across the points
 * of a request and across requests in a warm Lambda, and hashing is the costliest per-point step.
 * When full it is cleared wholesale (cheaper than LRU bookkeeping on the hot path; a miss only costs
 * a hash).
 */
export class SeriesIdCache {
  private readonly refs = new Map<string, SeriesRef>();

  constructor(
    private readonly shards: number,
    private readonly maxEntries = 200_000,
  ) {}

  get size(): number {
    return this.refs.size;
  }

  ref(tenant: string, context: MetricContext, attributes: AttributeSet): SeriesRef {
    const key = seriesKey(tenant, context, attributes);
    let ref = this.refs.get(key);
    if (ref === undefined) {
      const seriesId = seriesIdOf(key);
      ref = { seriesId, shard: shardOf(seriesId, this.shards) };
      if (this.refs.size >= this.maxEntries) this.refs.clear();
      this.refs.set(key, ref);
    }
    return ref;
  }
}
