/**
 * Ports of the closing side (DESIGN.md §6): what `planCloses` and `closeWindow` need from the
 * window-state table, the series catalog and the close queue. The DynamoDB adapter implements the
 * store ports against the same table as ingest; the local runner and SQS implement the queue.
 */
import type { EmittedSession, OpenSession, SessionPane } from '../core/close/sessions.js';
import type { CorrectionMark, PartialWrite, SeriesMeta, WriteReport } from './ports.js';

/** One close job: close (or re-close) window `windowStartMs` of tier level `tier` in `shard`. */
export interface CloseJob {
  readonly tier: number;
  readonly windowStartMs: number;
  readonly shard: number;
  /** A re-close asked for by a correction mark (the window was closed before). */
  readonly correction: boolean;
}

/** A window's closed state as stored: every chunk of one version. */
export interface ClosedStateRecord {
  readonly version: number;
  /** `closed-state codec` output, chunk by chunk in order. */
  readonly chunks: readonly Uint8Array[];
  /** How many chunks the parent partial `~<windowStart>` had when this state was written. */
  readonly parentChunks: number;
}

export interface ClosedStateWrite extends ClosedStateRecord {
  readonly tier: number;
  readonly windowStartMs: number;
  readonly shard: number;
  readonly expiresAtSec: number;
}

/** Where a tier's shard stands: the last window closed, every earlier one closed too. */
export interface Checkpoint {
  readonly tier: number;
  readonly shard: number;
  /** Start of the last window closed; windows close in order, so every earlier one is closed. */
  readonly closedThroughMs: number;
}

export interface CloseStore {
  /**
   * The `data` of every partial of one (tier, window, shard), a page at a time, with strongly
   * consistent reads; expired items left out.
   */
  readPartialData(tier: number, windowStartMs: number, shard: number): AsyncIterable<readonly Uint8Array[]>;
  /** Writes every partial or throws (the parent tier's `~<windowStart>` partial). */
  writePartials(partials: readonly PartialWrite[]): Promise<WriteReport>;
  /** Deletes the given partial chunks (stale chunks of a re-close that produced fewer). */
  deletePartials(
    keys: readonly { tier: number; windowStartMs: number; shard: number; partialId: string; chunk: number }[],
  ): Promise<void>;

  /** The closed state with the highest complete version, or undefined when the window never closed. */
  readClosedState(tier: number, windowStartMs: number, shard: number): Promise<ClosedStateRecord | undefined>;
  /** Writes every chunk of a closed state (a reader never mixes versions). */
  writeClosedState(write: ClosedStateWrite): Promise<void>;

  /** The checkpoints of one tier, by shard (missing shards have none yet). */
  readCheckpoints(tier: number): Promise<Map<number, Checkpoint>>;
  /** Creates a checkpoint unless the shard has one; returns the one in force. */
  initCheckpoint(checkpoint: Checkpoint): Promise<Checkpoint>;
  /**
   * Moves a checkpoint from `fromMs` to `toMs` if it is still at `fromMs` (conditional write).
   * Returns false when another worker moved it first (not an error: the window is closed either way).
   */
  advanceCheckpoint(tier: number, shard: number, fromMs: number, toMs: number): Promise<boolean>;

  /** Correction marks of one tier, oldest window first, at most `limit`. */
  listCorrectionMarks(tier: number, limit: number): Promise<CorrectionMark[]>;
  markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport>;
  /** The causes of a window's correction mark (strongly consistent); undefined when it has none. */
  readCorrectionMark(
    tier: number,
    windowStartMs: number,
    shard: number,
  ): Promise<readonly string[] | undefined>;
  /**
   * Removes the causes a close saw (read before it read the partials) and deletes the mark if none
   * is left; without `seen`, deletes the mark outright.
   */
  clearCorrectionMark(
    tier: number,
    windowStartMs: number,
    shard: number,
    seen?: readonly string[],
  ): Promise<void>;
}

/** The readable identity of series by `(tenant, seriesId)`, for result records. */
export interface SeriesLookup {
  /** Keyed by seriesId; series missing from the catalog are absent. */
  lookup(series: readonly { tenant: string; seriesId: string }[]): Promise<Map<string, SeriesMeta>>;
}

export interface CloseQueue {
  /** Enqueues every job or throws (at-least-once: a job may be delivered more than once). */
  enqueue(jobs: readonly CloseJob[]): Promise<void>;
}

/**
 * A session that a re-close found but that may still grow (its gap has not passed yet at the last
 * closed pane): a later first-tier close of the shard derives it again and emits it once it has ended.
 */
export interface PendingSession {
  readonly tenant: string;
  readonly seriesId: string;
  readonly name: string;
  /** Start of the re-closed pane the session holds. */
  readonly anchorMs: number;
  /** The version of the re-close that wrote it (a delete removes only the version it read). */
  readonly version: number;
}

/** Open session windows (`O#<shard>` items), read and written by first-tier closes. */
export interface SessionStore {
  /** Every open session of a shard (strongly consistent). */
  readOpenSessions(shard: number): Promise<OpenSession[]>;
  writeOpenSessions(shard: number, sessions: readonly OpenSession[]): Promise<void>;
  deleteOpenSessions(
    shard: number,
    sessions: readonly { tenant: string; seriesId: string; name: string }[],
  ): Promise<void>;
}

/**
 * What sessions are derived from (see lib/core/close/sessions.ts for the design): what each pane
 * holds of each session series, the emitted sessions (the session index), and sessions waiting for
 * their gap to pass after a re-close. Read and written by first-tier closes and re-closes; a session
 * store implements it as well (the DynamoDB one in the window-state table).
 */
export interface SessionLedger {
  /** Writes pane records; a stored record with a higher version is kept (the write is then a no-op). */
  writePanes(panes: readonly { pane: SessionPane; expiresAtSec: number }[]): Promise<void>;
  /** The unexpired pane records of one series with a pane start in `[fromMs, toMs)`, by pane start. */
  readPanes(tenant: string, seriesId: string, fromMs: number, toMs: number): Promise<SessionPane[]>;

  /** Writes session index records; a stored record with a higher version is kept. */
  writeEmitted(records: readonly { session: EmittedSession; expiresAtSec: number }[]): Promise<void>;
  /** The unexpired index records of one series and session config starting in `[fromMs, toMs)`. */
  readEmitted(
    tenant: string,
    seriesId: string,
    name: string,
    fromMs: number,
    toMs: number,
  ): Promise<EmittedSession[]>;

  /** The sessions waiting in a shard (strongly consistent). */
  readPending(shard: number): Promise<PendingSession[]>;
  writePending(
    shard: number,
    pending: readonly { session: PendingSession; expiresAtSec: number }[],
  ): Promise<void>;
  /** Deletes each one unless it was written again (with another version) since it was read. */
  deletePending(shard: number, pending: readonly PendingSession[]): Promise<void>;
}
