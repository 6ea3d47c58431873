import { aggregateOptionsOf } from '../core/aggregate/contract.js';
import { encodeClosedState } from '../core/close/closed-state.js';
import { finalizeWindow } from '../core/close/finalize-window.js';
import type { MergedSeries } from '../core/close/merge.js';
import type { WindrowConfig } from '../core/config/config.js';
import { WindrowError } from '../core/errors.js';
import type { Tier } from '../core/window/tiers.js';
import { windowStart } from '../core/window/window.js';
import { ClosedStateCache } from './close/closed-state-cache.js';
import { handUp, parentChunksOf } from './close/hand-up.js';
import { readAndMerge } from './close/read-merge.js';
import { readiness } from './close/readiness.js';
import { type CloseOutput, toRecords } from './close/records.js';
import { keepMs, MIN_CARRY_MS } from './close/retention.js';
import { sessionStep } from './close/session-step.js';
import { slidingResults, slidingWindowsToEmit } from './close/sliding.js';
import type { CloseJob, CloseStore, SeriesLookup, SessionStore } from './close-ports.js';
import { DeploymentState } from './deployment-state.js';
import { MAX_PARTIAL_CHUNK_BYTES } from './partials.js';
import type { Clock, SeriesMeta } from './ports.js';
import type { ResultSink } from './results.js';

/** The steps of a close, in order; a test hook may fail after any of them (crash injection). */
export type CloseStep = 'mark' | 'read' | 'sink' | 'closed-state' | 'parent' | 'checkpoint';

export interface CloseDeps {
  readonly store: CloseStore;
  readonly sink: ResultSink;
  readonly lookup: SeriesLookup;
  /** Open session windows; required when `config.sessions` is not empty. */
  readonly sessions?: SessionStore;
  readonly clock: Clock;
  readonly config: WindrowConfig;
  /** Called after each step (tests inject crashes here). */
  readonly afterStep?: (step: CloseStep, job: CloseJob) => void | Promise<void>;
  /** The shard layout; none: the configured `shards` since the beginning. */
  readonly deployment?: DeploymentState;
}

export interface CloseOutcome {
  readonly job: CloseJob;
  readonly status: 'closed' | 'reclosed' | 'skipped';
  /** Why a job was skipped. */
  readonly reason?: string;
  readonly partials: number;
  readonly series: number;
  readonly records: number;
  readonly rejected: number;
  readonly uncataloged: number;
  readonly version?: number;
  /** Clock at close − window end. */
  readonly closeLagMs: number;
  /** Correction marks written for the windows this one feeds (parent, next window). */
  readonly cascaded: number;
}

/**
 * Closes (or re-closes) one window of one tier in one shard (DESIGN.md §6), in the steps of
 * lib/app/close/:
 *
 * 1. read the causes of the window's correction mark (before reading the partials: data that lands
 *    after this read adds a cause, data before it is read);
 * 2. read the partials `P#…` and merge them per series;
 * 3. finalize, with the previous window's closed state as the cumulative baseline, and write the
 *    results — the tier's, and the sliding windows this pane completes — to the sink with a version
 *    strictly above the last close of this window;
 * 4. write the closed state;
 * 5. write the merged states as the parent window's partial `~<windowStart>` (deleting chunks a
 *    previous close wrote past the new count), mark the parent for a re-close if it was closed, and
 *    remove the causes seen in step 1 from the window's mark (a mark with causes left stays);
 * 6. move the checkpoint — last.
 * Every step is idempotent: a crash anywhere is repaired by running the job again.
 *
 * Windows close in order: a first close needs the previous window closed (the checkpoint at
 * `start − size`), and a rollup needs its last child window closed; otherwise it throws
 * {@link WindowNotReadyError} for the queue to retry.
 *
 * @example
 * await closeWindow({ tier: 0, windowStartMs, shard: 3, correction: false }, deps);
 */
