import { WindrowError } from '../errors.js';
import { type AggregateKind, type FinalizeContext, type FinalStats, percentileName } from './contract.js';
import { decodeHistogramState, encodeHistogramState } from './histogram-codec.js';
import { bucketQuantile } from './histogram-quantile.js';
import {
  addHistogramPoint,
  cloneHistogramState,
  emptyHistogramState,
  type HistogramState,
  mergeHistogramInto,
} from './histogram-state.js';
import { putStats } from './histogram-stats.js';

export { HISTOGRAM_CODEC_VERSION } from './histogram-codec.js';
export type { HistogramState } from './histogram-state.js';
export type { HistogramStats } from './histogram-stats.js';

/** One-byte state tag of {@link histogramKind} (the order of `StateKindName`, from 1). */
export const HISTOGRAM_KIND_TAG = 3;

/**
 * count, sum, min, max, avg (when the sum is known), the configured percentiles estimated from the
 * buckets (see histogram-quantile.ts for the error bound) and the buckets themselves. No stddev:
 * the buckets do not determine it. An empty state (or one without observations) is `{ count: 0 }`.
 */
export function finalizeHistogram(state: HistogramState, context: FinalizeContext): FinalStats {
  const { count, bounds } = state;
  const stats: FinalStats = { count };
  if (count === 0 || bounds === undefined) return stats;
  putStats(stats, count, state);
  if (context.percentiles.length > 0) {
    const percentiles: Record<string, number> = {};
    for (const p of context.percentiles) {
      const v = bucketQuantile(bounds, state.counts, count, state.min, state.max, p / 100);
      if (v !== undefined) percentiles[percentileName(p)] = v;
    }
    stats.percentiles = percentiles;
  }
  stats.buckets = { bounds: bounds.slice(), counts: state.counts.slice() };
  return stats;
}

/**
 * The aggregate of explicit-bucket histogram points (delta temporality; cumulative histograms go
 * through `cumulativeKind` first). Bucket counts add when the bounds are equal. When they differ,
 * the declared policy is to merge onto the bounds COMMON to both: buckets coalesce into coarser
 * ones and every count stays exact (see histogram-layout.ts); with disjoint bounds everything lands
 * in one bucket (−∞, +∞). Sum, min and max are kept while every point carried them (they are
 * optional in OTLP). Points without observations carry nothing and are skipped, so an idle
 * instrument with other bounds does not coarsen the window.
 *
 * @example
 * ```ts
 * const options = DEFAULT_AGGREGATE_OPTIONS;
 * const s = histogramKind.empty();
 * // latency in ms: bounds [10, 100] counts [3, 5, 2], sum 900, min 2, max 400
 * histogramKind.add(s, latency, options);
 * // another request, bounds [100, 1000] counts [6, 1, 0], sum 700, min 8, max 250
 * histogramKind.add(s, latency2, options);
 * histogramKind.finalize(s, { windowStartMs, windowEndMs, percentiles: [50] });
 * // → { count: 17, sum: 1600, min: 2, max: 400, avg: 1600 / 17,
 * //     percentiles: { p50: ≈61.5 } (rank 8 is the 9th of 14 values in [min 2, 100]: 2 + 98·8.5/14),
 * //     buckets: { bounds: [100], counts: [14, 3] } }
 * ```
 */
export const histogramKind: AggregateKind<HistogramState> = {
  tag: HISTOGRAM_KIND_TAG,
  name: 'histogram',
  empty: emptyHistogramState,
  add(state, point) {
    if (point.type !== 'histogram') {
      throw new WindrowError(`the histogram aggregate cannot add a ${point.type} point`);
    }
    // Malformed layouts are rejected by normalization (RejectReason.invalidField); one that slipped
    // through is dropped rather than let it corrupt the window's buckets.
    addHistogramPoint(state, point);
  },
  merge(a, b) {
    const out = cloneHistogramState(a);
    mergeHistogramInto(out, b);
    return out;
  },
  mergeInto: mergeHistogramInto,
  finalize: finalizeHistogram,
  encode: encodeHistogramState,
  decode: decodeHistogramState,
};
