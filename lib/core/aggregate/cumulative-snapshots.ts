import type { ByteReader } from '../codec/bytes.js';
import { ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import type { FinalStats } from './contract.js';
import type { SnapshotOps } from './cumulative-runs.js';
import { finalizeExp } from './exp-histogram.js';
import { readExpBody, writeExpBody } from './exp-histogram-codec.js';
import {
  cloneExpState,
  type ExpHistogramState,
  emptyExpState,
  expFromPoint,
  mergeExpInto,
  subtractExp,
} from './exp-histogram-state.js';
import { finalizeHistogram } from './histogram.js';
import { readHistogramBody, writeHistogramBody } from './histogram-codec.js';
import {
  cloneHistogramState,
  emptyHistogramState,
  type HistogramState,
  histogramFromPoint,
  mergeHistogramInto,
  subtractHistogram,
} from './histogram-state.js';

/**
 * The snapshot types a cumulative series can carry, one {@link SnapshotOps} each:
 * - `sum`: a monotonic cumulative Sum's value. A decrease is a reset. (Non-monotonic cumulative
 *   sums — UpDownCounters — go up and down legitimately and belong with gauges, not here.)
 * - `histogram` / `exponentialHistogram`: a cumulative histogram; any bucket going down is a reset.
 *   The increase is itself a (delta) histogram and finalizes like one.
 * - `summary`: an OTLP Summary's count and sum, which are cumulative since the start time; the
 *   count going down is a reset (the sum may fall with negative observations).
 */
export const SnapshotType = {
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponentialHistogram',
  summary: 'summary',
} as const;
export type SnapshotType = (typeof SnapshotType)[keyof typeof SnapshotType];

export interface SummarySnapshot {
  readonly count: number;
  readonly sum: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function compareBytes<T>(a: T, b: T, write: (out: ByteWriter, v: T) => void): number {
  const x = new ByteWriter();
  write(x, a);
  const y = new ByteWriter();
  write(y, b);
  const p = x.finish();
  const q = y.finish();
  for (let i = 0; i < Math.min(p.length, q.length); i++) {
    if (p[i] !== q[i]) return (p[i] as number) - (q[i] as number);
  }
  return p.length - q.length;
}

// ---------------------------------------------------------------------------------------------------
// A number as one varint when it is a small integer (a counter, usually), else a tagged f64:
// uvarint 2·zigzag(v) for integers up to 2^48, or uvarint 1 then f64.

const MAX_VARINT_VALUE = 2 ** 48;

function isSmallInteger(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) <= MAX_VARINT_VALUE;
}

export function writeNumber(out: ByteWriter, v: number): void {
  if (isSmallInteger(v)) {
    out.uvarint((v >= 0 ? v * 2 : -v * 2 - 1) * 2);
  } else {
    out.uvarint(1);
    out.f64(v);
  }
}

export function readNumber(input: ByteReader): number {
  const x = input.uvarint();
  if (x % 2 === 0) {
    const z = x / 2;
    // `+ 0`: zigzag 0 is 0, never −0.
    return (z % 2 === 0 ? z / 2 : -(z + 1) / 2) + 0;
  }
  if (x !== 1) throw new StateCodecError(`bad number tag ${x}`);
  const v = input.f64();
  if (!Number.isFinite(v) || isSmallInteger(v)) throw new StateCodecError(`non-canonical number ${v}`);
  return v;
}

// ---------------------------------------------------------------------------------------------------

/** A monotonic counter: finalizes to count (points), sum (the increase), rate (per second over the
 *  window) and last (the latest cumulative value). */
export const sumSnapshots: SnapshotOps<number> = {
  fromPoint(point) {
    if (point.type !== 'number' || !Number.isFinite(point.value)) return undefined;
    return point.value + 0;
  },
  subtract: (later, earlier) => (later >= earlier ? later - earlier : undefined),
  add: (a, b) => a + b,
  zero: () => 0,
  compare: (a, b) => a - b,
  write: writeNumber,
  read: readNumber,
  isValue: (v): v is number => typeof v === 'number' && Number.isFinite(v),
  finalize(increase, points, last, context) {
    const stats: FinalStats = { count: points, sum: increase, last };
    const seconds = (context.windowEndMs - context.windowStartMs) / 1000;
    if (seconds > 0) stats.rate = increase / seconds;
    return stats;
  },
};

function compareCountsThenBytes<T extends { count: number }>(write: (out: ByteWriter, v: T) => void) {
  return (a: T, b: T) => a.count - b.count || compareBytes(a, b, write);
}

/** A cumulative explicit-bucket histogram: finalizes like a delta histogram of the increase. */
export const histogramSnapshots: SnapshotOps<HistogramState> = {
  fromPoint: (point) => (point.type === 'histogram' ? histogramFromPoint(point) : undefined),
  subtract: subtractHistogram,
  add(a, b) {
    const out = cloneHistogramState(a);
    mergeHistogramInto(out, b);
    return out;
  },
  zero: emptyHistogramState,
  compare: compareCountsThenBytes((out, v) => writeHistogramBody(v, out)),
  write: (out, v) => writeHistogramBody(v, out),
  read: readHistogramBody,
  isValue: (v): v is HistogramState => isObject(v) && typeof v.count === 'number' && Array.isArray(v.counts),
  finalize: (increase, _points, _last, context) => finalizeHistogram(increase, context),
};

/** A cumulative exponential histogram: finalizes like a delta one of the increase. */
export const expSnapshots: SnapshotOps<ExpHistogramState> = {
  fromPoint: (point) => (point.type === 'exponentialHistogram' ? expFromPoint(point) : undefined),
  subtract: subtractExp,
  add(a, b) {
    const out = cloneExpState(a);
    mergeExpInto(out, b);
    return out;
  },
  zero: emptyExpState,
  compare: compareCountsThenBytes((out, v) => writeExpBody(v, out)),
  write: (out, v) => writeExpBody(v, out),
  read: readExpBody,
  isValue: (v): v is ExpHistogramState =>
    isObject(v) && typeof v.count === 'number' && typeof v.scale === 'number' && isObject(v.positive),
  finalize: (increase, _points, _last, context) => finalizeExp(increase, context),
};

/** A summary's cumulative count and sum: finalizes to the count and sum of the increase. */
export const summarySnapshots: SnapshotOps<SummarySnapshot> = {
  fromPoint(point) {
    if (point.type !== 'summary') return undefined;
    const { count, sum } = point;
    if (!Number.isSafeInteger(count) || count < 0 || !Number.isFinite(sum)) return undefined;
    return { count, sum: sum + 0 };
  },
  subtract: (later, earlier) =>
    later.count >= earlier.count
      ? { count: later.count - earlier.count, sum: later.sum - earlier.sum + 0 }
      : undefined,
  add: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
  zero: () => ({ count: 0, sum: 0 }),
  compare: (a, b) => a.count - b.count || a.sum - b.sum,
  write(out, v) {
    out.uvarint(v.count);
    writeNumber(out, v.sum);
  },
  read: (input) => ({ count: input.uvarint(), sum: readNumber(input) }),
  isValue: (v): v is SummarySnapshot =>
    isObject(v) && typeof v.count === 'number' && typeof v.sum === 'number',
  finalize: (increase) => ({ count: increase.count, sum: increase.sum }),
};
