import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError, WindrowError } from '../errors.js';
import type { AggregateKind, FinalizeContext, FinalStats } from './contract.js';
import { readRuns, writeRuns } from './cumulative-codec.js';
import {
  type Baseline,
  type CumulativeRun,
  latestRun,
  mergeRuns,
  runsIncrease,
  type SnapshotOps,
  singleRun,
} from './cumulative-runs.js';
import {
  expSnapshots,
  histogramSnapshots,
  SnapshotType,
  type SummarySnapshot,
  summarySnapshots,
  sumSnapshots,
} from './cumulative-snapshots.js';
import type { ExpHistogramState } from './exp-histogram-state.js';
import type { HistogramState } from './histogram-state.js';

export type { Baseline, CumulativeRun, Observation, SnapshotOps } from './cumulative-runs.js';
export { MAX_RUNS } from './cumulative-runs.js';
export { SnapshotType, type SummarySnapshot } from './cumulative-snapshots.js';

/** One-byte state tag of {@link cumulativeKind} (the order of `StateKindName`, from 1). */
export const CUMULATIVE_KIND_TAG = 2;
export const CUMULATIVE_CODEC_VERSION = 1;

export type Snapshot = number | HistogramState | ExpHistogramState | SummarySnapshot;

/**
 * The state of one cumulative series in one window: its runs (see cumulative-runs.ts) and the type
 * of snapshot they hold, set by the first point (undefined while empty).
 */
export interface CumulativeState {
  snapshot: SnapshotType | undefined;
  runs: CumulativeRun<Snapshot>[];
}

/** The baseline carried from one window to the next; `FinalizeContext.baseline` takes it. */
export interface CumulativeBaseline extends Baseline<Snapshot> {
  readonly snapshot: SnapshotType;
}

const OPS: { readonly [K in SnapshotType]: SnapshotOps<Snapshot> } = {
  // Each run list only ever holds values its own ops made (the snapshot type is fixed by the first
  // point and checked on every add and merge), which is what makes these widenings sound.
  sum: sumSnapshots as SnapshotOps<Snapshot>,
  histogram: histogramSnapshots as SnapshotOps<Snapshot>,
  exponentialHistogram: expSnapshots as SnapshotOps<Snapshot>,
  summary: summarySnapshots as SnapshotOps<Snapshot>,
};

const TYPE_CODES: readonly (SnapshotType | undefined)[] = [
  undefined,
  SnapshotType.sum,
  SnapshotType.histogram,
  SnapshotType.exponentialHistogram,
  SnapshotType.summary,
];

const POINT_SNAPSHOT = {
  number: SnapshotType.sum,
  histogram: SnapshotType.histogram,
  exponentialHistogram: SnapshotType.exponentialHistogram,
  summary: SnapshotType.summary,
} as const;

function emptyCumulativeState(): CumulativeState {
  return { snapshot: undefined, runs: [] };
}

function sameSnapshot(a: SnapshotType | undefined, b: SnapshotType | undefined): SnapshotType | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new WindrowError(`cannot merge cumulative ${a} and ${b} states (one series has one type)`);
  }
  return a ?? b;
}

function mergeCumulativeInto(target: CumulativeState, source: CumulativeState): void {
  const snapshot = sameSnapshot(target.snapshot, source.snapshot);
  if (snapshot === undefined) return;
  target.runs = mergeRuns(target.runs, source.runs, OPS[snapshot]);
  target.snapshot = snapshot;
}

function isTime(ms: unknown, ns: unknown): boolean {
  return (
    Number.isSafeInteger(ms) &&
    (ms as number) >= 0 &&
    Number.isSafeInteger(ns) &&
    (ns as number) >= 0 &&
    (ns as number) <= 999_999
  );
}

/** `context.baseline` when it is a baseline of this snapshot type (anything else is ignored). */
function baselineFor(snapshot: SnapshotType, value: unknown): CumulativeBaseline | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const b = value as Partial<Record<keyof CumulativeBaseline, unknown>>;
  if (b.snapshot !== snapshot || !isTime(b.startMs, b.startNs) || !isTime(b.timeMs, b.timeNs))
    return undefined;
  return OPS[snapshot].isValue(b.value) ? (value as CumulativeBaseline) : undefined;
}

/**
 * The increase of the window (see `runsIncrease` in cumulative-runs.ts for the rules) and what the
 * snapshot type reports from it:
 * - sums: count (points), sum (the increase), rate (increase per second of the window), last;
 * - histograms and exponential histograms: the stats of the increase as a delta histogram —
 *   count, sum, avg, percentiles and buckets (min and max only when the whole increase is snapshots
 *   counted in full, as the min/max of a difference are unknown);
 * - summaries: count and sum of the increase.
 * An empty state finalizes to `{ count: 0 }`.
 */
function finalizeCumulative(state: CumulativeState, context: FinalizeContext): FinalStats {
  const { snapshot, runs } = state;
  const latest = snapshot === undefined ? undefined : latestRun(runs, OPS[snapshot]);
  if (snapshot === undefined || latest === undefined) return { count: 0 };
  const ops = OPS[snapshot];
  const baseline = baselineFor(snapshot, context.baseline);
  const increase = runsIncrease(runs, baseline, ops);
  let points = 0;
  for (const run of runs) points += run.points;
  return ops.finalize(increase, points, latest.last.value, context);
}

