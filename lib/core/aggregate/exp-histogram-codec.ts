import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { type ExpSide, type ExpSpan, presentSpan } from './exp-buckets.js';
import {
  type ExpHistogramState,
  emptyExpState,
  MAX_EXP_BUCKETS,
  MAX_EXP_SCALE,
  MIN_EXP_SCALE,
} from './exp-histogram-state.js';
import { readStats, STATS_FLAG_BITS, statsFlags, writeStats } from './histogram-stats.js';

/**
 * The exponential histogram state encoding, version 1:
 *
 * ```
 * u8       version
 * u8       flags     (bits 0–4: sum/min/max, see histogram-stats.ts; bit 5: a zero threshold
 *                     follows; bits 6/7: the positive/negative span is wider than its buckets)
 * svarint  scale
 * uvarint  zeroCount
 * [f64     zeroThreshold]
 * per side, positive then negative:
 *   uvarint  counts.length·2 + bitmap, [svarint offset, counts…]
 *   [svarint span.low, uvarint span.high − span.low]
 * [sum] [f64 min] [f64 max]
 * ```
 * Counts are varints (1 byte below 128). A few dozen values spread over ~100 buckets at the scale
 * an SDK picks, most of them empty, so a side with many zeros is written as a presence bitmap and
 * its non-zero counts: 40 latencies at scale 6 (118 buckets, 32 of them non-zero) take 80 bytes,
 * 24 of them the f64 sum, min and max (plain varints would take 118 for the counts alone). Canonical: a decoded state re-encodes to the same
 * bytes.
 */
export const EXP_HISTOGRAM_CODEC_VERSION = 1;

const HAS_THRESHOLD = 32;
const WIDE_POSITIVE = 64;
const WIDE_NEGATIVE = 128;
const KNOWN_FLAGS = STATS_FLAG_BITS | HAS_THRESHOLD | WIDE_POSITIVE | WIDE_NEGATIVE;

/** Whether the span must be written: it is not simply the range of the present buckets. */
function isWide(side: ExpSide): boolean {
  const present = presentSpan(side);
  if (side.span === undefined) return false;
  return present === undefined || present.low !== side.span.low || present.high !== side.span.high;
}

/**
 * Counts, either as plain varints or — when more than an eighth of them are zero, which makes it
 * smaller — as a presence bitmap followed by the non-zero counts. The choice is a function of the
 * counts, so the encoding stays canonical.
 */
function usesBitmap(counts: readonly number[]): boolean {
  let zeros = 0;
  for (const c of counts) if (c === 0) zeros++;
  return zeros > Math.ceil(counts.length / 8);
}

function writeCounts(out: ByteWriter, counts: readonly number[], bitmap: boolean): void {
  if (!bitmap) {
    for (const c of counts) out.uvarint(c);
    return;
  }
  for (let i = 0; i < counts.length; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8 && i + b < counts.length; b++) if (counts[i + b] !== 0) byte |= 1 << b;
    out.u8(byte);
  }
  for (const c of counts) if (c !== 0) out.uvarint(c);
}

function readCounts(input: ByteReader, n: number, bitmap: boolean): number[] {
  const counts: number[] = [];
  if (!bitmap) {
    for (let i = 0; i < n; i++) counts.push(input.uvarint());
  } else {
    const present: boolean[] = [];
    for (let i = 0; i < n; i += 8) {
      const byte = input.u8();
      for (let b = 0; b < 8; b++) {
        const set = (byte & (1 << b)) !== 0;
        if (i + b < n) present.push(set);
        else if (set) throw new StateCodecError('bucket bitmap bit past the last bucket');
      }
    }
    for (const p of present) {
      const c = p ? input.uvarint() : 0;
      if (p && c === 0) throw new StateCodecError('zero count marked present');
      counts.push(c);
    }
  }
  if (usesBitmap(counts) !== bitmap) throw new StateCodecError('non-canonical bucket encoding');
  return counts;
}

function writeSide(out: ByteWriter, side: ExpSide, wide: boolean): void {
  const bitmap = usesBitmap(side.counts);
  out.uvarint(side.counts.length * 2 + (bitmap ? 1 : 0));
  if (side.counts.length > 0) {
    out.svarint(side.offset);
    writeCounts(out, side.counts, bitmap);
  }
  if (wide && side.span !== undefined) {
    out.svarint(side.span.low);
    out.uvarint(side.span.high - side.span.low);
  }
}

