import type { WindrowConfig } from '../core/config/config.js';
import { windowStart } from '../core/window/window.js';
import type { Checkpoint, CloseJob, CloseQueue, CloseStore } from './close-ports.js';
import { DeploymentState } from './deployment-state.js';
import type { Clock } from './ports.js';
import { backfillAddedTier, resumeReaddedTier } from './tier-backfill.js';

export interface PlanDeps {
  readonly store: CloseStore;
  readonly queue: CloseQueue;
  readonly clock: Clock;
  readonly config: WindrowConfig;
  /** The shard layout; none: the configured `shards` since the beginning. */
  readonly deployment?: DeploymentState;
}

export interface PlanOptions {
  /**
   * Windows enqueued per (tier, shard) in one run: after downtime the planner catches up in steps
   * of this many windows a run instead of flooding the queue (default 60: an hour of 1m windows).
   */
  readonly maxWindowsPerShard?: number;
  /** Correction marks read per tier in one run (default 1,000). */
  readonly maxCorrectionsPerTier?: number;
}

export interface PlanReport {
  readonly jobs: number;
  /** Jobs per tier name: first closes and re-closes. */
  readonly closes: Readonly<Record<string, number>>;
  readonly corrections: Readonly<Record<string, number>>;
  /** Checkpoints created on this run (a fresh table, or a new tier or shard count). */
  readonly initialized: number;
  /** Per tier, how far behind it is: now − the start of the oldest due window not closed yet. */
  readonly behindMs: Readonly<Record<string, number>>;
}

/**
 * The planner (DESIGN.md §6), run every minute by a schedule (every `--tick` locally): enqueues one
 * close job per due (tier, windowStart, shard) and one re-close per correction mark of a closed
 * window.
 *
 * - A window is due once `now ≥ end + allowedLateness` — never before — and, above the first tier,
 *   once its last child window is closed in the same shard.
 * - Windows close in order from the checkpoint; at most `maxWindowsPerShard` per run, so catching
 *   up after downtime happens in bounded steps.
 * - A shard without a checkpoint starts at the latest due window. Data of older windows is closed from
 *   correction marks: ingest marks the windows that were already closing when it wrote, and every
 *   window it writes to a shard it does not know to have a checkpoint (known-checkpoints.ts), so no
 *   accepted point is left behind a checkpoint whatever the planner's history.
 * - Jobs that are still in the queue from the previous run are enqueued again; a close of a window
 *   already closed is a cheap no-op, so duplicates cost a read, never a double count.
 *
 * @example
 * await planCloses({ store, queue, clock, config }); // { jobs: 8, closes: { '1m': 8 }, … }
 */
export async function planCloses(deps: PlanDeps, options: PlanOptions = {}): Promise<PlanReport> {
  const { config, store, clock } = deps;
  const maxWindows = options.maxWindowsPerShard ?? 60;
  const maxCorrections = options.maxCorrectionsPerTier ?? 1_000;
  const nowMs = clock.nowMs();
  const jobs: CloseJob[] = [];
  const closes: Record<string, number> = {};
  const corrections: Record<string, number> = {};
  const behindMs: Record<string, number> = {};
  let initialized = 0;
  let childCheckpoints: Map<number, Checkpoint> | undefined;
  // Records a change of `shards` as a new epoch (shard-layout.ts); shards of every epoch are planned,
  // each until the epochs from its next window on have no such shard (it is retired).
  const { layout, addedTiers } = await (deps.deployment ?? new DeploymentState(config, clock)).reconcile();

  for (const tier of config.tiers) {
    const child = config.tiers[tier.level - 1];
    const checkpoints = await store.readCheckpoints(tier.level);
    // The newest window whose end + lateness has passed.
    const lastDue = windowStart(nowMs - config.allowedLatenessMs, tier) - tier.sizeMs;
    closes[tier.name] = 0;
    corrections[tier.name] = 0;
    for (let shard = 0; shard < layout.maxShards(); shard++) {
      const childCheckpoint = childCheckpoints?.get(shard);
      let checkpoint = checkpoints.get(shard);
      if (checkpoint === undefined) {
        if (child !== undefined && childCheckpoint === undefined) continue;
        if (layout.retiredFrom(shard, lastDue)) continue;
        // Above the first tier: start with the window holding the child tier's first close — for a
        // tier just added to a live deployment, with its already closed children handed up to it.
        let first =
          childCheckpoint === undefined
            ? lastDue
            : windowStart(childCheckpoint.closedThroughMs + (child?.sizeMs ?? 0), tier);
        if (child !== undefined && childCheckpoint !== undefined) {
          const childNext = childCheckpoint.closedThroughMs + child.sizeMs;
          const added = addedTiers.includes(tier.name);
          first = await backfillAddedTier(store, config, tier, child, shard, first, childNext, added);
        }
        checkpoint = await store.initCheckpoint({
          tier: tier.level,
          shard,
          closedThroughMs: first - tier.sizeMs,
        });
        checkpoints.set(shard, checkpoint);
        initialized++;
      } else if (child !== undefined && childCheckpoint !== undefined && addedTiers.includes(tier.name)) {
        // Added back after a removal: its checkpoints are from before. The windows of its absence get
        // no results; the window holding the child's next close gets its closed children handed up.
        checkpoint = await resumeReaddedTier(store, config, tier, child, shard, checkpoint, childCheckpoint);
      }
      const childDone = childCheckpoint?.closedThroughMs ?? Number.POSITIVE_INFINITY;
      let count = 0;
      for (let start = checkpoint.closedThroughMs + tier.sizeMs; start <= lastDue; start += tier.sizeMs) {
        if (child !== undefined && start + tier.sizeMs - child.sizeMs > childDone) break;
        if (count === maxWindows || layout.retiredFrom(shard, start)) break;
        jobs.push({ tier: tier.level, windowStartMs: start, shard, correction: false });
        count++;
      }
      closes[tier.name] = (closes[tier.name] ?? 0) + count;
      const waiting = checkpoint.closedThroughMs + tier.sizeMs;
      if (waiting <= lastDue && !layout.retiredFrom(shard, waiting))
        behindMs[tier.name] = Math.max(behindMs[tier.name] ?? 0, nowMs - waiting);
    }
    for (const mark of await store.listCorrectionMarks(tier.level, maxCorrections)) {
      const checkpoint = checkpoints.get(mark.shard);
      // Marks of windows not closed yet are cleared by their first close, which reads the late data.
      if (checkpoint === undefined || mark.windowStartMs > checkpoint.closedThroughMs) continue;
      jobs.push({ tier: tier.level, windowStartMs: mark.windowStartMs, shard: mark.shard, correction: true });
      corrections[tier.name] = (corrections[tier.name] ?? 0) + 1;
    }
    childCheckpoints = checkpoints;
  }
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  return { jobs: jobs.length, closes, corrections, initialized, behindMs };
}
