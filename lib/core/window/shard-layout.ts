/**
 * Shard layouts over time: which shard count applies to a window. Changing `shards` on a running
 * deployment must neither lose nor double count: every window of every tier is written, closed,
 * rolled up and marked under exactly one shard count, so a new count takes effect from an *epoch
 * boundary* recorded in the table — a start of the top tier's window (so no window of any tier, and
 * no parent of one, straddles it), far enough ahead that every writer has learned of it first.
 *
 * Windows that reach back across a boundary (sliding windows, the previous window a cumulative
 * baseline is read from, open sessions) read the older epoch's shards and keep the series that
 * belong to the reader's shard under the newer count (see close-window.ts).
 */
import { shardOf } from '../series/id.js';
import type { Tier } from './tiers.js';
import { windowStart } from './window.js';

/** From `fromMs` on (until the next epoch), series are spread over `shards` shards. */
export interface ShardEpoch {
  readonly fromMs: number;
  readonly shards: number;
}

export class ShardLayout {
  /** Sorted by `fromMs`, the first from 0. */
  readonly epochs: readonly ShardEpoch[];

  constructor(epochs: readonly ShardEpoch[]) {
    if (epochs.length === 0 || epochs[0]?.fromMs !== 0) {
      throw new RangeError('a shard layout starts with an epoch from 0');
    }
    for (let i = 1; i < epochs.length; i++) {
      if ((epochs[i]?.fromMs ?? 0) <= (epochs[i - 1]?.fromMs ?? 0)) {
        throw new RangeError('shard epochs must start in increasing order');
      }
    }
    for (const e of epochs) {
      if (!Number.isSafeInteger(e.shards) || e.shards < 1)
        throw new RangeError(`bad shard count ${e.shards}`);
    }
    this.epochs = epochs;
  }

  /** One count since the beginning (a deployment that never changed `shards`). */
  static single(shards: number): ShardLayout {
    return new ShardLayout([{ fromMs: 0, shards }]);
  }

  /** The epoch that holds `ms`. */
  epochAt(ms: number): ShardEpoch {
    let found = this.epochs[0] as ShardEpoch;
    for (const e of this.epochs) {
      if (e.fromMs > ms) break;
      found = e;
    }
    return found;
  }

  /** The shard count of the window starting at `windowStartMs` (of any tier). */
  shardsAt(windowStartMs: number): number {
    return this.epochAt(windowStartMs).shards;
  }

  /** The shard of a series in the window starting at `windowStartMs`. */
  shardOf(seriesId: string, windowStartMs: number): number {
    return shardOf(seriesId, this.shardsAt(windowStartMs));
  }

  /** The most shards any epoch has: the shards a planner looks at. */
  maxShards(): number {
    return this.epochs.reduce((max, e) => Math.max(max, e.shards), 0);
  }

  /** Whether `shard` has no window from `fromMs` on: every epoch from there has fewer shards. */
  retiredFrom(shard: number, fromMs: number): boolean {
    const first = this.epochAt(fromMs);
    return this.epochs.every((e) => e.fromMs < first.fromMs || e.shards <= shard);
  }

  /** Whether the shard count `shards` is what the layout ends with. */
  endsWith(shards: number): boolean {
    return this.epochs.at(-1)?.shards === shards;
  }

  /**
   * The layout once the count becomes `shards`: unchanged if it already ends with it; otherwise a new
   * epoch from `boundaryMs` — replacing epochs that have not begun by `nowMs` (a count changed
   * again before its boundary), and dropping the change altogether if `shards` is the count in force.
   */
  changedTo(shards: number, nowMs: number, boundaryMs: number): ShardLayout {
    if (this.endsWith(shards)) return this;
    const begun = this.epochs.filter((e) => e.fromMs <= nowMs);
    if (begun.at(-1)?.shards === shards) return new ShardLayout(begun);
    return new ShardLayout([
      ...begun,
      { fromMs: Math.max(boundaryMs, (begun.at(-1)?.fromMs ?? 0) + 1), shards },
    ]);
  }
}

/**
 * The epoch boundary for a change decided at `nowMs`: the first start of a `top`-tier window at or
 * after `nowMs + leadMs`. `leadMs` covers how far ahead of now a point may be written (the future
 * limit) and how long a writer may keep an older layout in its cache.
 */
export function epochBoundary(nowMs: number, top: Tier, leadMs: number): number {
  const at = nowMs + leadMs;
  const start = windowStart(at, top);
  return start === at ? start : start + top.sizeMs;
}

/** What {@link regroupByLayout} needs of a pre-aggregated group. */
export interface ShardGroup<S> {
  readonly windowStartMs: number;
  readonly shard: number;
  readonly series: Map<string, S>;
}

/**
 * Groups computed with `assumedShards` shards, moved to the shards `layout` gives their windows:
 * unchanged (the same objects) where the window's epoch has `assumedShards`, split by series where
 * not. Costs nothing in the steady state, where every window's count is the configured one.
 */
export function regroupByLayout<S>(
  groups: Iterable<ShardGroup<S>>,
  assumedShards: number,
  layout: ShardLayout,
): ShardGroup<S>[] {
  const out: ShardGroup<S>[] = [];
  const moved = new Map<string, ShardGroup<S>>();
  for (const group of groups) {
    const shards = layout.shardsAt(group.windowStartMs);
    if (shards === assumedShards) {
      out.push(group);
      continue;
    }
    for (const [seriesId, state] of group.series) {
      const shard = shardOf(seriesId, shards);
      const key = `${group.windowStartMs}#${shard}`;
      let target = moved.get(key);
      if (target === undefined) {
        target = { windowStartMs: group.windowStartMs, shard, series: new Map() };
        moved.set(key, target);
      }
      target.series.set(seriesId, state);
    }
  }
  out.push(...moved.values());
  return out;
}
