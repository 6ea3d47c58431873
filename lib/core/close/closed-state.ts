import type { CumulativeBaseline, CumulativeState } from '../aggregate/cumulative.js';
import { cumulativeBaseline, cumulativeKind } from '../aggregate/cumulative.js';
import { readTaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { compressFrame, inflateFrame } from '../codec/deflate-frame.js';
import { StateCodecError } from '../errors.js';
import { seriesIdBytes, seriesIdHex } from '../series/id.js';
import type { MergedSeries } from './merge.js';

/** Version byte of a closed-state chunk. */
export const CLOSED_STATE_CODEC_VERSION = 1;
/** Version 1 compressed (lib/core/codec/deflate-frame.ts): what chunks are written as when smaller. */
export const CLOSED_STATE_COMPRESSED = 2;

/**
 * One series in a window's closed state: its merged state when it had data in the window, and for
 * cumulative series the baseline to carry into the next window (DESIGN.md §3: cumulative
 * sums use the previous window's closed state as the baseline). A quiet cumulative series has only a carry.
 */
export interface ClosedEntry {
  readonly tenant: string;
  readonly seriesId: string;
  readonly merged?: MergedSeries;
  readonly carry?: CumulativeBaseline;
}

const HAS_STATE = 1;
const HAS_CARRY = 2;

/** A baseline as a one-run cumulative state, so the cumulative codec stores it. */
function carryState(carry: CumulativeBaseline): CumulativeState {
  const last = { timeMs: carry.timeMs, timeNs: carry.timeNs, value: carry.value };
  return {
    snapshot: carry.snapshot,
    runs: [{ startMs: carry.startMs, startNs: carry.startNs, first: last, last, points: 1 }],
  };
}

function compareEntries(a: ClosedEntry, b: ClosedEntry): number {
  if (a.tenant !== b.tenant) return a.tenant < b.tenant ? -1 : 1;
  return a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0;
}

/**
 * Encodes a closed state into chunks of about `maxChunkBytes` (DynamoDB items ≤ 400 KB). Layout per
 * chunk: version byte, entry count, then per entry: tenant (string), 16-byte series id, flags
 * (1 = merged state follows, 2 = carry follows), the tagged state, the carry as a cumulative state.
 * Entries are sorted by (tenant, seriesId): the same closed state always gives the same bytes.
 *
 * @example
 * const chunks = encodeClosedState(entries, 350_000);
 * decodeClosedState(chunks); // the same entries, sorted
 */
export function encodeClosedState(entries: Iterable<ClosedEntry>, maxChunkBytes: number): Uint8Array[] {
  const sorted = [...entries].sort(compareEntries);
  const chunks: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let bytes = 0;
  const flush = () => {
    const out = new ByteWriter(bytes + 16);
    out.u8(CLOSED_STATE_CODEC_VERSION);
    out.uvarint(parts.length);
    for (const p of parts) out.raw(p);
    chunks.push(compressFrame(out.finish(), CLOSED_STATE_COMPRESSED));
    parts = [];
    bytes = 0;
  };
  for (const entry of sorted) {
    // An entry with neither would be written with flags 0, which the decoder refuses: nothing to keep.
    if (entry.merged === undefined && entry.carry === undefined) continue;
    const one = new ByteWriter(128);
    one.string(entry.tenant);
    one.raw(seriesIdBytes(entry.seriesId));
    one.u8((entry.merged ? HAS_STATE : 0) | (entry.carry ? HAS_CARRY : 0));
    if (entry.merged) writeTaggedState(entry.merged.kind, entry.merged.state, one);
    if (entry.carry) cumulativeKind.encode(carryState(entry.carry), one);
    const encoded = one.finish();
    if (parts.length > 0 && bytes + encoded.length > maxChunkBytes) flush();
    parts.push(encoded);
    bytes += encoded.length;
  }
  if (parts.length > 0 || chunks.length === 0) flush();
  return chunks;
}

/** Reads every chunk of a closed state. @throws StateCodecError on corrupt bytes. */
export function decodeClosedState(chunks: readonly Uint8Array[]): ClosedEntry[] {
  const out: ClosedEntry[] = [];
  for (const stored of chunks) {
    const chunk = inflateFrame(stored, CLOSED_STATE_COMPRESSED, CLOSED_STATE_CODEC_VERSION);
    const input = new ByteReader(chunk);
    const version = input.u8();
    if (version !== CLOSED_STATE_CODEC_VERSION)
      throw new StateCodecError(`unknown closed-state version ${version}`);
    const count = input.uvarint();
    if (count > chunk.length / 18)
      throw new StateCodecError(`closed state claims ${count} entries in ${chunk.length} bytes`);
    for (let i = 0; i < count; i++) {
      const tenant = input.string();
      const seriesId = seriesIdHex(input.raw(16));
      const flags = input.u8();
      if (flags === 0 || flags > (HAS_STATE | HAS_CARRY))
        throw new StateCodecError(`closed-state entry flags ${flags}`);
      let merged: MergedSeries | undefined;
      if (flags & HAS_STATE) {
        const { kind, state } = readTaggedState(input);
        merged = { tenant, seriesId, kind, state };
      }
      const carry =
        flags & HAS_CARRY ? cumulativeBaseline(cumulativeKind.decode(input) as CumulativeState) : undefined;
      if (flags & HAS_CARRY && carry === undefined) throw new StateCodecError('empty carry in closed state');
      out.push({ tenant, seriesId, ...(merged ? { merged } : {}), ...(carry ? { carry } : {}) });
    }
    if (!input.done) throw new StateCodecError('trailing bytes after closed state');
  }
  return out;
}
