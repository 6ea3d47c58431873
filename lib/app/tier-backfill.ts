/**
 * A tier added at the end of the list on a live deployment (README "Changing the configuration"):
 * the first window of the new tier already has closed children that never handed their state to it
 * (the tier did not exist). Their closed states are still kept (for the correction horizon and a
 * day), so the planner, when it starts the new tier in a shard, writes for each of them the parent
 * partial its close would have written — the same bytes, the same `~<childStart>` id, so a later
 * re-close of the child overwrites it. When a child's closed state is gone (a new tier much coarser
 * than the kept states reach), the new tier starts with its next whole window instead: its first
 * results are complete or absent, never short.
 */

import { decodeClosedState } from '../core/close/closed-state.js';
import type { WindrowConfig } from '../core/config/config.js';
import { packStatesChunked } from '../core/preaggregate/partial-codec.js';
import { seriesIdBytes } from '../core/series/id.js';
import type { Tier } from '../core/window/tiers.js';
import { windowStart } from '../core/window/window.js';
import { keepMs } from './close/retention.js';
import type { Checkpoint, CloseStore } from './close-ports.js';
import { MAX_PARTIAL_CHUNK_BYTES } from './partials.js';

/**
 * Hands the closed children of `first` (a `tier` window) up to `childNext` to it in `shard`, when
 * their closed states are all there. `added`: the tier was just added to the list (the run that
 * recorded it); then missing states mean expired ones, and the tier starts at its next whole window.
 * Otherwise missing states mean children never closed (a fresh deployment, whose first closes will
 * hand up their own state), and the tier starts at `first`.
 * @returns the window to start the tier at.
 */
export async function backfillAddedTier(
  store: CloseStore,
  config: WindrowConfig,
  tier: Tier,
  child: Tier,
  shard: number,
  first: number,
  childNext: number,
  added: boolean,
): Promise<number> {
  const children: number[] = [];
  for (let start = first; start < childNext; start += child.sizeMs) children.push(start);
  const states = await Promise.all(children.map((start) => store.readClosedState(child.level, start, shard)));
  if (added && states.some((s) => s === undefined)) return first + tier.sizeMs;
  const expiresAtSec = Math.ceil((first + tier.sizeMs + keepMs(config)) / 1000);
  for (const [i, record] of states.entries()) {
    if (record === undefined) continue;
    const merged = decodeClosedState(record.chunks).flatMap((e) =>
      e.merged === undefined ? [] : [e.merged],
    );
    if (merged.length === 0) continue;
    const chunks = packStatesChunked(
      merged.map((m) => ({ ...m, idBytes: seriesIdBytes(m.seriesId) })),
      MAX_PARTIAL_CHUNK_BYTES,
    );
    await store.writePartials(
      chunks.map((data, chunk) => ({
        tier: tier.level,
        windowStartMs: first,
        shard,
        partialId: `~${children[i]}`,
        chunk,
        data,
        expiresAtSec,
      })),
    );
  }
  return first;
}

/**
 * A tier removed and added back keeps its old checkpoints: resumed from them, it would close the
 * windows of its absence empty (their children never handed up) and the window holding the child's
 * next close short. Instead it starts again like a tier just added — at that window, with its
 * closed children handed up (or the next whole window when their kept state is gone) — and the
 * checkpoint moves forward over the windows of its absence, which get no results.
 */
export async function resumeReaddedTier(
  store: CloseStore,
  config: WindrowConfig,
  tier: Tier,
  child: Tier,
  shard: number,
  checkpoint: Checkpoint,
  childCheckpoint: Checkpoint,
): Promise<Checkpoint> {
  const childNext = childCheckpoint.closedThroughMs + child.sizeMs;
  const first = windowStart(childNext, tier);
  if (checkpoint.closedThroughMs >= first) return checkpoint; // already past: nothing was missed
  const start = await backfillAddedTier(store, config, tier, child, shard, first, childNext, true);
  const closedThroughMs = start - tier.sizeMs;
  if (closedThroughMs <= checkpoint.closedThroughMs) return checkpoint;
  const moved = await store.advanceCheckpoint(tier.level, shard, checkpoint.closedThroughMs, closedThroughMs);
  return moved
    ? { ...checkpoint, closedThroughMs }
    : ((await store.readCheckpoints(tier.level)).get(shard) ?? checkpoint);
}
