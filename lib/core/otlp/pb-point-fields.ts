/**
 * What the protobuf data-point readers (pb-points.ts, pb-histograms.ts) share: the scratch times every
 * point fills, fixed64 time and count readers, and the known-field check for wire types.
 */
import type { PointTimes } from './normalize.js';
import { nanosToMs, type WireReader, WireType, wrongWireType } from './wire.js';

export const LEN = WireType.len;
export const I64 = WireType.fixed64;
export const VARINT = WireType.varint;
export const TWO_32 = 4294967296;
/** hi halves at or above this make a uint64 count exceed 2^53. */
const SAFE_HI = 0x200000;

// Scratch reused by every point: NormalizedPoints copy what they keep.
export const times: PointTimes = { timeMs: 0, timeNs: 0, startMs: 0, startNs: 0 };
const nanos = { ms: 0, ns: 0 };

export function readTime(r: WireReader, end: number, start: boolean): void {
  r.fixed64(end);
  nanosToMs(r.lo, r.hi, nanos);
  if (start) {
    times.startMs = nanos.ms;
    times.startNs = nanos.ns;
  } else {
    times.timeMs = nanos.ms;
    times.timeNs = nanos.ns;
  }
}

export function resetTimes(): void {
  times.timeMs = 0;
  times.timeNs = 0;
  times.startMs = 0;
  times.startNs = 0;
}

/** fixed64 count → number; NaN beyond 2^53 (refused as not an exact count). */
export function readCount(r: WireReader, end: number): number {
  r.fixed64(end);
  return r.hi >= SAFE_HI ? Number.NaN : r.hi * TWO_32 + r.lo;
}

/** uint64 varint count → number; NaN beyond 2^53 (refused as not an exact count). */
export function uint64Count(r: WireReader, end: number): number {
  r.varint64(end);
  return r.hi >= SAFE_HI ? Number.NaN : r.hi * TWO_32 + r.lo;
}

/** Known fields per point message: a known field with an unexpected wire type is an error. */
export const NUMBER_FIELDS = fieldSet([2, 3, 4, 6, 7, 8]);
export const HISTOGRAM_FIELDS = fieldSet([2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
export const EXPONENTIAL_FIELDS = fieldSet([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]);
export const SUMMARY_FIELDS = fieldSet([2, 3, 4, 5, 6, 7, 8]);

function fieldSet(fields: number[]): number {
  let bits = 0;
  for (const f of fields) bits |= 1 << f;
  return bits;
}

export function checkUnknown(tag: number, known: number, message: string): void {
  const field = tag >>> 3;
  if (field < 31 && (known & (1 << field)) !== 0) throw wrongWireType(message, field, tag & 7);
}
