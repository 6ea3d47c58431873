/**
 * Which first-tier shards the planner has started (has a checkpoint for), as ingest sees them.
 *
 * Until a shard has a checkpoint, the planner has not decided where its closes start: it starts a new
 * shard at the latest due window, so data written before then to windows that are due by the time it
 * runs would never be closed. Ingest therefore marks every window it writes to a shard not known to
 * be started (a correction mark, which the planner turns into a close of that window whatever the
 * checkpoint). Checkpoints are never removed, so once a shard is seen started it stays known for the
 * life of the container; shards not known are re-read at most once per {@link RECHECK_MS}, and
 * until then are treated as not started (a spare mark costs one write, a missing one loses data).
 */
import type { Clock, WindowStore } from './ports.js';

/** Least time between two reads of the checkpoints while some shard is not known to be started. */
export const RECHECK_MS = 1_000;

export class KnownCheckpoints {
  private readonly started = new Set<number>();
  private checkedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: WindowStore,
    private readonly clock: Clock,
    private readonly tier = 0,
  ) {}

  /** The shards among `shards` not known to have a checkpoint (reads the store when some are not). */
  async notStarted(shards: Iterable<number>): Promise<ReadonlySet<number>> {
    let missing = this.unknown(shards);
    if (missing.size === 0) return missing;
    const nowMs = this.clock.nowMs();
    if (nowMs - this.checkedAtMs >= RECHECK_MS) {
      this.checkedAtMs = nowMs;
      for (const shard of await this.store.checkpointedShards(this.tier)) this.started.add(shard);
      missing = this.unknown(missing);
    }
    return missing;
  }

  private unknown(shards: Iterable<number>): Set<number> {
    const out = new Set<number>();
    for (const shard of shards) if (!this.started.has(shard)) out.add(shard);
    return out;
  }
}

const byStore = new WeakMap<WindowStore, KnownCheckpoints>();

/** One {@link KnownCheckpoints} per store instance: warm for as long as the store (the container). */
export function knownCheckpointsOf(store: WindowStore, clock: Clock): KnownCheckpoints {
  let known = byStore.get(store);
  if (known === undefined) {
    known = new KnownCheckpoints(store, clock);
    byStore.set(store, known);
  }
  return known;
}
