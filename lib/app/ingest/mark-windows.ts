/**
 * Ingest step 5, after the write: correction marks for the windows a close may not read.
 * - Late: the write may have landed after a close of its window started (the clock, read again
 *   after the write, is past `end + allowedLateness`, less a clock-skew margin).
 * - Not started: the planner has no checkpoint for the shard yet and will start it at the latest
 *   due window (known-checkpoints.ts). Asked before the clock is read again, so a checkpoint created
 *   after this answer makes the window late instead.
 * A mark's cause is the request's partial id and its expiry comes from the window, so a retried
 * request rewrites the same mark byte for byte.
 */
import type { WindrowConfig } from '../../core/config/config.js';
import type { SeriesWindowState } from '../../core/preaggregate/preaggregate.js';
import type { ShardGroup } from '../../core/window/shard-layout.js';
import type { Tier } from '../../core/window/tiers.js';
import { knownCheckpointsOf } from '../known-checkpoints.js';
import { CLOCK_SKEW_MARGIN_MS } from '../partials.js';
import type { Clock, CorrectionMark, WindowStore, WriteReport } from '../ports.js';

export interface Marked {
  readonly report: WriteReport | undefined;
  /** Points in windows that were late when written, and those windows. */
  readonly latePoints: number;
  readonly lateWindows: number;
}

export async function markWindows(
  store: WindowStore,
  clock: Clock,
  config: WindrowConfig,
  tier: Tier,
  written: readonly ShardGroup<SeriesWindowState>[],
  partialId: string,
  expiresAtSec: (windowStartMs: number) => number,
): Promise<Marked> {
  const notStarted = await knownCheckpointsOf(store, clock).notStarted(written.map((g) => g.shard));
  const afterMs = clock.nowMs();
  const marks: CorrectionMark[] = [];
  let latePoints = 0;
  let lateWindows = 0;
  for (const group of written) {
    const closingAtMs = group.windowStartMs + tier.sizeMs + config.allowedLatenessMs - CLOCK_SKEW_MARGIN_MS;
    const late = afterMs >= closingAtMs;
    if (!late && !notStarted.has(group.shard)) continue;
    marks.push({
      tier: 0,
      windowStartMs: group.windowStartMs,
      shard: group.shard,
      expiresAtSec: expiresAtSec(group.windowStartMs),
      cause: partialId,
    });
    if (!late) continue;
    lateWindows++;
    for (const entry of group.series.values()) latePoints += entry.points;
  }
  const report = marks.length > 0 ? await store.markCorrections(marks) : undefined;
  return { report, latePoints, lateWindows };
}
