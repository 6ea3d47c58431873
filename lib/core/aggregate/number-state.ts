import type { QuantileSketch } from '../sketch/contract.js';
import { createSketch } from '../sketch/index.js';
import { addToSum, type CompensatedSum, mergeSums } from './compensated-sum.js';
import type { AggregateOptions } from './contract.js';
import { addMoment, mergeMoments } from './moments.js';
import { assignTimed, isEarlier, isLater, type TimedValue } from './timed-value.js';

/**
 * The mergeable state of one number series (gauge, delta sum, simple points) in one window.
 * `count`, `mean` and `m2` are the Welford/Chan moments (see moments.ts).
 *
 * The sketch is created only when a second value arrives: most states in a request partial hold a
 * single point, whose quantiles are the value itself, and skipping the sketch there saves both the
 * allocation on the hot path and ~30 bytes of encoding.
 * Invariant: `sketch` is defined iff `count ≥ 2`, and then holds every value exactly once.
 */
export interface NumberState {
  /** The series is an OTLP Sum (rate is reported); set from the metric kind of the points. */
  isSum: boolean;
  count: number;
  sum: CompensatedSum;
  /** +Infinity / −Infinity while empty. */
  min: number;
  max: number;
  mean: number;
  m2: number;
  /** Earliest point; at equal times the smaller value. Meaningless while empty. */
  first: TimedValue;
  /** Latest point; at equal times the larger value. Meaningless while empty. */
  last: TimedValue;
  sketch: QuantileSketch | undefined;
}

export function emptyNumberState(): NumberState {
  return {
    isSum: false,
    count: 0,
    sum: { hi: 0, lo: 0 },
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    mean: 0,
    m2: 0,
    first: { timeMs: 0, timeNs: 0, value: 0 },
    last: { timeMs: 0, timeNs: 0, value: 0 },
    sketch: undefined,
  };
}

function newSketch(options: AggregateOptions): QuantileSketch {
  return createSketch({
    relativeAccuracy: options.sketchRelativeAccuracy,
    maxBuckets: options.sketchMaxBuckets,
  });
}

/** Makes an empty `state` hold exactly one value (the shape `add` and `decode` both produce). */
export function setSingleValue(state: NumberState, value: number, timeMs: number, timeNs: number): void {
  state.count = 1;
  state.sum.hi = value;
  state.sum.lo = 0;
  state.min = value;
  state.max = value;
  state.mean = value;
  state.m2 = 0;
  state.first = { timeMs, timeNs, value };
  state.last = { timeMs, timeNs, value };
  state.sketch = undefined;
}

/** The sketch of a state about to grow past one value, created on first need. */
function sketchOf(state: NumberState, options: AggregateOptions): QuantileSketch {
  if (state.sketch !== undefined) return state.sketch;
  const sketch = newSketch(options);
  // Only a single-value state has no sketch (invariant): its one value is `first.value`.
  if (state.count === 1) sketch.add(state.first.value);
  state.sketch = sketch;
  return sketch;
}

/**
 * Adds one finite value observed at (timeMs, timeNs). `-0` is stored as `0`, so min/max and the
 * encoding never depend on which zero came first.
 */
export function addValue(
  state: NumberState,
  value: number,
  timeMs: number,
  timeNs: number,
  options: AggregateOptions,
): void {
  const x = value + 0;
  if (state.count === 0) {
    setSingleValue(state, x, timeMs, timeNs);
    return;
  }
  sketchOf(state, options).add(x);
  addToSum(state.sum, x);
  addMoment(state, x);
  if (x < state.min) state.min = x;
  if (x > state.max) state.max = x;
  const point = { timeMs, timeNs, value: x };
  if (isEarlier(point, state.first)) assignTimed(state.first, point);
  if (isLater(point, state.last)) assignTimed(state.last, point);
}

/** A deep copy (the sketch included). */
export function cloneNumberState(state: NumberState): NumberState {
  return {
    isSum: state.isSum,
    count: state.count,
    sum: { ...state.sum },
    min: state.min,
    max: state.max,
    mean: state.mean,
    m2: state.m2,
    first: { ...state.first },
    last: { ...state.last },
    sketch: state.sketch?.clone(),
  };
}

/** Merges `source` into `target`; `source` is untouched and shares nothing with `target` after. */
export function mergeNumberInto(target: NumberState, source: NumberState, options: AggregateOptions): void {
  target.isSum ||= source.isSum;
  if (source.count === 0) return;
  if (target.count === 0) {
    Object.assign(target, cloneNumberState(source), { isSum: target.isSum });
    return;
  }
  const sketch = sketchOf(target, options);
  if (source.sketch === undefined) sketch.add(source.first.value);
  else sketch.mergeFrom(source.sketch);
  mergeSums(target.sum, source.sum);
  mergeMoments(target, source);
  if (source.min < target.min) target.min = source.min;
  if (source.max > target.max) target.max = source.max;
  if (isEarlier(source.first, target.first)) assignTimed(target.first, source.first);
  if (isLater(source.last, target.last)) assignTimed(target.last, source.last);
}
