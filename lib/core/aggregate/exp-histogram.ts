import { WindrowError } from '../errors.js';
import { type AggregateKind, type FinalizeContext, type FinalStats, percentileName } from './contract.js';
import { decodeExpState, encodeExpState } from './exp-histogram-codec.js';
import {
  cloneExpState,
  type ExpHistogramState,
  emptyExpState,
  expFromPoint,
  mergeExpInto,
} from './exp-histogram-state.js';
import { expQuantile } from './exp-quantile.js';
import { putStats } from './histogram-stats.js';

export type { ExpSide, ExpSpan } from './exp-buckets.js';
export { EXP_HISTOGRAM_CODEC_VERSION } from './exp-histogram-codec.js';
export type { ExpHistogramState } from './exp-histogram-state.js';
export { MAX_EXP_BUCKETS, MAX_EXP_SCALE, MIN_EXP_SCALE } from './exp-histogram-state.js';

/** One-byte state tag of {@link expHistogramKind} (the order of `StateKindName`, from 1). */
export const EXP_HISTOGRAM_KIND_TAG = 4;

/**
 * count, sum, min, max, avg (when the sum is known), the configured percentiles from the buckets
 * (within the relative error √base − 1 of the final scale, see exp-quantile.ts) and the buckets in
 * OTLP layout. No stddev: the buckets do not determine it. `{ count: 0 }` without observations.
 */
export function finalizeExp(state: ExpHistogramState, context: FinalizeContext): FinalStats {
  const { count } = state;
  const stats: FinalStats = { count };
  if (count === 0) return stats;
  putStats(stats, count, state);
  if (context.percentiles.length > 0) {
    const percentiles: Record<string, number> = {};
    for (const p of context.percentiles) {
      const v = expQuantile(state, p / 100);
      if (v !== undefined) percentiles[percentileName(p)] = v;
    }
    stats.percentiles = percentiles;
  }
  const { positive, negative } = state;
  stats.expBuckets = {
    scale: state.scale,
    zeroCount: state.zeroCount,
    positive: { offset: positive.offset, counts: positive.counts.slice() },
    negative: { offset: negative.offset, counts: negative.counts.slice() },
  };
  return stats;
}

/**
 * The aggregate of exponential histogram points (delta temporality; cumulative ones go through
 * `cumulativeKind` first). Merging takes the smaller scale and lowers it further until each sign
 * fits {@link MAX_EXP_BUCKETS} (160, OpenTelemetry's default) buckets; zero thresholds merge to
 * the larger one, moving the buckets that reach below it into the zero count (see `mergeExpInto`
 * in exp-histogram-state.ts for why the result is the same in every merge order). Points without
 * observations are skipped, so they cannot lower the scale.
 *
 * @example
 * ```ts
 * const options = DEFAULT_AGGREGATE_OPTIONS;
 * const s = expHistogramKind.empty();
 * // scale 1 (base √2): positive offset 4, counts [2, 1] — values in (4, 5.66] twice, (5.66, 8] once
 * expHistogramKind.add(s, a, options);
 * // scale 0 (base 2): positive offset 2, counts [3] — values in (4, 8], three times
 * expHistogramKind.add(s, b, options);
 * expHistogramKind.finalize(s, { windowStartMs, windowEndMs, percentiles: [50] }).expBuckets;
 * // → { scale: 0, zeroCount: 0, positive: { offset: 2, counts: [6] }, negative: { offset: 0, counts: [] } }
 * ```
 */
export const expHistogramKind: AggregateKind<ExpHistogramState> = {
  tag: EXP_HISTOGRAM_KIND_TAG,
  name: 'exponentialHistogram',
  empty: emptyExpState,
  add(state, point) {
    if (point.type !== 'exponentialHistogram') {
      throw new WindrowError(`the exponential histogram aggregate cannot add a ${point.type} point`);
    }
    const single = expFromPoint(point);
    // Malformed points are rejected by normalization; one that slipped through is dropped here
    // rather than let it corrupt the window's buckets.
    if (single === undefined || single.count === 0) return;
    mergeExpInto(state, single);
  },
  merge(a, b) {
    const out = cloneExpState(a);
    mergeExpInto(out, b);
    return out;
  },
  mergeInto: mergeExpInto,
  finalize: finalizeExp,
  encode: encodeExpState,
  decode: decodeExpState,
};
