import type { AggregateKind } from '../aggregate/contract.js';
import { readTaggedState, type TaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';

/** Version byte of a packed partial; bump on any layout change and keep reading the old ones. */
export const PARTIAL_CODEC_VERSION = 1;

export interface PackedEntry {
  readonly seriesId: string;
  /** The id's 16 bytes (see `SeriesRef.idBytes`). */
  readonly idBytes: Uint8Array;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

export interface UnpackedEntry extends TaggedState {
  readonly seriesId: string;
}

/**
 * Packs the states of many series (one window, one shard) into one byte string: a version byte, the
 * entry count, then per entry the 16-byte series id and the tagged state. Entries are written in
 * seriesId order, so the same states always give the same bytes — a retried request rewrites its
 * partial byte for byte (DESIGN.md §3: a retry never counts twice).
 *
 * One writer for the whole pack: per-state writers cost an allocation and a copy each, which
 * measured as ~13% of the ingest path (`npx tsx bench/pipeline.ts`).
 */
export function packStates(entries: Iterable<PackedEntry>): Uint8Array {
  const sorted = [...entries].sort((a, b) =>
    a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0,
  );
  const out = new ByteWriter(256 + sorted.length * 96);
  out.u8(PARTIAL_CODEC_VERSION);
  out.uvarint(sorted.length);
  for (const entry of sorted) {
    if (entry.idBytes.length !== 16) throw new StateCodecError(`series id of ${entry.idBytes.length} bytes`);
    out.raw(entry.idBytes);
    writeTaggedState(entry.kind, entry.state, out);
  }
  return out.finish();
}

/**
 * Like {@link packStates}, split into chunks of at most about `maxChunkBytes` each (DynamoDB items
 * are limited to 400 KB). The split depends only on the states (seriesId order, encoded sizes), so
 * a retried request produces the same chunks, and each chunk is a complete pack on its own.
 */
export function packStatesChunked(entries: Iterable<PackedEntry>, maxChunkBytes: number): Uint8Array[] {
  const sorted = [...entries].sort((a, b) =>
    a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0,
  );
  const chunks: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let currentBytes = 0;
  const flush = () => {
    const out = new ByteWriter(currentBytes + 16);
    out.u8(PARTIAL_CODEC_VERSION);
    out.uvarint(current.length);
    for (const entry of current) out.raw(entry);
    chunks.push(out.finish());
    current = [];
    currentBytes = 0;
  };
  for (const entry of sorted) {
    const one = new ByteWriter(96);
    if (entry.idBytes.length !== 16) throw new StateCodecError(`series id of ${entry.idBytes.length} bytes`);
    one.raw(entry.idBytes);
    writeTaggedState(entry.kind, entry.state, one);
    const bytes = one.finish();
    if (current.length > 0 && currentBytes + bytes.length > maxChunkBytes) flush();
    current.push(bytes);
    currentBytes += bytes.length;
  }
  if (current.length > 0 || chunks.length === 0) flush();
  return chunks;
}

/** Reads what {@link packStates} wrote. @throws StateCodecError on corrupt or truncated bytes. */
export function unpackStates(bytes: Uint8Array): UnpackedEntry[] {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== PARTIAL_CODEC_VERSION) throw new StateCodecError(`unknown partial version ${version}`);
  const count = input.uvarint();
  // Every entry takes at least 17 bytes: a count past that is corrupt, not a reason to loop.
  if (count > bytes.length / 17)
    throw new StateCodecError(`partial claims ${count} entries in ${bytes.length} bytes`);
  const out: UnpackedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const seriesId = readSeriesId(input);
    out.push({ seriesId, ...readTaggedState(input) });
  }
  if (!input.done) throw new StateCodecError('trailing bytes after packed partial');
  return out;
}

function readSeriesId(input: ByteReader): string {
  const bytes = input.raw(16);
  let id = '';
  for (const b of bytes) id += b.toString(16).padStart(2, '0');
  return id;
}
