import type { HistogramPoint } from '../point.js';
import { coalesceCounts, countsOn, intersectBounds, pointLayout, sameBounds } from './histogram-layout.js';
import {
  cloneStats,
  emptyStats,
  type HistogramStats,
  mergeStatsInto,
  pointStats,
  subtractStats,
} from './histogram-stats.js';

/**
 * The mergeable state of one explicit-bucket histogram series in one window (delta view).
 *
 * `bounds` is undefined only in the empty state: "no layout yet" is the identity of bound
 * intersection, as every layout is a subset of it. `count` is always the sum of `counts` (the
 * buckets are what merges, so they are the truth when a sender's `count` disagrees).
 */
export interface HistogramState extends HistogramStats {
  count: number;
  bounds: number[] | undefined;
  counts: number[];
}

export function emptyHistogramState(): HistogramState {
  return { count: 0, ...emptyStats(), bounds: undefined, counts: [] };
}

export function cloneHistogramState(s: HistogramState): HistogramState {
  return { count: s.count, ...cloneStats(s), bounds: s.bounds?.slice(), counts: s.counts.slice() };
}

/**
 * The state of a single point, including one without observations (a cumulative snapshot may well
 * be all zeros), or undefined when its layout is malformed.
 */
export function histogramFromPoint(point: HistogramPoint): HistogramState | undefined {
  const layout = pointLayout(point);
  if (layout === undefined) return undefined;
  let count = 0;
  for (const c of layout.counts) count += c;
  return { count, ...pointStats(count, point.sum, point.min, point.max), ...layout };
}

/** Merges `source` into `target`, coarsening both onto their common bounds when they differ.
 *  `source` is untouched and shares nothing with `target` after; safe when they are one object. */
export function mergeHistogramInto(target: HistogramState, source: HistogramState): void {
  if (source.bounds === undefined) return; // empty: the identity
  if (target.bounds === undefined) {
    Object.assign(target, cloneHistogramState(source));
    return;
  }
  let counts: number[];
  if (sameBounds(target.bounds, source.bounds)) {
    counts = target.counts.map((c, i) => c + (source.counts[i] as number));
  } else {
    const common = intersectBounds(target.bounds, source.bounds);
    const other = coalesceCounts(source.bounds, source.counts, common);
    counts = coalesceCounts(target.bounds, target.counts, common).map((c, i) => c + (other[i] as number));
    target.bounds = common;
  }
  target.counts = counts;
  target.count += source.count;
  mergeStatsInto(target, source);
}

/**
 * `later − earlier` for cumulative snapshots of one series, on their common bounds; undefined when
 * some bucket went down (the histogram was reset). Min and max of the difference are unknown.
 */
export function subtractHistogram(
  later: HistogramState,
  earlier: HistogramState,
): HistogramState | undefined {
  if (later.bounds === undefined) return earlier.bounds === undefined ? emptyHistogramState() : undefined;
  if (earlier.bounds === undefined) return cloneHistogramState(later);
  const bounds = sameBounds(later.bounds, earlier.bounds)
    ? later.bounds.slice()
    : intersectBounds(later.bounds, earlier.bounds);
  const before = countsOn(earlier.bounds, earlier.counts, bounds);
  const counts = countsOn(later.bounds, later.counts, bounds);
  let count = 0;
  for (let i = 0; i < counts.length; i++) {
    const d = (counts[i] as number) - (before[i] as number);
    if (d < 0) return undefined;
    counts[i] = d;
    count += d;
  }
  return { count, ...subtractStats(later, earlier, count), bounds, counts };
}
