import { WindrowError } from '../errors.js';
import { sumValue } from './compensated-sum.js';
import { type AggregateKind, type FinalizeContext, type FinalStats, percentileName } from './contract.js';
import { populationVariance } from './moments.js';
import { decodeNumberState, encodeNumberState } from './number-codec.js';
import {
  addValue,
  cloneNumberState,
  emptyNumberState,
  mergeNumberInto,
  type NumberState,
} from './number-state.js';

export type { CompensatedSum } from './compensated-sum.js';
export { NUMBER_CODEC_VERSION } from './number-codec.js';
export type { NumberState } from './number-state.js';
export type { TimedValue } from './timed-value.js';

/** One-byte state tag of {@link numberKind} (the order of `StateKindName`, from 1). */
export const NUMBER_KIND_TAG = 1;

type FloatStat = 'sum' | 'min' | 'max' | 'avg' | 'stddev' | 'last' | 'rate';

/** Sets `stats[key]` only when `value` is finite: results never carry NaN or ±Infinity, which
 *  JSON and Timestream cannot hold (reachable only with values beyond ~1e154, whose squares overflow). */
function put(stats: FinalStats, key: FloatStat, value: number): void {
  if (Number.isFinite(value)) stats[key] = value;
}

function finalizeNumber(state: NumberState, context: FinalizeContext): FinalStats {
  const { count, min, max } = state;
  const stats: FinalStats = { count };
  if (count === 0) return stats;
  const sum = sumValue(state.sum);
  put(stats, 'sum', sum);
  put(stats, 'min', min);
  put(stats, 'max', max);
  // sum/count from the compensated sum is closer to the true mean than Welford's running mean, and
  // the clamp keeps rounding from putting the average of [x, x, x] a hair outside [min, max].
  put(stats, 'avg', Math.min(max, Math.max(min, sum / count)));
  put(stats, 'stddev', Math.sqrt(populationVariance(state)));
  put(stats, 'last', state.last.value);
  const seconds = (context.windowEndMs - context.windowStartMs) / 1000;
  if (state.isSum && seconds > 0) put(stats, 'rate', sum / seconds);
  if (context.percentiles.length > 0) {
    const percentiles: Record<string, number> = {};
    for (const p of context.percentiles) {
      const q = Math.min(1, Math.max(0, p / 100));
      // A single value has no sketch (see NumberState): it is every percentile, exactly.
      const value = state.sketch === undefined ? state.first.value : state.sketch.quantile(q);
      if (value !== undefined && Number.isFinite(value)) percentiles[percentileName(p)] = value;
    }
    stats.percentiles = percentiles;
  }
  return stats;
}

/**
 * The aggregate of number points: gauges, delta sums and simple points (cumulative sums go through
 * the cumulative kind first). It keeps count, a compensated sum, min, max, Welford/Chan mean and M2,
 * the first and last points (ties broken by value), and a relative-error quantile sketch.
 *
 * `finalize` reports count, sum, min, max, avg (sum / count), stddev (the *population* standard
 * deviation √(M2/n): a window's values are all there is, not a sample of something larger), the
 * configured percentiles (within the sketch's α), last (the value of the latest point), and for
 * sums — the state remembers whether its points came from an OTLP Sum — rate = sum / window seconds.
 * An empty state finalizes to `{ count: 0 }`.
 *
 * @example
 * ```ts
 * const options = DEFAULT_AGGREGATE_OPTIONS;
 * const a = numberKind.empty();
 * const b = numberKind.empty();
 * numberKind.add(a, requestsPoint(4, '12:00:10'), options); // an OTLP delta Sum point, value 4
 * numberKind.add(b, requestsPoint(6, '12:00:40'), options); // the same series, another request
 * const window = numberKind.merge(a, b, options);
 * numberKind.finalize(window, { windowStartMs: t('12:00'), windowEndMs: t('12:01'), percentiles: [50] });
 * // → { count: 2, sum: 10, min: 4, max: 6, avg: 5, stddev: 1, last: 6, rate: 10 / 60,
 * //     percentiles: { p50: 4 (within 1%) } }
 * ```
 */
export const numberKind: AggregateKind<NumberState> = {
  tag: NUMBER_KIND_TAG,
  name: 'number',
  empty: emptyNumberState,
  add(state, point, options) {
    if (point.type !== 'number')
      throw new WindrowError(`the number aggregate cannot add a ${point.type} point`);
    // Normalization already rejects non-finite values (RejectReason.nonFinite); one that slipped
    // through would poison sum, mean and M2 for the whole window, so it is dropped here too.
    if (!Number.isFinite(point.value)) return;
    if (point.context.metric.kind === 'sum') state.isSum = true;
    addValue(state, point.value, point.timeMs, point.timeNs, options);
  },
  merge(a, b, options) {
    const out = cloneNumberState(a);
    mergeNumberInto(out, b, options);
    return out;
  },
  mergeInto: mergeNumberInto,
  finalize: finalizeNumber,
  encode: encodeNumberState,
  decode: decodeNumberState,
};
