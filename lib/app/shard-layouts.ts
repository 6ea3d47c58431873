/**
 * The deployment's shard layout as every function sees it: read from the store and cached for at
 * most {@link LAYOUT_CACHE_MS}; the planner (`reconcile`) makes it end with the configured `shards`.
 *
 * Safe against writers with a stale cache: a change takes effect from an epoch boundary at least
 * {@link LAYOUT_LEAD_MS} ahead (the top tier's next window start after that), longer than any cache
 * lives plus how far in the future a point may be written, so by the time a window of the new epoch
 * can be written, every writer has re-read the layout. Until then everyone uses the old count, so a
 * restart with a new `shards` in the middle of a window changes nothing for that window.
 */
import type { WindrowConfig } from '../core/config/config.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../core/point.js';
import { epochBoundary, ShardLayout } from '../core/window/shard-layout.js';
import { StoreUnavailableError } from './errors.js';
import type { Clock, ShardLayoutStore } from './ports.js';

/** Longest a function keeps the layout it read before reading it again. */
export const LAYOUT_CACHE_MS = 60_000;

/** How far ahead of the decision a new shard count takes effect, at least. */
export const LAYOUT_LEAD_MS = DEFAULT_NORMALIZE_LIMITS.maxFutureMs + 2 * LAYOUT_CACHE_MS + 5_000;

/** Conditional-write rounds before giving up on a layout write (another writer keeps winning). */
const WRITE_ROUNDS = 5;

export class ShardLayouts {
  private cached: { layout: ShardLayout; atMs: number } | undefined;

  /** Without a store, the layout is the configured count since the beginning (tests, demos). */
  constructor(
    private readonly config: WindrowConfig,
    private readonly clock: Clock,
    private readonly store?: ShardLayoutStore,
  ) {}

  /** The layout last read (the configured count since the beginning before any read). Synchronous. */
  latest(): ShardLayout {
    return this.cached?.layout ?? ShardLayout.single(this.config.shards);
  }

  /** The layout, read at most {@link LAYOUT_CACHE_MS} ago; created with the configured count if none. */
  async current(): Promise<ShardLayout> {
    if (this.store === undefined) return ShardLayout.single(this.config.shards);
    const nowMs = this.clock.nowMs();
    if (this.cached !== undefined && nowMs - this.cached.atMs < LAYOUT_CACHE_MS) return this.cached.layout;
    const layout = await this.update((stored) => stored ?? ShardLayout.single(this.config.shards));
    this.cached = { layout, atMs: nowMs };
    return layout;
  }

  /**
   * Makes the stored layout end with the configured `shards` (the planner, every run): a new count
   * gets an epoch from the next boundary; always re-reads.
   */
  async reconcile(): Promise<ShardLayout> {
    if (this.store === undefined) return ShardLayout.single(this.config.shards);
    const nowMs = this.clock.nowMs();
    const top = this.config.tiers.at(-1);
    if (top === undefined) throw new RangeError('configuration has no tiers');
    const boundary = epochBoundary(nowMs, top, LAYOUT_LEAD_MS);
    const layout = await this.update((stored) =>
      stored === undefined
        ? ShardLayout.single(this.config.shards)
        : stored.changedTo(this.config.shards, nowMs, boundary),
    );
    this.cached = { layout, atMs: nowMs };
    return layout;
  }

  /** Reads, applies `next`, writes when it changed (conditionally, retrying when another writer won). */
  private async update(next: (stored: ShardLayout | undefined) => ShardLayout): Promise<ShardLayout> {
    const store = this.store as ShardLayoutStore;
    for (let round = 0; round < WRITE_ROUNDS; round++) {
      const stored = await store.read();
      const layout = stored === undefined ? undefined : new ShardLayout(stored.epochs);
      const wanted = next(layout);
      if (layout !== undefined && wanted === layout) return layout;
      if (await store.write(wanted.epochs, stored?.revision)) return wanted;
    }
    throw new StoreUnavailableError(
      `the shard layout kept changing under ${WRITE_ROUNDS} conditional writes`,
      1,
    );
  }
}
