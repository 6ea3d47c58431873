import { addToSum, type CompensatedSum, mergeSums } from './compensated-sum.js';
import { compareTimes, type EventTime } from './timed-value.js';

/**
 * The mergeable state of one summary series (delta view) in one window: how many summary points
 * arrived, the observations they count, the sum of those observations, and when the first and last
 * points arrived (the event span session windows are built from).
 *
 * Quantiles are not kept. A point's quantiles describe its own observations only, and the quantile
 * of a union is no function of the parts' quantiles: the medians of {1, 2, 3} and of
 * {4, 5, 100, 101, 102} are 2 and 100, the union's median is 4, and nothing computed from (2, 3
 * observations) and (100, 5 observations) gives it. Clients also usually compute them over their own
 * sliding time window, not the reporting interval, so they do not even describe the same
 * observations as count and sum.
 */
export interface SummaryState {
  /** Summary points added; 0 means empty (a point may well report 0 observations). */
  points: number;
  /** Observations (sum of the points' counts). */
  count: number;
  sum: CompensatedSum;
  /** Earliest and latest point times; meaningless while empty. */
  first: EventTime;
  last: EventTime;
}

export function emptySummaryState(): SummaryState {
  return {
    points: 0,
    count: 0,
    sum: { hi: 0, lo: 0 },
    first: { timeMs: 0, timeNs: 0 },
    last: { timeMs: 0, timeNs: 0 },
  };
}

/** Adds one summary point's (delta) count and sum, observed at `time`. */
export function addSummary(state: SummaryState, count: number, sum: number, time: Readonly<EventTime>): void {
  if (state.points === 0) {
    state.first = { timeMs: time.timeMs, timeNs: time.timeNs };
    state.last = { timeMs: time.timeMs, timeNs: time.timeNs };
  } else {
    if (compareTimes(time, state.first) < 0) state.first = { timeMs: time.timeMs, timeNs: time.timeNs };
    if (compareTimes(time, state.last) > 0) state.last = { timeMs: time.timeMs, timeNs: time.timeNs };
  }
  state.points += 1;
  state.count += count;
  // `+ 0` turns -0 into 0, so the bytes never depend on which zero came first.
  addToSum(state.sum, sum + 0);
}

export function cloneSummaryState(state: SummaryState): SummaryState {
  return {
    points: state.points,
    count: state.count,
    sum: { ...state.sum },
    first: { ...state.first },
    last: { ...state.last },
  };
}

/** Merges `source` into `target`; `source` is untouched and shares nothing with `target` after. */
export function mergeSummaryInto(target: SummaryState, source: SummaryState): void {
  if (source.points === 0) return;
  if (target.points === 0) {
    Object.assign(target, cloneSummaryState(source));
    return;
  }
  if (compareTimes(source.first, target.first) < 0) target.first = { ...source.first };
  if (compareTimes(source.last, target.last) > 0) target.last = { ...source.last };
  target.points += source.points;
  target.count += source.count;
  mergeSums(target.sum, source.sum);
}
