import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { emptySummaryState, type SummaryState } from './summary-state.js';

/**
 * The summary state encoding, version 1:
 *
 * ```
 * u8       version << 4 | flags   (bit 0: compensation term follows the sum,
 *                                  bit 1: the sum is an integer, written as an svarint)
 * uvarint  points                         — nothing more when 0
 * uvarint  count
 * num      sum.hi, [f64 sum.lo]
 * svarint  first.timeMs, uvarint first.timeNs
 * uvarint  last.timeMs − first.timeMs, uvarint last.timeNs   — only when points > 1
 * ```
 * Canonical: a decoded state re-encodes to the same bytes.
 */
export const SUMMARY_CODEC_VERSION = 1;

const FLAG_COMPENSATED = 1;
const FLAG_INTEGRAL = 2;
const KNOWN_FLAGS = FLAG_COMPENSATED | FLAG_INTEGRAL;
const MAX_VARINT_VALUE = 2 ** 48;

export function encodeSummaryState(state: SummaryState, out: ByteWriter): void {
  const { points, sum } = state;
  const compensated = points > 0 && sum.lo !== 0;
  const integral =
    points > 0 && !compensated && Number.isInteger(sum.hi) && Math.abs(sum.hi) <= MAX_VARINT_VALUE;
  out.u8(
    (SUMMARY_CODEC_VERSION << 4) | (compensated ? FLAG_COMPENSATED : 0) | (integral ? FLAG_INTEGRAL : 0),
  );
  out.uvarint(points);
  if (points === 0) return;
  out.uvarint(state.count);
  if (integral) out.svarint(sum.hi);
  else out.f64(sum.hi);
  if (compensated) out.f64(sum.lo);
  out.svarint(state.first.timeMs);
  out.uvarint(state.first.timeNs);
  if (points === 1) return;
  out.uvarint(state.last.timeMs - state.first.timeMs);
  out.uvarint(state.last.timeNs);
}

function readNs(input: ByteReader): number {
  const ns = input.uvarint();
  if (ns > 999_999) throw new StateCodecError(`nanosecond remainder out of range: ${ns}`);
  return ns;
}

/** Reads what {@link encodeSummaryState} wrote; throws {@link StateCodecError} on anything else. */
export function decodeSummaryState(input: ByteReader): SummaryState {
  const header = input.u8();
  const version = header >> 4;
  const flags = header & 0x0f;
  if (version !== SUMMARY_CODEC_VERSION)
    throw new StateCodecError(`unknown summary state version ${version}`);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new StateCodecError(`unknown summary state flags ${flags}`);
  const state = emptySummaryState();
  const points = input.uvarint();
  if (points === 0) {
    if (flags !== 0) throw new StateCodecError('empty summary state with value flags');
    return state;
  }
  if ((flags & FLAG_COMPENSATED) !== 0 && (flags & FLAG_INTEGRAL) !== 0) {
    throw new StateCodecError('summary sum flagged both compensated and integral');
  }
  state.points = points;
  state.count = input.uvarint();
  state.sum.hi = (flags & FLAG_INTEGRAL) !== 0 ? input.svarint() : input.f64();
  if ((flags & FLAG_COMPENSATED) !== 0) {
    state.sum.lo = input.f64();
    if (state.sum.lo === 0) throw new StateCodecError('zero sum term flagged');
  }
  const firstMs = input.svarint();
  state.first = { timeMs: firstMs, timeNs: readNs(input) };
  state.last =
    points === 1 ? { ...state.first } : { timeMs: firstMs + input.uvarint(), timeNs: readNs(input) };
  return state;
}
