import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { NormalizedPoint } from '../point.js';
import type { FinalizeContext, FinalStats } from './contract.js';
import { compareTimes, type EventTime } from './timed-value.js';

/**
 * The generic machinery of cumulative → delta conversion, over any snapshot type `T` (a counter
 * value, a cumulative histogram, a summary's count and sum) described by {@link SnapshotOps}.
 *
 * A cumulative series is a sequence of RUNS, one per start time: the sender restarts the counter
 * from zero at each new start time. The state keeps, per run, its earliest and latest snapshot and
 * how many points it saw. Merging is a union of runs keyed by start time, keeping per run the
 * earliest first and the latest last; equal timestamps are decided by comparing the snapshots
 * (`ops.compare`), never by argument order. The state is thus a function of the set of points,
 * so merge is exactly associative and commutative, and fold order cannot matter.
 */
export interface SnapshotOps<T> {
  /** The snapshot of a point, or undefined when the point is not of this type or is malformed. */
  fromPoint(point: NormalizedPoint): T | undefined;
  /** `later − earlier`, or undefined when `later` is below `earlier` somewhere: a reset. */
  subtract(later: T, earlier: T): T | undefined;
  /** A new value; neither argument is changed. */
  add(a: T, b: T): T;
  zero(): T;
  /** A total order consistent with equality, for deterministic tie-breaks. */
  compare(a: T, b: T): number;
  write(out: ByteWriter, value: T): void;
  read(input: ByteReader): T;
  /** A cheap shape check for values arriving from outside (a baseline in a FinalizeContext). */
  isValue(value: unknown): value is T;
  /** The window's stats from its increase, the points seen and the last cumulative value. */
  finalize(increase: T, points: number, last: T, context: FinalizeContext): FinalStats;
}

/** Snapshots are never changed once made, so states may share them. */
export interface Observation<T> extends Readonly<EventTime> {
  readonly value: T;
}

export interface CumulativeRun<T> {
  /** The run's start time (the OTLP point's start); 0/0 when the sender gave none. */
  readonly startMs: number;
  readonly startNs: number;
  first: Observation<T>;
  last: Observation<T>;
  /** Points seen in this run. */
  points: number;
}

/**
 * The previous window's last snapshot and its run's start: what the first increase of the next
 * window is measured from.
 */
export interface Baseline<T> extends Readonly<EventTime> {
  readonly startMs: number;
  readonly startNs: number;
  readonly value: T;
}

/**
 * Runs kept per state. A run is one process lifetime of one series; OpenTelemetry SDKs usually put
 * a fresh `service.instance.id` on every process, which makes a restart a new series, so several
 * runs in one series mean restarts under a stable identity (a container restarting in its pod).
 * Past 16 in one window — including the 1h and 1d tiers, which merge their children's runs — the
 * runs with the EARLIEST start times are dropped: their increases are lost (the window's increase
 * is then a lower bound) while the latest value and the next baseline stay intact. "The 16 latest
 * starts of the union" is itself associative and commutative. Anything cleverer (folding dropped
 * runs into a settled total) is not: a dropped run's contribution depends on runs that other
 * partials still hold.
 */
export const MAX_RUNS = 16;

function compareStarts(
  a: { startMs: number; startNs: number },
  b: { startMs: number; startNs: number },
): number {
  return a.startMs !== b.startMs ? a.startMs - b.startMs : a.startNs - b.startNs;
}

function compareObservations<T>(a: Observation<T>, b: Observation<T>, ops: SnapshotOps<T>): number {
  return compareTimes(a, b) || ops.compare(a.value, b.value);
}

function combine<T>(a: CumulativeRun<T>, b: CumulativeRun<T>, ops: SnapshotOps<T>): CumulativeRun<T> {
  return {
    startMs: a.startMs,
    startNs: a.startNs,
    first: compareObservations(b.first, a.first, ops) < 0 ? b.first : a.first,
    last: compareObservations(b.last, a.last, ops) > 0 ? b.last : a.last,
    points: a.points + b.points,
  };
}

/** The union of two run lists (each sorted by start), as new run objects; the inputs are untouched. */
export function mergeRuns<T>(
  a: readonly CumulativeRun<T>[],
  b: readonly CumulativeRun<T>[],
  ops: SnapshotOps<T>,
): CumulativeRun<T>[] {
  const out: CumulativeRun<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && compareStarts(x, y) < 0)) {
      out.push({ ...(x as CumulativeRun<T>) });
      i++;
    } else if (x === undefined || compareStarts(x, y) > 0) {
      out.push({ ...y });
      j++;
    } else {
      out.push(combine(x, y, ops));
      i++;
      j++;
    }
  }
  return out.length > MAX_RUNS ? out.slice(out.length - MAX_RUNS) : out;
}

