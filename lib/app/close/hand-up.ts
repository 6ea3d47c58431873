/**
 * Close step 5: hand the merged states to the parent tier's window as its partial `~<windowStart>`
 * (deleting chunks a previous close wrote past the new count), and, for a re-close, mark what it
 * changed for a re-close too: the parent window (closed, or possibly closing by the clock — another
 * worker may have read its partials before this write) and the next window when the cumulative
 * baselines carried into it changed.
 */
import { type ClosedEntry, decodeClosedState } from '../../core/close/closed-state.js';
import type { MergedSeries } from '../../core/close/merge.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { packStatesChunked } from '../../core/preaggregate/partial-codec.js';
import { seriesIdBytes } from '../../core/series/id.js';
import type { ShardLayout } from '../../core/window/shard-layout.js';
import type { Tier } from '../../core/window/tiers.js';
import { windowStart } from '../../core/window/window.js';
import type { Checkpoint, ClosedStateRecord, CloseJob, CloseStore } from '../close-ports.js';
import { MAX_PARTIAL_CHUNK_BYTES } from '../partials.js';
import type { CorrectionMark } from '../ports.js';
import { keepMs, mayBeClosing } from './retention.js';

/** The parent partial's chunks (none at the top tier or for an empty window). */
export function parentChunksOf(
  parent: Tier | undefined,
  merged: ReadonlyMap<string, MergedSeries>,
): Uint8Array[] {
  if (parent === undefined || merged.size === 0) return [];
  return packStatesChunked(
    [...merged.values()].map((m) => ({ ...m, idBytes: seriesIdBytes(m.seriesId) })),
    MAX_PARTIAL_CHUNK_BYTES,
  );
}

export interface HandUpInput {
  readonly job: CloseJob;
  readonly tier: Tier;
  readonly parent: Tier | undefined;
  readonly parentChunks: readonly Uint8Array[];
  readonly previousSelf: ClosedStateRecord | undefined;
  readonly closed: readonly ClosedEntry[];
  readonly checkpoint: Checkpoint | undefined;
  readonly layout: ShardLayout;
  readonly version: number;
}

/** Writes the parent partial; returns the correction marks a re-close owes (written by the caller). */
export async function handUp(
  input: HandUpInput,
  store: CloseStore,
  config: WindrowConfig,
  nowMs: () => number,
): Promise<CorrectionMark[]> {
  const { job, tier, parent, parentChunks, previousSelf, version } = input;
  const { windowStartMs: start, shard } = job;
  const end = start + tier.sizeMs;
  const keep = keepMs(config);
  const marks: CorrectionMark[] = [];
  if (parent !== undefined) {
    const parentStart = windowStart(start, parent);
    const partialId = `~${start}`;
    const expiresAtSec = Math.ceil((parentStart + parent.sizeMs + keep) / 1000);
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
      const parentCheckpoint = (await store.readCheckpoints(parent.level)).get(shard);
      const parentClosed = parentCheckpoint !== undefined && parentCheckpoint.closedThroughMs >= parentStart;
      if (parentClosed || mayBeClosing(parentStart + parent.sizeMs, nowMs(), config)) {
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
  const nextClosed = input.checkpoint !== undefined && input.checkpoint.closedThroughMs >= end;
  if (job.correction && (nextClosed || mayBeClosing(end + tier.sizeMs, nowMs(), config))) {
    if (carriesChanged(previousSelf, input.closed)) {
      // Across a change of `shards`, the next window's series live in the new epoch's shards.
      const { layout } = input;
      const nextShards =
        layout.shardsAt(end) === layout.shardsAt(start)
          ? [shard]
          : [...new Set(input.closed.filter((e) => e.carry).map((e) => layout.shardOf(e.seriesId, end)))];
      for (const next of nextShards) {
        marks.push({
          tier: job.tier,
          windowStartMs: end,
          shard: next,
          expiresAtSec: Math.ceil((end + tier.sizeMs + keep) / 1000),
          cause: `^${start}.${version}`,
        });
      }
    }
  }
  return marks;
}

function carriesChanged(previous: ClosedStateRecord | undefined, closed: readonly ClosedEntry[]): boolean {
  const key = (entries: readonly ClosedEntry[]) =>
    JSON.stringify(entries.filter((e) => e.carry).map((e) => [e.seriesId, e.carry]));
  return key(previous === undefined ? [] : decodeClosedState(previous.chunks)) !== key(closed);
}
