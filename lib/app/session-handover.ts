/**
 * Open sessions across a change of `shards` (core/window/shard-layout.ts). A session is open in the
 * shard its series had when it began; from an epoch boundary on, the series' points arrive in the
 * shard the new count gives it. So the first first-tier close of each shard in a new epoch takes over
 * the open sessions of its series from every shard of the epoch before (once those have closed their
 * last window of that epoch), and every close steps only the sessions of its own series — never one
 * another shard is about to take over. A session therefore carries on across the boundary, neither
 * split in two nor left behind in a retired shard.
 */
import type { ShardLayout } from '../core/window/shard-layout.js';
import { WindowNotReadyError } from './close-errors.js';
import type { CloseStore, SessionStore } from './close-ports.js';

/**
 * Before the close of first-tier window `start` in `shard`: at an epoch's first window, moves the open
 * sessions of this shard's series here from the previous epoch's shards (write here, then delete
 * there: a crash in between leaves a copy that a retry writes again, identical).
 *
 * @throws {WindowNotReadyError} while a shard of the previous epoch has not closed its last window.
 */
export async function handOverSessions(
  sessions: SessionStore,
  store: CloseStore,
  layout: ShardLayout,
  shard: number,
  start: number,
  tierSizeMs: number,
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
  for (let s = 0; s < oldShards; s++) {
    if (s === shard) continue;
    const moving = (await sessions.readOpenSessions(s)).filter(
      (o) => layout.shardOf(o.seriesId, start) === shard,
    );
    if (moving.length === 0) continue;
    await sessions.writeOpenSessions(shard, moving);
    await sessions.deleteOpenSessions(s, moving);
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
