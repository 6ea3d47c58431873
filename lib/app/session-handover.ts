/**
 * Sessions across a change of `shards` (core/window/shard-layout.ts). A series' open session and its
 * pending sessions (close-sessions.ts) live in the shard that closes the series' first-tier windows:
 * the shard its series has under the epoch of those windows. From an epoch boundary B on, the
 * series' points arrive in the shard the new count gives it, so:
 *
 * - **handover**: the first first-tier close of each shard in a new epoch takes over the open and the
 *   pending sessions of its series from every shard of the epoch before, once those have closed their
 *   last window of that epoch (B − size) — write here, then delete there. A session therefore carries
 *   on across the boundary, neither split in two nor left behind in a retired shard, and a pending
 *   session is emitted by the shard that closes its series' windows from B on;
 * - **own series**: every first close steps only the open and pending sessions of its own series —
 *   never one another shard is about to take over (or a copy one has taken over);
 * - **re-closes** of a window before B ({@link sessionHomes}) follow the series shard by shard, epoch
 *   by epoch: they read the open sessions of the pane's shard, then — if that shard has closed its
 *   last window of the epoch, so the handover may have run — of the series' shard in the next epoch,
 *   and so on; the series' frontier (its last closed pane) is where that walk stops. Reading the older
 *   shard first finds a session being moved in one of the two: the handover writes the new item before
 *   it deletes the old one. Pending sessions are written the same way round: to the shard of the walk
 *   whose epoch is not closed yet, then its checkpoint read again — if it has closed its last window
 *   meanwhile, the handover may have read before the write, so they are written to the next epoch's
 *   shard too (a copy the handover also made is the same item).
 *
 * Cost: nothing in the steady state (one epoch); within a horizon after a change, a re-close of a
 * window before it reads the checkpoints and the open sessions of a few more shards.
 */
import type { OpenSession } from '../core/close/sessions.js';
import { sessionKey } from '../core/close/sessions.js';
import type { ShardLayout } from '../core/window/shard-layout.js';
import { WindowNotReadyError } from './close-errors.js';
import type { Checkpoint, CloseStore, PendingSession, SessionLedger, SessionStore } from './close-ports.js';
import type { SessionHomes } from './close-sessions.js';

/**
 * Before the close of first-tier window `start` in `shard`: at an epoch's first window, moves the open
 * sessions and the pending sessions of this shard's series here from the previous epoch's shards
 * (write here, then delete there: a crash in between leaves a copy that a retry writes again,
 * identical). A pending session already here with a higher version is kept.
 *
 * @throws {WindowNotReadyError} while a shard of the previous epoch has not closed its last window.
 */
export async function handOverSessions(
  sessions: SessionStore,
  ledger: SessionLedger,
  store: CloseStore,
  layout: ShardLayout,
  shard: number,
  start: number,
  tierSizeMs: number,
  pendingExpiresAtSec: (pending: PendingSession) => number,
): Promise<void> {
  const before = start - tierSizeMs;
  const oldShards = layout.shardsAt(before);
  if (oldShards === layout.shardsAt(start)) return;
  const checkpoints = await store.readCheckpoints(0);
  for (let s = 0; s < oldShards; s++) {
    if ((checkpoints.get(s)?.closedThroughMs ?? Number.NEGATIVE_INFINITY) < before) {
      throw new WindowNotReadyError(
        `shard ${shard} window ${new Date(start).toISOString()}: shard ${s} of the previous shard count has not closed its last window (open sessions are handed over)`,
      );
    }
  }
  const mine = (seriesId: string) => layout.shardOf(seriesId, start) === shard;
  let here: Map<string, number> | undefined;
  for (let s = 0; s < oldShards; s++) {
    if (s === shard) continue;
    const moving = (await sessions.readOpenSessions(s)).filter((o) => mine(o.seriesId));
    if (moving.length > 0) {
      await sessions.writeOpenSessions(shard, moving);
      await sessions.deleteOpenSessions(s, moving);
    }
    const pending = (await ledger.readPending(s)).filter((p) => mine(p.seriesId));
    if (pending.length === 0) continue;
    here ??= new Map((await ledger.readPending(shard)).map((p) => [pendingKey(p), p.version]));
    const writes = pending.filter((p) => (here?.get(pendingKey(p)) ?? Number.NEGATIVE_INFINITY) < p.version);
    if (writes.length > 0) {
      await ledger.writePending(
        shard,
        writes.map((session) => ({ session, expiresAtSec: pendingExpiresAtSec(session) })),
      );
      for (const p of writes) here.set(pendingKey(p), p.version);
    }
    await ledger.deletePending(s, pending);
  }
}