/**
 * The window's increase as a value of its snapshot type (what {@link finalizeCumulative} reports
 * from): a delta histogram state for histograms, the increase of the count and sum for summaries,
 * a number for sums. Undefined for an empty state. Grouping across series (lib/core/group) merges
 * these, never the cumulative snapshots: each series counts from its own start.
 */
export function cumulativeIncrease(
  state: CumulativeState,
  baseline: unknown,
): { readonly snapshot: SnapshotType; readonly increase: Snapshot } | undefined {
  const { snapshot, runs } = state;
  if (snapshot === undefined || runs.length === 0) return undefined;
  return { snapshot, increase: runsIncrease(runs, baselineFor(snapshot, baseline), OPS[snapshot]) };
}

function encodeCumulative(state: CumulativeState, out: ByteWriter): void {
  out.u8(CUMULATIVE_CODEC_VERSION);
  out.u8(TYPE_CODES.indexOf(state.snapshot));
  if (state.snapshot !== undefined) writeRuns(out, state.runs, OPS[state.snapshot]);
}

function decodeCumulative(input: ByteReader): CumulativeState {
  const version = input.u8();
  if (version !== CUMULATIVE_CODEC_VERSION)
    throw new StateCodecError(`unknown cumulative state version ${version}`);
  const code = input.u8();
  if (code >= TYPE_CODES.length) throw new StateCodecError(`unknown cumulative snapshot type ${code}`);
  const snapshot = TYPE_CODES[code];
  if (snapshot === undefined) return emptyCumulativeState();
  return { snapshot, runs: readRuns(input, OPS[snapshot]) };
}

/**
 * The baseline to carry into the next window from this window's closed state: the latest run's
 * last snapshot with its start time. When the window saw no points, `previous` (the baseline this
 * window was finalized with) is carried on, so a quiet window does not lose the series' position.
 *
 * @example
 * ```ts
 * const baseline = cumulativeBaseline(closedState, previousBaseline);
 * cumulativeKind.finalize(nextState, { windowStartMs, windowEndMs, percentiles, baseline });
 * ```
 */
export function cumulativeBaseline(
  state: CumulativeState,
  previous?: unknown,
): CumulativeBaseline | undefined {
  const { snapshot } = state;
  if (snapshot === undefined) {
    if (typeof previous !== 'object' || previous === null) return undefined;
    const type = (previous as { snapshot?: unknown }).snapshot;
    return TYPE_CODES.includes(type as SnapshotType)
      ? baselineFor(type as SnapshotType, previous)
      : undefined;
  }
  const run = latestRun(state.runs, OPS[snapshot]);
  if (run === undefined) return undefined;
  const { startMs, startNs } = run;
  const { timeMs, timeNs, value } = run.last;
  return { snapshot, startMs, startNs, timeMs, timeNs, value };
}

/**
 * Cumulative → delta conversion, reset-aware, for cumulative monotonic sums, cumulative explicit
 * and exponential histograms, and summaries (whose count and sum are cumulative in OTLP). One kind
 * for all four — the state records which snapshot type it holds — so the one `cumulative` tag
 * covers them; the registry routes every cumulative point here.
 *
 * The state keeps runs keyed by start time, each with its first and last snapshot and its point
 * count; merge is a union of runs (exactly associative and commutative), bounded to the 16 runs
 * with the latest starts. `finalize` turns the runs and `context.baseline` (from
 * {@link cumulativeBaseline} of the previous window's closed state) into the window's increase.
 *
 * @example
 * ```ts
 * // window [12:00, 12:01), baseline { snapshot: 'sum', start 11:00, 100 @ 11:59:50 }
 * // points (start, value @ time): (11:00, 130 @ 12:00:30), (11:00, 110 @ 12:00:10),
 * //                               (12:00:35, 12 @ 12:00:50), (12:00:35, 5 @ 12:00:40)  — any order
 * cumulativeKind.finalize(state, { windowStartMs, windowEndMs, percentiles: [], baseline });
 * // → { count: 4, sum: 42, rate: 0.7, last: 12 }
 * //   (110 − 100) + (130 − 110) in the first run, 5 + (12 − 5) in the restarted one
 * ```
 */
export const cumulativeKind: AggregateKind<CumulativeState> = {
  tag: CUMULATIVE_KIND_TAG,
  name: 'cumulative',
  empty: emptyCumulativeState,
  add(state, point) {
    const snapshot = sameSnapshot(state.snapshot, POINT_SNAPSHOT[point.type]);
    if (snapshot === undefined) return;
    const value = OPS[snapshot].fromPoint(point);
    // Malformed points are rejected by normalization; one that slipped through is dropped.
    if (value === undefined || !isTime(point.startMs, point.startNs) || !isTime(point.timeMs, point.timeNs))
      return;
    const run = singleRun(point.startMs, point.startNs, {
      timeMs: point.timeMs,
      timeNs: point.timeNs,
      value,
    });
    state.runs = mergeRuns(state.runs, [run], OPS[snapshot]);
    state.snapshot = snapshot;
  },
  merge(a, b) {
    const out = { snapshot: a.snapshot, runs: a.runs.map((r) => ({ ...r })) };
    mergeCumulativeInto(out, b);
    return out;
  },
  mergeInto: mergeCumulativeInto,
  finalize: finalizeCumulative,
  encode: encodeCumulative,
  decode: decodeCumulative,
};
