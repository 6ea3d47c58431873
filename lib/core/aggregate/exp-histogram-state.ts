import type { ExponentialHistogramPoint } from '../point.js';
import {
  absorbBelow,
  cloneSide,
  combineSides,
  downscaleSide,
  downscaleSpan,
  type ExpSide,
  emptySide,
  presentSpan,
  spanFits,
  trimmedSide,
  unionSpan,
} from './exp-buckets.js';
import {
  cloneStats,
  emptyStats,
  type HistogramStats,
  mergeStatsInto,
  pointStats,
  subtractStats,
} from './histogram-stats.js';

/** OTLP's scale range. A state never goes below MIN (every double fits in 3 buckets there). */
export const MAX_EXP_SCALE = 20;
export const MIN_EXP_SCALE = -10;
/**
 * Buckets per sign, like OpenTelemetry's default `maxSize` (160). A constant, not an option: every
 * state of a series must be merged under the same limit for merges to be associative, and a
 * configuration change would otherwise split one window's partials between two limits. 160 keeps
 * SDK points (already ≤ 160 buckets) at their own scale and a state under ~200 bytes when varint
 * counts are small.
 */
export const MAX_EXP_BUCKETS = 160;
/** |log2 x| of every double is below 1075; indices beyond this are malformed. */
const MAX_LOG2 = 1100;
/** Far above OTLP's 20; bounds the index arithmetic for malformed points. */
const MAX_POINT_SCALE = 100;

/**
 * The mergeable state of one exponential histogram series in one window (delta view). `count` is
 * always `zeroCount` plus both sides' counts. The empty state has scale 20 and threshold 0, the
 * identities of taking the smaller scale and the larger threshold.
 */
export interface ExpHistogramState extends HistogramStats {
  count: number;
  scale: number;
  /** Magnitudes up to it are in `zeroCount`; 0 unless a sender set one (see mergeExpInto). */
  zeroThreshold: number;
  zeroCount: number;
  positive: ExpSide;
  negative: ExpSide;
}

export function emptyExpState(): ExpHistogramState {
  return {
    count: 0,
    ...emptyStats(),
    scale: MAX_EXP_SCALE,
    zeroThreshold: 0,
    zeroCount: 0,
    positive: emptySide(),
    negative: emptySide(),
  };
}

export function cloneExpState(s: ExpHistogramState): ExpHistogramState {
  return { ...s, ...cloneStats(s), positive: cloneSide(s.positive), negative: cloneSide(s.negative) };
}

/** The largest scale ≤ both inputs' at which both sides' spans fit in MAX_EXP_BUCKETS. */
function commonScale(a: ExpHistogramState, b: ExpHistogramState): number {
  let scale = Math.min(a.scale, b.scale);
  let pos = unionSpan(
    downscaleSpan(a.positive.span, a.scale - scale),
    downscaleSpan(b.positive.span, b.scale - scale),
  );
  let neg = unionSpan(
    downscaleSpan(a.negative.span, a.scale - scale),
    downscaleSpan(b.negative.span, b.scale - scale),
  );
  while (!spanFits(pos, MAX_EXP_BUCKETS) || !spanFits(neg, MAX_EXP_BUCKETS)) {
    scale--;
    pos = downscaleSpan(pos, 1);
    neg = downscaleSpan(neg, 1);
  }
  return scale;
}

interface Buckets {
  zeroCount: number;
  positive: ExpSide;
  negative: ExpSide;
}

/** `s`'s buckets at a lower `scale`, with everything reaching below `threshold` moved to zero. */
function rescaled(s: ExpHistogramState, scale: number, threshold: number): Buckets {
  const pos = absorbBelow(downscaleSide(s.positive, s.scale - scale), scale, threshold);
  const neg = absorbBelow(downscaleSide(s.negative, s.scale - scale), scale, threshold);
  return { zeroCount: s.zeroCount + pos.absorbed + neg.absorbed, positive: pos.side, negative: neg.side };
}

