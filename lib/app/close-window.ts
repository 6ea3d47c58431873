import type { AggregateOptions } from '../core/aggregate/contract.js';
import { type ClosedEntry, decodeClosedState, encodeClosedState } from '../core/close/closed-state.js';
import { type FinalizedSeries, finalizeWindow } from '../core/close/finalize-window.js';
import { type MergedSeries, WindowMerger } from '../core/close/merge.js';
import type { SlidingWindowConfig, WindrowConfig } from '../core/config/config.js';
import { WindrowError } from '../core/errors.js';
import { packStatesChunked } from '../core/preaggregate/partial-codec.js';
import { seriesIdBytes } from '../core/series/id.js';
import type { ShardLayout } from '../core/window/shard-layout.js';
import type { Tier } from '../core/window/tiers.js';
import { windowStart } from '../core/window/window.js';
import { WindowNotReadyError } from './close-errors.js';
import type { ClosedStateRecord, CloseJob, CloseStore, SeriesLookup, SessionStore } from './close-ports.js';
import { type SessionOutput, sessionLedgerOf, stepSessions } from './close-sessions.js';
import { DeploymentState } from './deployment-state.js';
import { CLOCK_SKEW_MARGIN_MS, MAX_PARTIAL_CHUNK_BYTES } from './partials.js';
import type { Clock, CorrectionMark, SeriesMeta } from './ports.js';
import { type RecordWindow, resultRecord } from './result-records.js';
import type { ResultRecord, ResultSink } from './results.js';
import { handOverSessions, ownSessions } from './session-handover.js';

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

/** Closed states and parent partials stay this long past the correction horizon. */
export const KEEP_AFTER_HORIZON_MS = 86_400_000;
/** A quiet cumulative series keeps its baseline at least this long (see finalizeWindow). */
const MIN_CARRY_MS = 3_600_000;

