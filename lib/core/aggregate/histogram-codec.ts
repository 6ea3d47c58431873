import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { emptyHistogramState, type HistogramState, histogramState } from './histogram-state.js';
import { readStats, STATS_FLAG_BITS, statsFlags, writeStats } from './histogram-stats.js';

/**
 * The explicit-bucket histogram state encoding, version 1:
 *
 * ```
 * u8       version
 * u8       flags     (bits 0–4: which of sum/min/max are known and how the sum is written, see
 *                     histogram-stats.ts; bit 5: bounds are integers, written as svarints)
 * uvarint  bounds.length + 1            — 0 for the empty state, and nothing follows
 * num      bounds…                      (svarint or f64)
 * uvarint  counts…                      (bounds.length + 1 of them; count is their sum)
 * [sum] [f64 min] [f64 max]             — as the flags say; nothing when count is 0
 * ```
 * OpenTelemetry's default bounds (0, 5, 10, 25, … 10000) take 1–3 bytes each instead of 8, and a
 * one-point state with them is about 60 bytes (16 of them the f64 min and max). Canonical: a decoded state re-encodes to the same bytes.
 */
export const HISTOGRAM_CODEC_VERSION = 1;

const INTEGER_BOUNDS = 32;
const KNOWN_FLAGS = STATS_FLAG_BITS | INTEGER_BOUNDS;

function integerBounds(bounds: readonly number[]): boolean {
  return bounds.every((b) => Number.isSafeInteger(b));
}

/** The state without the version byte (also used inside cumulative snapshots). */
export function writeHistogramBody(state: HistogramState, out: ByteWriter): void {
  const { bounds } = state;
  if (bounds === undefined) {
    out.u8(0);
    out.uvarint(0);
    return;
  }
  const integral = integerBounds(bounds);
  out.u8(statsFlags(state, state.count) | (integral ? INTEGER_BOUNDS : 0));
  out.uvarint(bounds.length + 1);
  for (const b of bounds) {
    if (integral) out.svarint(b);
    else out.f64(b);
  }
  for (const c of state.counts) out.uvarint(c);
  writeStats(out, state, state.count);
}

export function readHistogramBody(input: ByteReader): HistogramState {
  const flags = input.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new StateCodecError(`unknown histogram flags ${flags}`);
  const buckets = input.uvarint();
  if (buckets === 0) {
    if (flags !== 0) throw new StateCodecError('histogram flags without buckets');
    return emptyHistogramState();
  }
  const bounds: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < buckets - 1; i++) {
    // `+ 0`: a −0 bound is 0 (layouts compare with ===).
    const b = ((flags & INTEGER_BOUNDS) !== 0 ? input.svarint() : input.f64()) + 0;
    if (!Number.isFinite(b) || !(b > previous)) throw new StateCodecError('histogram bounds not increasing');
    bounds.push(b);
    previous = b;
  }
  const counts: number[] = [];
  let count = 0;
  for (let i = 0; i < buckets; i++) {
    const c = input.uvarint();
    counts.push(c);
    count += c;
  }
  if (!Number.isSafeInteger(count)) throw new StateCodecError('histogram count out of range');
  return histogramState(count, readStats(input, flags & STATS_FLAG_BITS, count), bounds, counts);
}

export function encodeHistogramState(state: HistogramState, out: ByteWriter): void {
  out.u8(HISTOGRAM_CODEC_VERSION);
  writeHistogramBody(state, out);
}

/** Reads what {@link encodeHistogramState} wrote; throws {@link StateCodecError} on anything else. */
export function decodeHistogramState(input: ByteReader): HistogramState {
  const version = input.u8();
  if (version !== HISTOGRAM_CODEC_VERSION)
    throw new StateCodecError(`unknown histogram state version ${version}`);
  return readHistogramBody(input);
}
