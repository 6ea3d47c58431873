import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { type CompensatedSum, mergeSums, mergeSumTerm, sumValue } from './compensated-sum.js';
import type { FinalStats } from './contract.js';

/**
 * The sum, min and max of a histogram's observations, shared by explicit and exponential
 * histograms. OTLP makes all three optional, so each is `undefined` ("unknown") as soon as one
 * contributing point with observations lacked it: a sum over only some of the points would be
 * wrong, not approximate. Unknown is sticky under merge, which keeps merge associative and
 * commutative.
 *
 * @example
 * ```ts
 * const a = pointStats(2, 10, 3, 7); // { sum: {hi: 10, lo: 0}, min: 3, max: 7 }
 * const b = pointStats(1, undefined, 1, 1); // this point had no sum
 * mergeStatsInto(a, b); // { sum: undefined, min: 1, max: 7 }
 * ```
 */
export interface HistogramStats {
  /** Compensated, so the result does not depend on merge order (see compensated-sum.ts). */
  sum: CompensatedSum | undefined;
  /** +Infinity while there are no observations. */
  min: number | undefined;
  /** −Infinity while there are no observations. */
  max: number | undefined;
}

export function emptyStats(): HistogramStats {
  return { sum: { hi: 0, lo: 0 }, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

/**
 * The stats of one point with `count` observations. A point without observations contributes
 * nothing (its min/max would be meaningless); non-finite values count as absent, since
 * normalization rejects them and one would poison the window.
 */
export function pointStats(
  count: number,
  sum: number | undefined,
  min: number | undefined,
  max: number | undefined,
): HistogramStats {
  if (count === 0) return emptyStats();
  return {
    // `+ 0` turns -0 into 0, so bytes never depend on which zero came first.
    sum: sum !== undefined && Number.isFinite(sum) ? { hi: sum + 0, lo: 0 } : undefined,
    min: min !== undefined && Number.isFinite(min) ? min : undefined,
    max: max !== undefined && Number.isFinite(max) ? max : undefined,
  };
}

export function cloneStats(s: HistogramStats): HistogramStats {
  return { sum: s.sum === undefined ? undefined : { ...s.sum }, min: s.min, max: s.max };
}

/** Merges `source` into `target`; safe when both are the same object. */
export function mergeStatsInto(target: HistogramStats, source: HistogramStats): void {
  let sum: CompensatedSum | undefined;
  if (target.sum !== undefined && source.sum !== undefined) {
    sum = { ...target.sum };
    mergeSums(sum, source.sum);
  }
  const min =
    target.min === undefined || source.min === undefined ? undefined : Math.min(target.min, source.min);
  const max =
    target.max === undefined || source.max === undefined ? undefined : Math.max(target.max, source.max);
  target.sum = sum;
  target.min = min;
  target.max = max;
}

/**
 * `mergeStatsInto(target, pointStats(count, sum, min, max))` for a point with count > 0, in place and
 * without allocating (the histogram add hot path). `target` must own its sum object, as every
 * state does (states never share their parts).
 */
export function mergePointStatsInto(
  target: HistogramStats,
  sum: number | undefined,
  min: number | undefined,
  max: number | undefined,
): void {
  if (target.sum !== undefined) {
    if (sum !== undefined && Number.isFinite(sum)) mergeSumTerm(target.sum, sum + 0);
    else target.sum = undefined;
  }
  target.min = target.min === undefined || !isKnown(min) ? undefined : Math.min(target.min, min);
  target.max = target.max === undefined || !isKnown(max) ? undefined : Math.max(target.max, max);
}

/** What {@link pointStats} keeps: a finite value (non-finite ones count as absent). */
export function isKnown(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

/** Stats of a difference of cumulative snapshots: the sum subtracts; min/max of the observations
 *  made in between are unknown (cumulative min/max cover everything since the start). */
export function subtractStats(later: HistogramStats, earlier: HistogramStats, count: number): HistogramStats {
  if (count === 0) return emptyStats();
  const sum =
    later.sum === undefined || earlier.sum === undefined
      ? undefined
      : { hi: sumValue(later.sum) - sumValue(earlier.sum) + 0, lo: 0 };
  return { sum, min: undefined, max: undefined };
}

/** Adds count, sum, min, max and avg to `stats` (only those known and finite). */
export function putStats(stats: FinalStats, count: number, s: HistogramStats): void {
  if (s.sum !== undefined) {
    const sum = sumValue(s.sum);
    if (Number.isFinite(sum)) {
      stats.sum = sum;
      if (count > 0) stats.avg = clamp(sum / count, s.min, s.max);
    }
  }
  if (count === 0) return;
  if (s.min !== undefined) stats.min = s.min;
  if (s.max !== undefined) stats.max = s.max;
}

/** Keeps rounding from putting the average of [x, x] a hair outside [min, max]. */
function clamp(v: number, min: number | undefined, max: number | undefined): number {
  let out = v;
  if (min !== undefined && out < min) out = min;
  if (max !== undefined && out > max) out = max;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Codec: five flag bits (the low five of the caller's flags byte) and the values they announce.

const SUM_UNKNOWN = 1;
const MIN_UNKNOWN = 2;
const MAX_UNKNOWN = 4;
const SUM_COMPENSATED = 8;
const SUM_INTEGRAL = 16;
/** The flag bits {@link statsFlags} may set; callers use the bits above for their own flags. */
export const STATS_FLAG_BITS = 31;
const MAX_VARINT_VALUE = 2 ** 48;

/** Flags for `s`; none without observations, where the stats are always those of {@link emptyStats}. */
export function statsFlags(s: HistogramStats, count: number): number {
  if (count === 0) return 0;
  let flags = 0;
  if (s.sum === undefined) flags |= SUM_UNKNOWN;
  else if (s.sum.lo !== 0) flags |= SUM_COMPENSATED;
  else if (Number.isInteger(s.sum.hi) && Math.abs(s.sum.hi) <= MAX_VARINT_VALUE) flags |= SUM_INTEGRAL;
  if (s.min === undefined) flags |= MIN_UNKNOWN;
  if (s.max === undefined) flags |= MAX_UNKNOWN;
  return flags;
}

/** Writes the values announced by `statsFlags(s, count)`: nothing without observations. */
export function writeStats(out: ByteWriter, s: HistogramStats, count: number): void {
  if (count === 0) return;
  if (s.sum !== undefined) {
    if (s.sum.lo === 0 && Number.isInteger(s.sum.hi) && Math.abs(s.sum.hi) <= MAX_VARINT_VALUE) {
      out.svarint(s.sum.hi);
    } else {
      out.f64(s.sum.hi);
      if (s.sum.lo !== 0) out.f64(s.sum.lo);
    }
  }
  if (s.min !== undefined) out.f64(s.min);
  if (s.max !== undefined) out.f64(s.max);
}

function readValue(input: ByteReader, what: string): number {
  const v = input.f64();
  if (Number.isNaN(v)) throw new StateCodecError(`${what} is NaN`);
  return v;
}

export function readStats(input: ByteReader, flags: number, count: number): HistogramStats {
  if ((flags & SUM_INTEGRAL) !== 0 && (flags & (SUM_UNKNOWN | SUM_COMPENSATED)) !== 0) {
    throw new StateCodecError('contradictory sum flags');
  }
  if (count === 0) {
    if (flags !== 0) throw new StateCodecError('stats flags without observations');
    return emptyStats();
  }
  let sum: CompensatedSum | undefined;
  if ((flags & SUM_UNKNOWN) === 0) {
    if ((flags & SUM_INTEGRAL) !== 0) {
      sum = { hi: input.svarint(), lo: 0 };
    } else {
      const hi = readValue(input, 'sum');
      const lo = (flags & SUM_COMPENSATED) !== 0 ? readValue(input, 'sum error term') : 0;
      if ((flags & SUM_COMPENSATED) !== 0 && lo === 0) throw new StateCodecError('zero sum error term');
      sum = { hi, lo };
    }
  }
  const min = (flags & MIN_UNKNOWN) === 0 ? readValue(input, 'min') : undefined;
  const max = (flags & MAX_UNKNOWN) === 0 ? readValue(input, 'max') : undefined;
  return { sum, min, max };
}
