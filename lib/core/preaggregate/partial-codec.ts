import type { AggregateKind } from '../aggregate/contract.js';
import { readTaggedState, type TaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { compressFrame, inflateFrame } from '../codec/deflate-frame.js';
import { StateCodecError } from '../errors.js';
import { seriesIdHex } from '../series/id.js';

/**
 * Version byte of a packed partial; bump on any layout change and keep reading the old ones.
 * Version 1 (no tenant) never left development: partials of a closed child window hold the series
 * of many tenants, and the close needs each series' tenant to find it in the catalog.
 */
export const PARTIAL_CODEC_VERSION = 2;
/** Version 2 compressed (lib/core/codec/deflate-frame.ts): what packs are written as when smaller. */
export const PARTIAL_CODEC_COMPRESSED = 3;

export interface PackedEntry {
  readonly tenant: string;
  readonly seriesId: string;
  /** The id's 16 bytes (see `SeriesRef.idBytes`). */
  readonly idBytes: Uint8Array;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

export interface UnpackedEntry extends TaggedState {
  readonly tenant: string;
  readonly seriesId: string;
}

function byTenantThenId(a: PackedEntry, b: PackedEntry): number {
  if (a.tenant !== b.tenant) return a.tenant < b.tenant ? -1 : 1;
  return a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0;
}

/** A run of encoded entries of one tenant: `bytes[from, to)` of the shared encoding. */
interface Section {
  readonly tenant: string;
  readonly count: number;
  readonly from: number;
  readonly to: number;
}

/** Writes a version byte, the section count, then per section: tenant, entry count, entries. */
function writePack(encoded: Uint8Array, sections: readonly Section[]): Uint8Array {
  let size = 8;
  for (const s of sections) size += s.to - s.from + s.tenant.length * 3 + 10;
  const out = new ByteWriter(size);
  out.u8(PARTIAL_CODEC_VERSION);
  out.uvarint(sections.length);
  for (const s of sections) {
    out.string(s.tenant);
    out.uvarint(s.count);
    out.raw(encoded.subarray(s.from, s.to));
  }
  return compressFrame(out.finish(), PARTIAL_CODEC_COMPRESSED);
}

/**
 * Packs the states of many series (one window, one shard) into one byte string: a version byte, the
 * number of tenant sections, then per tenant its name, its entry count and its entries (the 16-byte
 * series id and the tagged state). Entries are written in (tenant, seriesId) order, so the same
 * states always give the same bytes — a retried request rewrites its partial byte for byte
 * (DESIGN.md §7: a retry never counts twice). A request has one tenant, so its partials carry the
 * name once; a closed child window's partial has a section per tenant.
 */
export function packStates(entries: Iterable<PackedEntry>): Uint8Array {
  const [only] = packStatesChunked(entries, Number.POSITIVE_INFINITY);
  return only as Uint8Array;
}

/**
 * Like {@link packStates}, split into chunks of at most about `maxChunkBytes` each (DynamoDB items
 * are limited to 400 KB). The split depends only on the states ((tenant, seriesId) order, encoded
 * sizes), so a retried request produces the same chunks, and each chunk is a complete pack on its
 * own.
 */
export function packStatesChunked(entries: Iterable<PackedEntry>, maxChunkBytes: number): Uint8Array[] {
  const sorted = [...entries].sort(byTenantThenId);
  // One writer for every entry, then chunks copy ranges of it: per-entry writers cost an allocation
  // and a copy each, measured as ~13% of the ingest path (`npx tsx test/bench/pipeline.ts`).
  const all = new ByteWriter(256 + sorted.length * 96);
  const ends = new Array<number>(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const entry = sorted[i] as PackedEntry;
    if (entry.idBytes.length !== 16) throw new StateCodecError(`series id of ${entry.idBytes.length} bytes`);
    all.raw(entry.idBytes);
    writeTaggedState(entry.kind, entry.state, all);
    ends[i] = all.length;
  }
  const encoded = all.finish();

  const chunks: Uint8Array[] = [];
  let sections: Section[] = [];
  let chunkBytes = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    const tenant = (sorted[i] as PackedEntry).tenant;
    const to = ends[i] as number;
    const last = sections[sections.length - 1];
    // A tenant section costs its name and a count: counted with the entry that opens it.
    const opens = last === undefined || last.tenant !== tenant;
    const cost = to - from + (opens ? tenant.length + 4 : 0);
    if (sections.length > 0 && chunkBytes + cost > maxChunkBytes) {
      chunks.push(writePack(encoded, sections));
      sections = [];
      chunkBytes = 0;
    }
    const open = sections[sections.length - 1];
    if (open !== undefined && open.tenant === tenant) {
      sections[sections.length - 1] = { tenant, count: open.count + 1, from: open.from, to };
    } else {
      sections.push({ tenant, count: 1, from, to });
    }
    chunkBytes += to - from + (open?.tenant === tenant ? 0 : tenant.length + 4);
    from = to;
  }
  if (sections.length > 0 || chunks.length === 0) chunks.push(writePack(encoded, sections));
  return chunks;
}

/** Reads what {@link packStates} wrote. @throws StateCodecError on corrupt or truncated bytes. */
export function unpackStates(stored: Uint8Array): UnpackedEntry[] {
  const bytes = inflateFrame(stored, PARTIAL_CODEC_COMPRESSED, PARTIAL_CODEC_VERSION);
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== PARTIAL_CODEC_VERSION) throw new StateCodecError(`unknown partial version ${version}`);
  const sections = input.uvarint();
  // Every section takes at least 2 bytes, every entry at least 17: counts past that are corrupt.
  if (sections > bytes.length / 2)
    throw new StateCodecError(`partial claims ${sections} tenants in ${bytes.length} bytes`);
  const out: UnpackedEntry[] = [];
  for (let s = 0; s < sections; s++) {
    const tenant = input.string();
    const count = input.uvarint();
    if (count > bytes.length / 17)
      throw new StateCodecError(`partial claims ${count} entries in ${bytes.length} bytes`);
    for (let i = 0; i < count; i++) {
      const seriesId = readSeriesId(input);
      out.push({ tenant, seriesId, ...readTaggedState(input) });
    }
  }
  if (!input.done) throw new StateCodecError('trailing bytes after packed partial');
  return out;
}

function readSeriesId(input: ByteReader): string {
  return seriesIdHex(input.raw(16));
}
