import type { QuantileSketch } from '../sketch/contract.js';
import { createSketch } from '../sketch/index.js';
import { addToSum, type CompensatedSum, mergeSums, Neumaier } from './compensated-sum.js';
import type { AggregateOptions } from './contract.js';
import { addMoment, mergeMoments } from './moments.js';
import {
  assignTimed,
  isEarlier,
  isEarlierThan,
  isLater,
  isLaterThan,
  setTimed,
  Timed,
  type TimedValue,
} from './timed-value.js';

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

/**
 * The one layout of every NumberState, built with `new` like everything the state holds (its sum,
 * first and last, its sketch): V8 tracks object-literal sites and, when their objects keep
 * surviving young collections — as a request's states do until they are encoded — allocates them
 * straight into the old generation, where short-lived states then cost full mark-compact
 * collections (the same trap as the decoded points, see lib/core/otlp/points.ts). With literals the
 * figures of `npx tsx test/bench/aggregate-adds.ts` depended on the process: `empty()` + one add took
 * 90 or 300 ns, and writing first/last in place (instead of a new pair per state) pushed number add
 * from ~110 to ~220 ns/add. With classes: ~48 ns and ~95 ns/add, run after run.
 *
 * Field representation is chosen per field, for short states first: `mean` and `m2` are `declare`d
 * (assigned first in the constructor, so V8 keeps them as unboxed doubles updated in place: they
 * change on every add), the others are plain class fields (defined as `undefined` first, so V8
 * keeps them tagged: no heap-number box to allocate per state for min/max, rarely rewritten).
 * Measured (`npx tsx test/bench/aggregate-adds.ts`, and 10,000 values into one state as
 * test/bench/aggregate.ts does, best of 9 rounds): all tagged 46 ns per one-point state and ~490 µs per
 * 10k; all unboxed 80 ns and ~420 µs; this mix (with Neumaier's unboxed hi/lo) ~49 ns and ~440 µs,
 * the 10k figure of the literal-based code.
 * Plain data, no methods: states compare and clone like literals.
 */
class NumberStateData implements NumberState {
  isSum: boolean;
  count: number;
  sum: CompensatedSum;
  min: number;
  max: number;
  declare mean: number;
  declare m2: number;
  first: TimedValue;
  last: TimedValue;
  sketch: QuantileSketch | undefined;

  constructor(
    isSum: boolean,
    count: number,
    sum: CompensatedSum,
    min: number,
    max: number,
    mean: number,
    m2: number,
    first: TimedValue,
    last: TimedValue,
    sketch: QuantileSketch | undefined,
  ) {
    this.isSum = isSum;
    this.count = count;
    this.sum = sum;
    this.min = min;
    this.max = max;
    this.mean = mean;
    this.m2 = m2;
    this.first = first;
    this.last = last;
    this.sketch = sketch;
  }
}

export function emptyNumberState(): NumberState {
  return new NumberStateData(
    false,
    0,
    new Neumaier(0, 0),
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    0,
    new Timed(0, 0, 0),
    new Timed(0, 0, 0),
    undefined,
  );
}

function newSketch(options: AggregateOptions): QuantileSketch {
  return createSketch({
    relativeAccuracy: options.sketchRelativeAccuracy,
    maxBuckets: options.sketchMaxBuckets,
  });
}

/**
 * Makes an empty `state` hold exactly one value (the shape `add` and `decode` both produce), in its
 * own sum/first/last objects: nothing else holds them (states never share parts).
 */
export function setSingleValue(state: NumberState, value: number, timeMs: number, timeNs: number): void {
  state.count = 1;
  state.sum.hi = value;
  state.sum.lo = 0;
  state.min = value;
  state.max = value;
  state.mean = value;
  state.m2 = 0;
  setTimed(state.first, timeMs, timeNs, value);
  setTimed(state.last, timeMs, timeNs, value);
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
  // Compared field by field, not as a `{ timeMs, timeNs, value }` object: no allocation per add.
  if (isEarlierThan(timeMs, timeNs, x, state.first)) setTimed(state.first, timeMs, timeNs, x);
  if (isLaterThan(timeMs, timeNs, x, state.last)) setTimed(state.last, timeMs, timeNs, x);
}

/** A deep copy (the sketch included). */
export function cloneNumberState(state: NumberState): NumberState {
  const { first, last } = state;
  return new NumberStateData(
    state.isSum,
    state.count,
    new Neumaier(state.sum.hi, state.sum.lo),
    state.min,
    state.max,
    state.mean,
    state.m2,
    new Timed(first.timeMs, first.timeNs, first.value),
    new Timed(last.timeMs, last.timeNs, last.value),
    state.sketch?.clone(),
  );
}

/** Merges `source` into `target`; `source` is untouched and shares nothing with `target` after. */
export function mergeNumberInto(target: NumberState, source: NumberState, options: AggregateOptions): void {
  target.isSum ||= source.isSum;
  if (source.count === 0) return;
  if (target.count === 0) {
    // Copied into the target's own parts rather than `Object.assign(target, clone(source))`: the
    // clone's state object was garbage the moment it was made.
    target.count = source.count;
    target.sum.hi = source.sum.hi;
    target.sum.lo = source.sum.lo;
    target.min = source.min;
    target.max = source.max;
    target.mean = source.mean;
    target.m2 = source.m2;
    assignTimed(target.first, source.first);
    assignTimed(target.last, source.last);
    target.sketch = source.sketch?.clone();
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