export async function closeWindow(job: CloseJob, deps: CloseDeps): Promise<CloseOutcome> {
  const { config, store } = deps;
  const tier = tierAt(config, job.tier);
  const { windowStartMs: start, shard } = job;
  if (windowStart(start, tier) !== start) {
    throw new WindrowError(`close job: ${start} is not the start of a ${tier.name} window`);
  }
  const end = start + tier.sizeMs;
  const nowMs = deps.clock.nowMs();
  const ready = await readiness(job, tier, store, config);
  if (!ready.ready) return skipped(job, ready.reason, nowMs - end);
  const { checkpoint } = ready;

  // 1. The mark's causes as of now, before reading the partials: data written after this read adds a
  //    new cause, so clearing only these at the end never loses it; a close that fails leaves the mark.
  const seenCauses = await store.readCorrectionMark(job.tier, start, shard);
  await deps.afterStep?.('mark', job);

  // 2. Read and merge; the closed states this close reads (its own, the previous window's).
  const aggregate = aggregateOptionsOf(config);
  const { merged, partials } = await readAndMerge(store, job, aggregate);
  const layout = await (deps.deployment ?? new DeploymentState(config, deps.clock)).current();
  const states = new ClosedStateCache(store, job.tier, shard, start, layout);
  const [previousSelf, previousWindow] = await Promise.all([
    states.get(start),
    states.entries(start - tier.sizeMs),
  ]);
  await deps.afterStep?.('read', job);

  // 3. Finalize the tier's window, the sliding windows it completes and the sessions; write results.
  const finalized = finalizeWindow({
    merged,
    previous: previousWindow,
    windowStartMs: start,
    windowEndMs: end,
    percentiles: config.percentiles,
    carryForMs: Math.max(MIN_CARRY_MS, 2 * tier.sizeMs),
  });
  const version = Math.max((previousSelf?.version ?? 0) + 1, nowMs);
  const closedChunks = encodeClosedState(finalized.closed, MAX_PARTIAL_CHUNK_BYTES);
  states.put(start, closedChunks);
  const outputs: CloseOutput[] = [];
  if (merged.size > 0) {
    outputs.push({
      window: { window: tier.name, windowKind: 'tier', startMs: start, endMs: end, version },
      results: finalized.results,
    });
  }
  for (const sliding of config.sliding) {
    if (sliding.slideMs !== tier.sizeMs) continue;
    const lastClosed = Math.max(checkpoint?.closedThroughMs ?? start, start);
    for (const window of slidingWindowsToEmit(start, sliding, job.correction, lastClosed)) {
      const results = await slidingResults(window, sliding, tier, states, config, aggregate);
      if (results.length > 0)
        outputs.push({
          window: { window: sliding.name, windowKind: 'sliding', ...window, version },
          results,
        });
    }
  }
  const metas = await lookupSeries(deps.lookup, merged, outputs);
  const sessions = await sessionStep(
    { job, tier, layout, merged, previousSelf, checkpoint, version, nowMs, aggregate },
    deps,
    metas,
    outputs,
  );
  const { records, uncataloged } = toRecords(outputs, metas);
  const report = records.length > 0 ? await deps.sink.write(records) : { rejected: 0 };
  // After the new results: the ones they replace (a moved start, two sessions bridged).
  const supersedeRejected = (await sessions?.writeSupersedes(deps.sink, metas)) ?? 0;
  await sessions?.commit();
  await deps.afterStep?.('sink', job);

  // 4. The closed state (what re-closes, sliding windows and the next window's baseline read).
  const parent = config.tiers[job.tier + 1];
  const parentChunks = parentChunksOf(parent, merged);
  await store.writeClosedState({
    tier: job.tier,
    windowStartMs: start,
    shard,
    version,
    chunks: closedChunks,
    parentChunks: parentChunks.length,
    expiresAtSec: Math.ceil((end + keepMs(config)) / 1000),
  });
  await deps.afterStep?.('closed-state', job);

  // 5. Hand up to the parent; mark what a re-close changed; clear the causes seen in step 1.
  const marks = await handUp(
    { job, tier, parent, parentChunks, previousSelf, closed: finalized.closed, checkpoint, layout, version },
    store,
    config,
    () => deps.clock.nowMs(),
  );
  if (marks.length > 0) await store.markCorrections(marks);
  if (seenCauses !== undefined) await store.clearCorrectionMark(job.tier, start, shard, seenCauses);
  await deps.afterStep?.('parent', job);

  // 6. The checkpoint, last.
  if (!job.correction) {
    await store.advanceCheckpoint(job.tier, shard, start - tier.sizeMs, start);
    await deps.afterStep?.('checkpoint', job);
  }
  return {
    job,
    status: job.correction ? 'reclosed' : 'closed',
    partials,
    series: merged.size,
    records: records.length,
    rejected: report.rejected + supersedeRejected,
    uncataloged,
    version,
    closeLagMs: nowMs - end,
    cascaded: marks.length,
  };
}

function skipped(job: CloseJob, reason: string, closeLagMs: number): CloseOutcome {
  return {
    job,
    status: 'skipped',
    reason,
    partials: 0,
    series: 0,
    records: 0,
    rejected: 0,
    uncataloged: 0,
    closeLagMs,
    cascaded: 0,
  };
}

/** The catalog entries of every series the close writes results for. */
async function lookupSeries(
  lookup: SeriesLookup,
  merged: ReadonlyMap<string, MergedSeries>,
  outputs: readonly CloseOutput[],
): Promise<Map<string, SeriesMeta>> {
  const wanted = new Map<string, { tenant: string; seriesId: string }>();
  for (const m of merged.values()) wanted.set(m.seriesId, m);
  for (const { results } of outputs) for (const r of results) wanted.set(r.seriesId, r);
  return wanted.size > 0 ? lookup.lookup([...wanted.values()]) : new Map<string, SeriesMeta>();
}

function tierAt(config: WindrowConfig, level: number): Tier {
  const tier = config.tiers[level];
  if (tier === undefined) throw new WindrowError(`close job: no tier at level ${level}`);
  return tier;
}

export type { MergedSeries };
