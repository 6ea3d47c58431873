/**
 * Close step 0: whether the job may run. Windows close in order: a first close needs the previous
 * window closed (the checkpoint at `start − size`) and, for a rollup, its last child window closed;
 * a re-close needs the window closed once (the first close reads late data itself).
 */
import type { WindrowConfig } from '../../core/config/config.js';
import type { Tier } from '../../core/window/tiers.js';
import { WindowNotReadyError } from '../close-errors.js';
import type { Checkpoint, CloseJob, CloseStore } from '../close-ports.js';

export type Readiness =
  | { readonly ready: true; readonly checkpoint: Checkpoint | undefined }
  | { readonly ready: false; readonly reason: string };

/** @throws {WindowNotReadyError} when an earlier window is not closed yet (the queue retries). */
export async function readiness(
  job: CloseJob,
  tier: Tier,
  store: CloseStore,
  config: WindrowConfig,
): Promise<Readiness> {
  const { windowStartMs: start, shard } = job;
  const checkpoint = (await store.readCheckpoints(job.tier)).get(shard);
  const closedBefore = checkpoint !== undefined && checkpoint.closedThroughMs >= start;
  if (job.correction) {
    return closedBefore
      ? { ready: true, checkpoint }
      : { ready: false, reason: 'not closed yet: the first close will read the late data' };
  }
  if (closedBefore) return { ready: false, reason: 'already closed' };
  if (checkpoint === undefined || checkpoint.closedThroughMs !== start - tier.sizeMs) {
    throw new WindowNotReadyError(
      `${tier.name} window ${iso(start)} shard ${shard}: the previous window is not closed yet`,
    );
  }
  const child = config.tiers[job.tier - 1];
  if (child !== undefined) {
    const childCheckpoint = (await store.readCheckpoints(child.level)).get(shard);
    if (
      childCheckpoint === undefined ||
      childCheckpoint.closedThroughMs < start + tier.sizeMs - child.sizeMs
    ) {
      throw new WindowNotReadyError(
        `${tier.name} window ${iso(start)} shard ${shard}: its ${child.name} windows are not all closed`,
      );
    }
  }
  return { ready: true, checkpoint };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