/** The state without the version byte (also used inside cumulative snapshots). */
export function writeExpBody(s: ExpHistogramState, out: ByteWriter): void {
  const widePositive = isWide(s.positive);
  const wideNegative = isWide(s.negative);
  out.u8(
    statsFlags(s, s.count) |
      (s.zeroThreshold > 0 ? HAS_THRESHOLD : 0) |
      (widePositive ? WIDE_POSITIVE : 0) |
      (wideNegative ? WIDE_NEGATIVE : 0),
  );
  out.svarint(s.scale);
  out.uvarint(s.zeroCount);
  if (s.zeroThreshold > 0) out.f64(s.zeroThreshold);
  writeSide(out, s.positive, widePositive);
  writeSide(out, s.negative, wideNegative);
  writeStats(out, s, s.count);
}

function readSide(input: ByteReader, wide: boolean, scale: number, threshold: number): ExpSide {
  const header = input.uvarint();
  const n = Math.floor(header / 2);
  if (n > MAX_EXP_BUCKETS) throw new StateCodecError(`too many exponential buckets: ${n}`);
  const offset = n > 0 ? input.svarint() : 0;
  const counts = readCounts(input, n, header % 2 === 1);
  if (n > 0 && (counts[0] === 0 || counts[n - 1] === 0))
    throw new StateCodecError('untrimmed exponential buckets');
  const present = n > 0 ? { low: offset, high: offset + n - 1 } : undefined;
  let span: ExpSpan | undefined = present;
  if (wide) {
    const low = input.svarint();
    span = { low, high: low + input.uvarint() };
    if (present !== undefined && (present.low < span.low || present.high > span.high)) {
      throw new StateCodecError('exponential buckets outside their span');
    }
  }
  if (span !== undefined) {
    const unit = 2 ** -scale;
    if (span.high - span.low + 1 > MAX_EXP_BUCKETS) throw new StateCodecError('exponential span too wide');
    if (Math.abs(span.low * unit) > 1100 || Math.abs(span.high * unit) > 1100) {
      throw new StateCodecError('exponential bucket index beyond the double range');
    }
  }
  // A decoded state must be one a merge could produce: nothing left below the zero threshold.
  if (present !== undefined && threshold > 0 && offset * 2 ** -scale < Math.log2(threshold)) {
    throw new StateCodecError('exponential buckets below the zero threshold');
  }
  return { offset, counts, span };
}

export function readExpBody(input: ByteReader): ExpHistogramState {
  const flags = input.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new StateCodecError(`unknown exponential histogram flags ${flags}`);
  const scale = input.svarint();
  if (scale < MIN_EXP_SCALE || scale > MAX_EXP_SCALE)
    throw new StateCodecError(`scale out of range: ${scale}`);
  const zeroCount = input.uvarint();
  let zeroThreshold = 0;
  if ((flags & HAS_THRESHOLD) !== 0) {
    zeroThreshold = input.f64();
    if (!(zeroThreshold > 0 && Number.isFinite(zeroThreshold)))
      throw new StateCodecError('bad zero threshold');
  }
  const positive = readSide(input, (flags & WIDE_POSITIVE) !== 0, scale, zeroThreshold);
  const negative = readSide(input, (flags & WIDE_NEGATIVE) !== 0, scale, zeroThreshold);
  let count = zeroCount;
  for (const c of positive.counts) count += c;
  for (const c of negative.counts) count += c;
  if (!Number.isSafeInteger(count)) throw new StateCodecError('exponential histogram count out of range');
  const stats = readStats(input, flags & STATS_FLAG_BITS, count);
  return { ...emptyExpState(), count, ...stats, scale, zeroThreshold, zeroCount, positive, negative };
}

export function encodeExpState(state: ExpHistogramState, out: ByteWriter): void {
  out.u8(EXP_HISTOGRAM_CODEC_VERSION);
  writeExpBody(state, out);
}

/** Reads what {@link encodeExpState} wrote; throws {@link StateCodecError} on anything else. */
export function decodeExpState(input: ByteReader): ExpHistogramState {
  const version = input.u8();
  if (version !== EXP_HISTOGRAM_CODEC_VERSION) {
    throw new StateCodecError(`unknown exponential histogram state version ${version}`);
  }
  return readExpBody(input);
}
