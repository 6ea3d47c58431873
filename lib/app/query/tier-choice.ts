/**
 * `tier=auto` (DESIGN.md §9): the coarsest tier that still gives about 100 or more points
 * over the range; where that tier's windows are not closed yet, the next finer tier fills in, and so
 * on down to the first tier.
 */
import type { Tier } from '../../core/window/tiers.js';
import { windowStart } from '../../core/window/window.js';

/** Points per series a chart wants at least. */
export const TARGET_POINTS = 100;

export interface TierSegment {
  readonly tier: Tier;
  /** Window starts in `[fromMs, toMs)` are read from this tier. */
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * @param closedEndMs end of the last closed window of each tier level (every shard closed up to
 *   there); undefined when the tier never closed.
 * @example chooseTiers(tiers, now - 86_400_000, now, closedEnd) // 1d range → 10m or 1h… then finer tails
 */
export function chooseTiers(
  tiers: readonly Tier[],
  fromMs: number,
  toMs: number,
  closedEndMs: (level: number) => number | undefined,
): TierSegment[] {
  const range = toMs - fromMs;
  let chosen = tiers[0] as Tier;
  for (const tier of tiers) if (range / tier.sizeMs >= TARGET_POINTS) chosen = tier;
  const segments: TierSegment[] = [];
  // Windows that start before `fromMs` but reach into the range are included: align down.
  let start = windowStart(fromMs, chosen);
  for (let level = chosen.level; level >= 0; level--) {
    const tier = tiers[level] as Tier;
    start = Math.max(start, windowStart(fromMs, tier));
    const closedEnd = closedEndMs(level);
    const end = level === 0 || closedEnd === undefined ? toMs : Math.min(toMs, closedEnd);
    if (level > 0 && closedEnd === undefined) continue;
    if (end > start) segments.push({ tier, fromMs: start, toMs: end });
    start = Math.max(start, end);
    if (start >= toMs) break;
  }
  return segments;
}