/**
 * Merges `source` into `target` (`source` untouched; safe when they are one object):
 * 1. the scale is the smaller one, lowered further until each sign's span fits MAX_EXP_BUCKETS;
 * 2. the zero threshold is the larger one, and every bucket whose lower edge is below it moves
 *    into the zero count — so a bucket straddling the threshold moves too, and after a merge the
 *    zero count holds magnitudes below threshold·base (at most one bucket above the threshold);
 * 3. counts add.
 * The result is a function of the points alone — the scale from the spans of all counts ever seen,
 * the zero count from which final buckets reach below the threshold — so merges are exactly
 * associative and commutative even with mixed thresholds. With the default threshold 0 (every
 * OpenTelemetry SDK) step 2 never moves anything.
 */
export function mergeExpInto(target: ExpHistogramState, source: ExpHistogramState): void {
  const scale = commonScale(target, source);
  const threshold = Math.max(target.zeroThreshold, source.zeroThreshold);
  const a = rescaled(target, scale, threshold);
  const b = rescaled(source, scale, threshold);
  target.count += source.count;
  mergeStatsInto(target, source);
  target.scale = scale;
  target.zeroThreshold = threshold;
  target.zeroCount = a.zeroCount + b.zeroCount;
  target.positive = combineSides(a.positive, b.positive, 1) ?? emptySide();
  target.negative = combineSides(a.negative, b.negative, 1) ?? emptySide();
}

/**
 * `later − earlier` for cumulative snapshots of one series, both first brought to a common scale
 * and threshold; undefined when any bucket or the zero count went down (a reset). Min and max of
 * the difference are unknown.
 */
export function subtractExp(
  later: ExpHistogramState,
  earlier: ExpHistogramState,
): ExpHistogramState | undefined {
  const scale = commonScale(later, earlier);
  const threshold = Math.max(later.zeroThreshold, earlier.zeroThreshold);
  const a = rescaled(later, scale, threshold);
  const b = rescaled(earlier, scale, threshold);
  const positive = combineSides(a.positive, b.positive, -1);
  const negative = combineSides(a.negative, b.negative, -1);
  const zeroCount = a.zeroCount - b.zeroCount;
  const count = later.count - earlier.count;
  if (positive === undefined || negative === undefined || zeroCount < 0 || count < 0) return undefined;
  return {
    count,
    ...subtractStats(later, earlier, count),
    scale,
    zeroThreshold: threshold,
    zeroCount,
    positive,
    negative,
  };
}

function isCount(c: number): boolean {
  return Number.isSafeInteger(c) && c >= 0;
}

function pointSide(offset: number, counts: readonly number[], scale: number): ExpSide | undefined {
  if (!Number.isSafeInteger(offset) || !counts.every(isCount)) return undefined;
  const unit = 2 ** -scale;
  if (counts.length > 0 && (offset * unit < -MAX_LOG2 || (offset + counts.length) * unit > MAX_LOG2))
    return undefined;
  const side = trimmedSide(offset, counts.slice(), undefined);
  side.span = presentSpan(side);
  return side;
}

/**
 * The normalized state of a single point (scale at most 20 and fitting MAX_EXP_BUCKETS, buckets
 * below its threshold in the zero count), including one without observations; undefined when the
 * point is malformed (normalization rejects those: scale outside [−10, 100], negative or
 * fractional counts, indices beyond the double range).
 */
export function expFromPoint(point: ExponentialHistogramPoint): ExpHistogramState | undefined {
  const { scale } = point;
  if (!Number.isSafeInteger(scale) || scale < MIN_EXP_SCALE || scale > MAX_POINT_SCALE) return undefined;
  if (!isCount(point.zeroCount)) return undefined;
  const positive = pointSide(point.positive.offset, point.positive.bucketCounts, scale);
  const negative = pointSide(point.negative.offset, point.negative.bucketCounts, scale);
  if (positive === undefined || negative === undefined) return undefined;
  let count = point.zeroCount;
  for (const c of positive.counts) count += c;
  for (const c of negative.counts) count += c;
  if (!Number.isSafeInteger(count)) return undefined;
  const t = point.zeroThreshold;
  const raw: ExpHistogramState = {
    count,
    ...pointStats(count, point.sum, point.min, point.max),
    scale,
    zeroThreshold: Number.isFinite(t) && t > 0 ? t : 0,
    zeroCount: point.zeroCount,
    positive,
    negative,
  };
  const state = emptyExpState();
  mergeExpInto(state, raw);
  return state;
}