/** The run of one observation. */
export function singleRun<T>(
  startMs: number,
  startNs: number,
  observation: Observation<T>,
): CumulativeRun<T> {
  return { startMs, startNs, first: observation, last: observation, points: 1 };
}

/** The run whose last snapshot is the latest (by time, then start, then value). */
export function latestRun<T>(
  runs: readonly CumulativeRun<T>[],
  ops: SnapshotOps<T>,
): CumulativeRun<T> | undefined {
  let best: CumulativeRun<T> | undefined;
  for (const run of runs) {
    if (best === undefined) {
      best = run;
      continue;
    }
    const order =
      compareTimes(run.last, best.last) ||
      compareStarts(run, best) ||
      ops.compare(run.last.value, best.last.value);
    if (order > 0) best = run;
  }
  return best;
}

/**
 * How long after its start time a series' first snapshot may come and still count in full when no
 * baseline is known: SDKs export one interval (60 s by default) after start, Prometheus scrapes
 * within a scrape interval; 10 minutes covers both with room for a slow first export.
 */
export const FRESH_START_MS = 10 * 60_000;

/**
 * What a run adds before its first snapshot in this window:
 * - the baseline is of the same run → first − baseline (a decrease is a reset: first in full);
 * - any run after the earliest → first in full (the counter restarted from zero at its start);
 * - the earliest run started after the baseline was taken → first in full;
 * - with no usable baseline, the earliest run's first snapshot counts in full only when its start
 *   time is known and fresh (at most {@link FRESH_START_MS} before that snapshot): a new process
 *   whose first export came one export interval after it started. Otherwise nothing: the series was
 *   running long before windrow saw it, and counting its whole history into this window would be a
 *   spike no window really had (the Collector's cumulativetodelta drops such a first point too).
 *
 * The decision depends on the run alone, never on the window's bounds, so a 1m window and the 1h
 * window holding it agree and rollups equal the sum of their children.
 */
function headIncrease<T>(
  run: CumulativeRun<T>,
  earliest: boolean,
  baseline: Baseline<T> | undefined,
  ops: SnapshotOps<T>,
): T | undefined {
  if (baseline !== undefined && compareStarts(run, baseline) === 0) {
    return ops.subtract(run.first.value, baseline.value) ?? run.first.value;
  }
  if (!earliest) return run.first.value;
  if (baseline !== undefined && compareTimes({ timeMs: run.startMs, timeNs: run.startNs }, baseline) > 0) {
    return run.first.value;
  }
  const known = run.startMs > 0 || run.startNs > 0;
  if (known && run.first.timeMs - run.startMs <= FRESH_START_MS) return run.first.value;
  return undefined;
}

/**
 * The increase over the window: Σ over runs of (last − first) plus each run's head (see
 * `headIncrease`). A last below its first (a reset the sender did not mark with a new start time)
 * counts the last in full. With only the first and last of a run kept, a reset and recovery in the
 * middle of a run is invisible: the increase is then a lower bound, never an over-count.
 *
 * @example
 * ```ts
 * // window [12:00, 12:01); baseline: start 11:00, value 100 at 11:59:50
 * // run A (start 11:00): 110 @ 12:00:10 … 130 @ 12:00:30   → (110 − 100) + (130 − 110) = 30
 * // run B (start 12:00:35, the process restarted): 5 @ 12:00:40 … 12 @ 12:00:50 → 5 + (12 − 5) = 12
 * // increase = 42, last = 12, and the next window's baseline is (start 12:00:35, 12 @ 12:00:50)
 * ```
 */
export function runsIncrease<T>(
  runs: readonly CumulativeRun<T>[],
  baseline: Baseline<T> | undefined,
  ops: SnapshotOps<T>,
): T {
  let total = ops.zero();
  for (const [i, run] of runs.entries()) {
    const rest = ops.subtract(run.last.value, run.first.value);
    const head = headIncrease(run, i === 0, baseline, ops);
    // The whole run counts (its first snapshot in full, no reset in between): the increase is its
    // last snapshot itself, min and max included — (last − first) + first would lose them, since a
    // difference of snapshots has no min or max (found with the OpenTelemetry Python SDK: a fresh
    // cumulative histogram's 10 s window had count and sum but no min/max).
    if (head === run.first.value && rest !== undefined) {
      total = ops.add(total, run.last.value);
      continue;
    }
    total = ops.add(total, rest ?? run.last.value);
    if (head !== undefined) total = ops.add(total, head);
  }
  return total;
}