/**
 * Closes (or re-closes) one window of one tier in one shard (DESIGN.md §6):
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
  const skipped = (reason: string): CloseOutcome => ({
    job,
    status: 'skipped',
    reason,
    partials: 0,
    series: 0,
    records: 0,
    rejected: 0,
    uncataloged: 0,
    closeLagMs: nowMs - end,
    cascaded: 0,
  });

  const checkpoint = (await store.readCheckpoints(job.tier)).get(shard);
  const closedBefore = checkpoint !== undefined && checkpoint.closedThroughMs >= start;
  if (!job.correction) {
    if (closedBefore) return skipped('already closed');
    if (checkpoint === undefined || checkpoint.closedThroughMs !== start - tier.sizeMs) {
      throw new WindowNotReadyError(
        `${tier.name} window ${iso(start)} shard ${shard}: the previous window is not closed yet`,
      );
    }
    const child = config.tiers[job.tier - 1];
    if (child !== undefined) {
      const childCheckpoint = (await store.readCheckpoints(child.level)).get(shard);
      if (childCheckpoint === undefined || childCheckpoint.closedThroughMs < end - child.sizeMs) {
        throw new WindowNotReadyError(
          `${tier.name} window ${iso(start)} shard ${shard}: its ${child.name} windows are not all closed`,
        );
      }
    }
  } else if (!closedBefore) {
    return skipped('not closed yet: the first close will read the late data');
  }

  // The mark's causes as of now, before reading the partials: data written after this read adds a
  // new cause, so clearing only these at the end never loses it; a close that fails leaves the mark.
  const seenCauses = await store.readCorrectionMark(job.tier, start, shard);
  await deps.afterStep?.('mark', job);

  const aggregate: AggregateOptions = {
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    sketchMaxBuckets: 2048,
  };
  const merger = new WindowMerger(aggregate);
  let partials = 0;
  for await (const page of store.readPartialData(job.tier, start, shard)) {
    for (const data of page) {
      merger.addPack(data);
      partials++;
    }
  }
  const merged = merger.result();
  const layout = await (deps.deployment ?? new DeploymentState(config, deps.clock)).current();
  const states = new ClosedStates(store, job.tier, shard, start, layout);
  const [previousSelf, previousWindow] = await Promise.all([
    states.get(start),
    states.entries(start - tier.sizeMs),
  ]);
  await deps.afterStep?.('read', job);

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

  const outputs: { window: RecordWindow; results: readonly FinalizedSeries[] }[] = [];
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
      if (results.length > 0) {
        outputs.push({
          window: { window: sliding.name, windowKind: 'sliding', ...window, version },
          results,
        });
      }
    }
  }
  const wanted = new Map<string, { tenant: string; seriesId: string }>();
  for (const m of merged.values()) wanted.set(m.seriesId, m);
  for (const { results } of outputs) for (const r of results) wanted.set(r.seriesId, r);
  const metas =
    wanted.size > 0 ? await deps.lookup.lookup([...wanted.values()]) : new Map<string, SeriesMeta>();

  let sessions: SessionOutput | undefined;
  // Re-closes too: a late point re-emits its session (close-sessions.ts).
  if (job.tier === 0 && config.sessions.length > 0) {
    if (deps.sessions === undefined)
      throw new WindrowError('session windows are configured but no session store');
    // Across a change of `shards`: take over this shard's series' open sessions, step only those.
    await handOverSessions(deps.sessions, store, layout, shard, start, tier.sizeMs);
    sessions = await stepSessions(
      ownSessions(deps.sessions, layout, shard, start),
      shard,
      merged,
      metas,
      { startMs: start, endMs: end },
      config,
      aggregate,
      version,
      {
        ledger: sessionLedgerOf(deps.sessions),
        nowMs,
        ...(job.correction
          ? {
              correction: {
                previousChunks: previousSelf?.chunks ?? [],
                frontierEndMs: (checkpoint?.closedThroughMs ?? start) + tier.sizeMs,
              },
            }
          : {}),
      },
    );
    const missing = [...sessions.emit, ...sessions.supersede].filter((e) => !metas.has(e.seriesId));
    if (missing.length > 0) for (const [id, meta] of await deps.lookup.lookup(missing)) metas.set(id, meta);
    for (const e of sessions.emit) outputs.push({ window: e.window, results: [e] });
  }
  const { records, uncataloged } = toRecords(outputs, metas);
  const report = records.length > 0 ? await deps.sink.write(records) : { rejected: 0 };
  // After the new results: the ones they replace (a moved start, two sessions bridged).
  const supersedeRejected = (await sessions?.writeSupersedes(deps.sink, metas)) ?? 0;
  await sessions?.commit();
  await deps.afterStep?.('sink', job);

  const parent = config.tiers[job.tier + 1];
  const parentChunks =
    parent === undefined || merged.size === 0
      ? []
      : packStatesChunked(
          [...merged.values()].map((m) => ({ ...m, idBytes: seriesIdBytes(m.seriesId) })),
          MAX_PARTIAL_CHUNK_BYTES,
        );
  const keepMs = config.correctionHorizonMs + KEEP_AFTER_HORIZON_MS + maxSlidingMs(config);
  await store.writeClosedState({
    tier: job.tier,
    windowStartMs: start,
    shard,
    version,
    chunks: closedChunks,
    parentChunks: parentChunks.length,
    expiresAtSec: Math.ceil((end + keepMs) / 1000),
  });
  await deps.afterStep?.('closed-state', job);

  const marks: CorrectionMark[] = [];
  if (parent !== undefined) {
    const parentStart = windowStart(start, parent);
    const partialId = `~${start}`;
    const expiresAtSec = Math.ceil((parentStart + parent.sizeMs + keepMs) / 1000);
    if (parentChunks.length > 0) {
      await store.writePartials(
        parentChunks.map((data, chunk) => ({
          tier: parent.level,
          windowStartMs: parentStart,
          shard,
          partialId,
          chunk,
          data,
          expiresAtSec,
        })),
      );
    }
    const stale = [];
    for (let chunk = parentChunks.length; chunk < (previousSelf?.parentChunks ?? 0); chunk++) {
      stale.push({ tier: parent.level, windowStartMs: parentStart, shard, partialId, chunk });
    }
    if (stale.length > 0) await store.deletePartials(stale);
    if (job.correction) {
      // Closed, or possibly closing right now in another worker (which may have read the parent's
      // partials before this write): like ingest's post-write check, decide by the clock as well.
      const parentCheckpoint = (await store.readCheckpoints(parent.level)).get(shard);
      const parentClosed = parentCheckpoint !== undefined && parentCheckpoint.closedThroughMs >= parentStart;
      if (parentClosed || mayBeClosing(parentStart + parent.sizeMs, deps.clock.nowMs(), config)) {
        marks.push({
          tier: parent.level,
          windowStartMs: parentStart,
          shard,
          expiresAtSec,
          cause: `~${start}.${version}`,
        });
      }
    }
  }
  // A re-close can move the cumulative baseline the next window was measured from.
  const nextClosed = checkpoint !== undefined && checkpoint.closedThroughMs >= end;
  if (job.correction && (nextClosed || mayBeClosing(end + tier.sizeMs, deps.clock.nowMs(), config))) {
    if (carriesChanged(previousSelf, finalized.closed)) {
      // Across a change of `shards`, the next window's series live in the new epoch's shards.
      const nextShards =
        layout.shardsAt(end) === layout.shardsAt(start)
          ? [shard]
          : [...new Set(finalized.closed.filter((e) => e.carry).map((e) => layout.shardOf(e.seriesId, end)))];
      for (const next of nextShards) {
        marks.push({
          tier: job.tier,
          windowStartMs: end,
          shard: next,
          expiresAtSec: Math.ceil((end + tier.sizeMs + keepMs) / 1000),
          cause: `^${start}.${version}`,
        });
      }
    }
  }
  if (marks.length > 0) await store.markCorrections(marks);
  if (seenCauses !== undefined) await store.clearCorrectionMark(job.tier, start, shard, seenCauses);
  await deps.afterStep?.('parent', job);

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

/** Whether a window ending at `endMs` may already be closing (ingest's post-write rule). */
function mayBeClosing(endMs: number, nowMs: number, config: WindrowConfig): boolean {
  return nowMs >= endMs + config.allowedLatenessMs - CLOCK_SKEW_MARGIN_MS;
}