/** The session store as the close of window `start` in `shard` sees it: only its own series' sessions. */
export function ownSessions(
  sessions: SessionStore,
  layout: ShardLayout,
  shard: number,
  start: number,
): SessionStore {
  return {
    readOpenSessions: async (s) =>
      (await sessions.readOpenSessions(s)).filter((o) => layout.shardOf(o.seriesId, start) === shard),
    writeOpenSessions: (s, list) => sessions.writeOpenSessions(s, list),
    deleteOpenSessions: (s, list) => sessions.deleteOpenSessions(s, list),
  };
}

/** The ledger as the close of window `start` in `shard` sees it: only its own series' pending sessions. */
export function ownLedger(
  ledger: SessionLedger,
  layout: ShardLayout,
  shard: number,
  start: number,
): SessionLedger {
  return {
    writePanes: (panes) => ledger.writePanes(panes),
    readPanes: (tenant, seriesId, fromMs, toMs) => ledger.readPanes(tenant, seriesId, fromMs, toMs),
    writeEmitted: (records) => ledger.writeEmitted(records),
    readEmitted: (tenant, seriesId, name, fromMs, toMs) =>
      ledger.readEmitted(tenant, seriesId, name, fromMs, toMs),
    readPending: async (s) =>
      (await ledger.readPending(s)).filter((p) => layout.shardOf(p.seriesId, start) === shard),
    writePending: (s, pending) => ledger.writePending(s, pending),
    deletePending: (s, pending) => ledger.deletePending(s, pending),
  };
}

export interface SessionHomesInput {
  readonly sessions: SessionStore;
  readonly ledger: SessionLedger;
  readonly store: CloseStore;
  readonly layout: ShardLayout;
  /** The re-closed first-tier pane and its shard. */
  readonly shard: number;
  readonly paneMs: number;
  readonly tierSizeMs: number;
  /** The shard's first-tier checkpoint as the re-close read it (at least `paneMs`). */
  readonly closedThroughMs: number;
}

/** Where a series is looked for: its shard in the epoch holding `atMs`. */
interface Step {
  readonly seriesId: string;
  readonly shard: number;
  readonly atMs: number;
}

/**
 * Where a re-close of first-tier pane `paneMs` in `shard` finds its series' sessions (see the module
 * comment): the open sessions and frontier of each series, and where its pending sessions go.
 *
 * @example
 * const homes = sessionHomes({ sessions, ledger, store, layout, shard, paneMs, tierSizeMs, closedThroughMs });
 * const { open, frontierEndMs } = await homes.locate(series); await homes.writePending(pending);
 */
