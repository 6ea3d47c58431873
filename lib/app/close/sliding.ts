/** Close step: the sliding windows a pane completes (or, re-closed, belongs to), from pane states. */
import type { AggregateOptions } from '../../core/aggregate/contract.js';
import { type FinalizedSeries, finalizeWindow } from '../../core/close/finalize-window.js';
import { WindowMerger } from '../../core/close/merge.js';
import type { SlidingWindowConfig, WindrowConfig } from '../../core/config/config.js';
import type { Tier } from '../../core/window/tiers.js';
import type { ClosedStateCache } from './closed-state-cache.js';
import { MIN_CARRY_MS } from './retention.js';

/**
 * The sliding windows (by their bounds) to emit when pane `paneStart` closes: on a first close the
 * one it completes; on a re-close every one it belongs to whose last pane is closed.
 */
export function slidingWindowsToEmit(
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
export async function slidingResults(
  window: { startMs: number; endMs: number },
  spec: SlidingWindowConfig,
  tier: Tier,
  states: ClosedStateCache,
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
