import { WindrowError } from '../errors.js';
import { sumValue } from './compensated-sum.js';
import type { AggregateKind, FinalStats } from './contract.js';
import { decodeSummaryState, encodeSummaryState } from './summary-codec.js';
import {
  addSummary,
  cloneSummaryState,
  emptySummaryState,
  mergeSummaryInto,
  type SummaryState,
} from './summary-state.js';

export { SUMMARY_CODEC_VERSION } from './summary-codec.js';
export type { SummaryState } from './summary-state.js';
export type { EventTime } from './timed-value.js';

/** One-byte state tag of {@link summaryKind} (the order of `StateKindName`, from 1). */
export const SUMMARY_KIND_TAG = 5;

function finalizeSummary(state: SummaryState): FinalStats {
  if (state.points === 0) return { count: 0 };
  const sum = sumValue(state.sum);
  return Number.isFinite(sum) ? { count: state.count, sum } : { count: state.count };
}

/**
 * The aggregate of summary points given as deltas: it adds their counts and sums (a compensated
 * sum) and tracks the first and last point times. OTLP summaries are cumulative in practice; turning
 * those snapshots into deltas is the cumulative kind's job, which hands this kind {count, sum}
 * increases. Quantiles are dropped: they cannot be merged (see {@link SummaryState}).
 *
 * `finalize` reports `count` (observations) and `sum` only; an empty state finalizes to
 * `{ count: 0 }`.
 *
 * @example
 * ```ts
 * const options = DEFAULT_AGGREGATE_OPTIONS;
 * const a = summaryKind.empty();
 * const b = summaryKind.empty();
 * summaryKind.add(a, rpcLatencyDelta({ count: 3, sum: 0.9 }), options);
 * summaryKind.add(b, rpcLatencyDelta({ count: 1, sum: 0.2 }), options);
 * summaryKind.finalize(summaryKind.merge(a, b, options), window);
 * // → { count: 4, sum: 1.1 }
 * ```
 */
export const summaryKind: AggregateKind<SummaryState> = {
  tag: SUMMARY_KIND_TAG,
  name: 'summary',
  empty: emptySummaryState,
  add(state, point) {
    if (point.type !== 'summary')
      throw new WindrowError(`the summary aggregate cannot add a ${point.type} point`);
    // Normalization rejects these already; one that slipped through would make count inexact or
    // sum NaN for the rest of the window, so it is dropped here too.
    if (!(Number.isSafeInteger(point.count) && point.count >= 0)) return;
    if (!Number.isFinite(point.sum)) return;
    addSummary(state, point.count, point.sum, point);
  },
  merge(a, b) {
    const out = cloneSummaryState(a);
    mergeSummaryInto(out, b);
    return out;
  },
  mergeInto: mergeSummaryInto,
  finalize: finalizeSummary,
  encode: encodeSummaryState,
  decode: decodeSummaryState,
};
