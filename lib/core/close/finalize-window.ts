import type { FinalStats } from '../aggregate/contract.js';
import { type CumulativeState, cumulativeBaseline, cumulativeKind } from '../aggregate/cumulative.js';
import { type GroupState, groupStateOf } from '../group/group-state.js';
import type { ClosedEntry } from './closed-state.js';
import type { MergedSeries } from './merge.js';

/** One series' results for one window. */
export interface FinalizedSeries {
  readonly tenant: string;
  readonly seriesId: string;
  readonly stats: FinalStats;
  /** What merges this result with other series' (`by`, lib/core/group); sessions have none. */
  readonly group?: GroupState;
}

export interface FinalizeWindowInput {
  /** The window's merged states by seriesId. */
  readonly merged: ReadonlyMap<string, MergedSeries>;
  /** The previous window's closed entries by seriesId (their `carry` is this window's baseline). */
  readonly previous: ReadonlyMap<string, ClosedEntry>;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly percentiles: readonly number[];
  /**
   * How long a quiet cumulative series keeps its baseline: carried from window to window while its
   * last observation is younger than this. Past it, a series that comes back is measured from its
   * first new observation (or in full when its start time is fresh), as if seen for the first time.
   */
  readonly carryForMs: number;
}

export interface FinalizedWindow {
  /** One per series with data in the window, in (tenant, seriesId) order. */
  readonly results: FinalizedSeries[];
  /** What the window's closed state holds: merged states, and carries for cumulative series. */
  readonly closed: ClosedEntry[];
}

/**
 * Finalizes a window's merged states (DESIGN.md §3): stats per series, never averages of averages;
 * cumulative series measured from the previous window's carried baseline, and the baseline for the
 * next window carried on — also for cumulative series that were quiet in this window.
 *
 * @example
 * const { results, closed } = finalizeWindow({ merged, previous, windowStartMs, windowEndMs,
 *   percentiles: [50, 99], carryForMs: 3_600_000 });
 */
export function finalizeWindow(input: FinalizeWindowInput): FinalizedWindow {
  const { merged, previous, windowStartMs, windowEndMs, percentiles } = input;
  const results: FinalizedSeries[] = [];
  const closed: ClosedEntry[] = [];
  for (const series of merged.values()) {
    const { tenant, seriesId, kind, state } = series;
    if (kind === cumulativeKind) {
      const baseline = previous.get(seriesId)?.carry;
      const stats = kind.finalize(state, { windowStartMs, windowEndMs, percentiles, baseline });
      const carry = cumulativeBaseline(state as CumulativeState, baseline);
      const group = groupStateOf(kind, state, baseline);
      results.push({ tenant, seriesId, stats, ...(group ? { group } : {}) });
      closed.push({ tenant, seriesId, merged: series, ...(carry ? { carry } : {}) });
    } else {
      results.push({
        tenant,
        seriesId,
        stats: kind.finalize(state, { windowStartMs, windowEndMs, percentiles }),
        group: { kind, state },
      });
      closed.push({ tenant, seriesId, merged: series });
    }
  }
  for (const entry of previous.values()) {
    if (entry.carry === undefined || merged.has(entry.seriesId)) continue;
    if (entry.carry.timeMs < windowEndMs - input.carryForMs) continue;
    closed.push({ tenant: entry.tenant, seriesId: entry.seriesId, carry: entry.carry });
  }
  const order = (a: { tenant: string; seriesId: string }, b: { tenant: string; seriesId: string }) =>
    a.tenant !== b.tenant
      ? a.tenant < b.tenant
        ? -1
        : 1
      : a.seriesId < b.seriesId
        ? -1
        : a.seriesId > b.seriesId
          ? 1
          : 0;
  results.sort(order);
  closed.sort(order);
  return { results, closed };
}
