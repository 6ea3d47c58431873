import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { decodeSketch } from '../sketch/index.js';
import { emptyNumberState, type NumberState, setSingleValue } from './number-state.js';
import { setTimed } from './timed-value.js';

/**
 * The number state encoding, version 1. Sized for DynamoDB, which bills every started KB: a
 * single-point state (the common case in a request partial) takes 10–20 bytes, and everything that
 * can be derived is left out.
 *
 * ```
 * u8       version << 4 | flags   (bit 0: sum kind, bit 1: compensation term follows the sum,
 *                                  bit 2: values are integers, written as svarints instead of f64)
 * uvarint  count                          — nothing more when 0
 * svarint  first.timeMs, uvarint first.timeNs, num first.value
 *                                         — nothing more when 1: sum = min = max = mean = value
 * uvarint  last.timeMs − first.timeMs, uvarint last.timeNs, num last.value
 * num      sum.hi, [f64 sum.lo]
 * f64      mean, f64 m2
 * sketch                                  — carries the exact min and max, so they are not repeated
 * ```
 * `num` is an f64, or an svarint when bit 2 is set. The encoding is canonical (one state, one byte
 * string), so a decoded state re-encodes to the very same bytes.
 */
export const NUMBER_CODEC_VERSION = 1;

const FLAG_SUM_KIND = 1;
const FLAG_COMPENSATED = 2;
const FLAG_INTEGRAL = 4;
const KNOWN_FLAGS = FLAG_SUM_KIND | FLAG_COMPENSATED | FLAG_INTEGRAL;

/** Integers up to 2^48 take ≤ 7 bytes as svarints; beyond that an f64 is no bigger. */
const MAX_VARINT_VALUE = 2 ** 48;

function isSmallInteger(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) <= MAX_VARINT_VALUE;
}

function isIntegral(state: NumberState): boolean {
  if (!isSmallInteger(state.first.value)) return false;
  if (state.count === 1) return true;
  return isSmallInteger(state.last.value) && isSmallInteger(state.sum.hi) && state.sum.lo === 0;
}

export function encodeNumberState(state: NumberState, out: ByteWriter): void {
  const { count, sum } = state;
  const integral = count > 0 && isIntegral(state);
  const compensated = count > 1 && sum.lo !== 0;
  const flags =
    (state.isSum ? FLAG_SUM_KIND : 0) | (compensated ? FLAG_COMPENSATED : 0) | (integral ? FLAG_INTEGRAL : 0);
  out.u8((NUMBER_CODEC_VERSION << 4) | flags);
  out.uvarint(count);
  if (count === 0) return;
  const num = integral ? (v: number) => out.svarint(v) : (v: number) => out.f64(v);
  const { first, last } = state;
  out.svarint(first.timeMs);
  out.uvarint(first.timeNs);
  num(first.value);
  if (count === 1) return;
  const { sketch } = state;
  if (sketch === undefined) throw new StateCodecError('number state of count ≥ 2 without a sketch');
  out.uvarint(last.timeMs - first.timeMs);
  out.uvarint(last.timeNs);
  num(last.value);
  num(sum.hi);
  if (compensated) out.f64(sum.lo);
  out.f64(state.mean);
  out.f64(state.m2);
  sketch.encode(out);
}

function readNs(input: ByteReader): number {
  const ns = input.uvarint();
  if (ns > 999_999) throw new StateCodecError(`nanosecond remainder out of range: ${ns}`);
  return ns;
}

/** Reads what {@link encodeNumberState} wrote; throws {@link StateCodecError} on anything else. */
export function decodeNumberState(input: ByteReader): NumberState {
  const header = input.u8();
  const version = header >> 4;
  const flags = header & 0x0f;
  if (version !== NUMBER_CODEC_VERSION) throw new StateCodecError(`unknown number state version ${version}`);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new StateCodecError(`unknown number state flags ${flags}`);
  const state = emptyNumberState();
  state.isSum = (flags & FLAG_SUM_KIND) !== 0;
  const count = input.uvarint();
  if (count === 0) {
    if ((flags & ~FLAG_SUM_KIND) !== 0) throw new StateCodecError('empty number state with value flags');
    return state;
  }
  const num = (flags & FLAG_INTEGRAL) !== 0 ? () => input.svarint() : () => input.f64();
  const firstMs = input.svarint();
  const firstNs = readNs(input);
  const firstValue = num();
  if (count === 1) {
    if ((flags & FLAG_COMPENSATED) !== 0)
      throw new StateCodecError('single-value number state with a sum term');
    setSingleValue(state, firstValue, firstMs, firstNs);
    return state;
  }
  const lastMs = firstMs + input.uvarint();
  const lastNs = readNs(input);
  const lastValue = num();
  const hi = num();
  const lo = (flags & FLAG_COMPENSATED) !== 0 ? input.f64() : 0;
  if ((flags & FLAG_COMPENSATED) !== 0 && lo === 0) throw new StateCodecError('zero sum term flagged');
  const mean = input.f64();
  const m2 = input.f64();
  const sketch = decodeSketch(input);
  if (sketch.count !== count) {
    throw new StateCodecError(`number state count ${count} disagrees with its sketch (${sketch.count})`);
  }
  // Written into the empty state's own parts: no object literals (see NumberStateData).
  state.count = count;
  state.sum.hi = hi;
  state.sum.lo = lo;
  state.min = sketch.min;
  state.max = sketch.max;
  state.mean = mean;
  state.m2 = m2;
  setTimed(state.first, firstMs, firstNs, firstValue);
  setTimed(state.last, lastMs, lastNs, lastValue);
  state.sketch = sketch;
  return state;
}