export function sessionHomes(input: SessionHomesInput): SessionHomes {
  const { layout, tierSizeMs } = input;
  const boundaryAfter = (atMs: number) => layout.epochs.find((e) => e.fromMs > atMs)?.fromMs;
  const known = new Map<number, number>([[input.shard, input.closedThroughMs]]);
  const closedThrough = (checkpoints: ReadonlyMap<number, Checkpoint>, shard: number) =>
    Math.max(
      checkpoints.get(shard)?.closedThroughMs ?? Number.NEGATIVE_INFINITY,
      known.get(shard) ?? Number.NEGATIVE_INFINITY,
    );
  /** The step in the next epoch, once the step's shard has closed its last window of this one. */
  const next = (step: Step, checkpoints: ReadonlyMap<number, Checkpoint>): Step | undefined => {
    const boundary = boundaryAfter(step.atMs);
    if (boundary === undefined || closedThrough(checkpoints, step.shard) < boundary - tierSizeMs)
      return undefined;
    return { seriesId: step.seriesId, shard: layout.shardOf(step.seriesId, boundary), atMs: boundary };
  };
  const readCheckpoints = async (steps: readonly Step[]): Promise<ReadonlyMap<number, Checkpoint>> =>
    steps.some((s) => boundaryAfter(s.atMs) !== undefined) ? input.store.readCheckpoints(0) : new Map();
  const first = (seriesId: string): Step => ({ seriesId, shard: input.shard, atMs: input.paneMs });

  return {
    async locate(series) {
      const open = new Map<string, OpenSession>();
      const frontierEndMs = new Map<string, number>();
      let steps = [...new Set(series.map((s) => s.seriesId))].map((id) => ({ step: first(id), read: true }));
      while (steps.length > 0) {
        const byShard = new Map<number, Set<string>>();
        for (const { step, read } of steps) {
          if (!read) continue;
          const ids = byShard.get(step.shard) ?? new Set<string>();
          byShard.set(step.shard, ids.add(step.seriesId));
        }
        const found = await Promise.all(
          [...byShard].map(async ([shard, ids]) =>
            (await input.sessions.readOpenSessions(shard)).filter((o) => ids.has(o.seriesId)),
          ),
        );
        // A later epoch's copy is the newer one (a handover copies, then that shard steps it).
        for (const o of found.flat()) open.set(sessionKey(o), o);
        // Read after the open sessions: a shard not done with its epoch had not handed them over yet.
        const checkpoints = await readCheckpoints(steps.map((s) => s.step));
        const further: { step: Step; read: boolean }[] = [];
        for (const { step } of steps) {
          const after = next(step, checkpoints);
          if (after !== undefined) {
            further.push({ step: after, read: after.shard !== step.shard });
            continue;
          }
          const boundary = boundaryAfter(step.atMs) ?? Number.POSITIVE_INFINITY;
          const closed = Math.min(
            Math.max(closedThrough(checkpoints, step.shard), step.atMs - tierSizeMs),
            boundary - tierSizeMs,
          );
          frontierEndMs.set(step.seriesId, closed + tierSizeMs);
        }
        steps = further;
      }
      return { open, frontierEndMs };
    },

    async writePending(pending) {
      let steps = pending.map((p) => ({ p, step: first(p.session.seriesId) }));
      let checkpoints = await readCheckpoints(steps.map((s) => s.step));
      for (;;) {
        // Past the shards done with their epoch: their next epoch's shard reads them from now on.
        steps = steps.map(({ p, step }) => {
          let at = step;
          for (let after = next(at, checkpoints); after !== undefined; after = next(at, checkpoints))
            at = after;
          return { p, step: at };
        });
        const byShard = new Map<number, typeof pending>();
        for (const { p, step } of steps) byShard.set(step.shard, [...(byShard.get(step.shard) ?? []), p]);
        for (const [shard, writes] of byShard) await input.ledger.writePending(shard, writes);
        if (!steps.some(({ step }) => boundaryAfter(step.atMs) !== undefined)) return;
        // Done with its epoch meanwhile: the handover may have read before this write.
        checkpoints = await readCheckpoints(steps.map((s) => s.step));
        steps = steps.filter(({ step }) => next(step, checkpoints) !== undefined);
        if (steps.length === 0) return;
      }
    },
  };
}

function pendingKey(p: PendingSession): string {
  return `${sessionKey(p)}#${p.anchorMs}`;
}