function tierAt(config: WindrowConfig, level: number): Tier {
  const tier = config.tiers[level];
  if (tier === undefined) throw new WindrowError(`close job: no tier at level ${level}`);
  return tier;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function maxSlidingMs(config: WindrowConfig): number {
  return config.sliding.reduce((max, s) => Math.max(max, s.sizeMs), 0);
}

/**
 * The sliding windows (by their bounds) to emit when pane `paneStart` closes: on a first close the
 * one it completes; on a re-close every one it belongs to whose last pane is closed.
 */
function slidingWindowsToEmit(
  paneStart: number,
  spec: SlidingWindowConfig,
  correction: boolean,
  lastClosedPane: number,
): { startMs: number; endMs: number }[] {
  const panes = spec.sizeMs / spec.slideMs;
  const out: { startMs: number; endMs: number }[] = [];
  for (let i = 1; i <= (correction ? panes : 1); i++) {
    const endMs = paneStart + i * spec.slideMs;
    if (endMs - spec.slideMs > lastClosedPane) break;
    out.push({ startMs: endMs - spec.sizeMs, endMs });
  }
  return out;
}

/** A sliding window's results: the merge of its panes' closed states, baseline from the pane before. */
async function slidingResults(
  window: { startMs: number; endMs: number },
  spec: SlidingWindowConfig,
  tier: Tier,
  states: ClosedStates,
  config: WindrowConfig,
  aggregate: AggregateOptions,
): Promise<FinalizedSeries[]> {
  const merger = new WindowMerger(aggregate);
  const paneStarts: number[] = [];
  for (let s = window.startMs; s < window.endMs; s += spec.slideMs) paneStarts.push(s);
  const panes = await Promise.all(paneStarts.map((s) => states.entries(s)));
  for (const pane of panes) {
    for (const entry of pane.values()) if (entry.merged) merger.add(entry.merged);
  }
  return finalizeWindow({
    merged: merger.result(),
    previous: await states.entries(window.startMs - spec.slideMs),
    windowStartMs: window.startMs,
    windowEndMs: window.endMs,
    percentiles: config.percentiles,
    carryForMs: Math.max(MIN_CARRY_MS, 2 * tier.sizeMs),
  }).results;
}

/**
 * Closed states of one (tier, shard), read at most once per job; `entries` decodes afresh on every
 * call, so callers may merge into what they get.
 */
class ClosedStates {
  private readonly records = new Map<number, Promise<ClosedStateRecord | undefined>>();
  private readonly own = new Map<number, readonly Uint8Array[]>();

  /** `jobStart`: the window the job closes, whose shard count the job's `shard` belongs to. */
  constructor(
    private readonly store: CloseStore,
    private readonly tier: number,
    private readonly shard: number,
    private readonly jobStart: number,
    private readonly layout: ShardLayout,
  ) {}

  get(start: number): Promise<ClosedStateRecord | undefined> {
    let record = this.records.get(start);
    if (record === undefined) {
      record = this.store.readClosedState(this.tier, start, this.shard);
      this.records.set(start, record);
    }
    return record;
  }

  /** Whether the window at `start` was closed under another shard count than the job's window. */
  private otherEpoch(start: number): boolean {
    return this.layout.shardsAt(start) !== this.layout.shardsAt(this.jobStart);
  }

  /**
   * The entries of a window closed under another shard count (a sliding window or a cumulative
   * baseline reaching back across a change of `shards`): every shard of that epoch, keeping the
   * series that belong to this job's shard.
   */
  private async acrossEpochs(start: number): Promise<Map<string, ClosedEntry>> {
    const shards = this.layout.shardsAt(start);
    const records = await Promise.all(
      Array.from({ length: shards }, (_, s) => this.store.readClosedState(this.tier, start, s)),
    );
    const out = new Map<string, ClosedEntry>();
    for (const record of records) {
      for (const entry of decodeClosedState(record?.chunks ?? [])) {
        if (this.layout.shardOf(entry.seriesId, this.jobStart) === this.shard) out.set(entry.seriesId, entry);
      }
    }
    return out;
  }

  /** The job's own new closed state, used instead of the stored one for sliding windows. */
  put(start: number, chunks: readonly Uint8Array[]): void {
    this.own.set(start, chunks);
  }

  async entries(start: number): Promise<Map<string, ClosedEntry>> {
    if (!this.own.has(start) && this.otherEpoch(start)) return this.acrossEpochs(start);
    const chunks = this.own.get(start) ?? (await this.get(start))?.chunks ?? [];
    const out = new Map<string, ClosedEntry>();
    for (const entry of decodeClosedState(chunks)) out.set(entry.seriesId, entry);
    return out;
  }
}

function carriesChanged(previous: ClosedStateRecord | undefined, closed: readonly ClosedEntry[]): boolean {
  const key = (entries: readonly ClosedEntry[]) =>
    JSON.stringify(entries.filter((e) => e.carry).map((e) => [e.seriesId, e.carry]));
  return key(previous === undefined ? [] : decodeClosedState(previous.chunks)) !== key(closed);
}

function toRecords(
  outputs: readonly { window: RecordWindow; results: readonly FinalizedSeries[] }[],
  metas: ReadonlyMap<string, SeriesMeta>,
): { records: ResultRecord[]; uncataloged: number } {
  const records: ResultRecord[] = [];
  const missing = new Set<string>();
  for (const { window, results } of outputs) {
    for (const r of results) {
      const meta = metas.get(r.seriesId);
      if (meta === undefined || meta.tenant !== r.tenant) {
        missing.add(r.seriesId);
        continue;
      }
      records.push(resultRecord(meta, window, r.stats));
    }
  }
  return { records, uncataloged: missing.size };
}

export type { MergedSeries };
