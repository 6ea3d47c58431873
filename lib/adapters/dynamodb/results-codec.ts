/**
 * The bytes of a results pack: the finalized results of every series of one metric in one window
 * (and one group, see `results-keys.ts`), as stored in the `data` attribute of the results table.
 *
 * Layout: one format byte ({@link RESULT_PACK_FORMAT}), then raw DEFLATE of a JSON array of
 * {@link PackedResult}. Tenant, metric, window and windowStart are in the item's key, so they are not
 * repeated per series. The bytes are split into chunks of at most `chunkBytes` *after* compression
 * (the chunks of one pack are only ever read together), so compression sees the whole pack.
 *
 * Why JSON + DEFLATE: results are read by the query Lambda and, in a pinch, by a person or another
 * language with nothing but zlib and a JSON parser; repeated keys and attribute names compress well
 * (typically 5–10×), and DEFLATE is in every runtime. JSON alone is not exact for every number, so
 * values JSON cannot spell (NaN, ±Infinity: attribute values may hold them) and `-0` are written as
 * strings behind a NUL escape, and strings that start with NUL get one more NUL. The escape costs
 * nothing on read when no string in the pack starts with NUL (checked on the JSON text).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FinalStats } from '../../core/aggregate/contract.js';
import { StateCodecError } from '../../core/errors.js';
import type { Attributes, MetricKind } from '../../core/point.js';

/** Format byte in front of every pack; a new layout takes a new number and readers keep the old. */
export const RESULT_PACK_FORMAT = 1;

/** Upper bound on an inflated pack (a corrupt or hostile pack cannot exhaust memory). */
export const MAX_INFLATED_PACK_BYTES = 512 * 1024 * 1024;

/** One series' finalized window inside a pack. */
export interface PackedResult {
  readonly seriesId: string;
  readonly unit: string;
  readonly metricKind: MetricKind;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly endMs: number;
  readonly version: number;
  readonly stats: FinalStats;
  /** The encoded result state (`ResultRecord.state`), stored as base64 (`st`); absent in older packs. */
  readonly state?: Uint8Array;
}

const ESC = '\u0000';
const METRIC_KINDS = new Set<string>(['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']);

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return `${ESC}-0`;
    return Number.isFinite(value) ? value : `${ESC}${String(value)}`;
  }
  if (typeof value === 'string' && value.startsWith(ESC)) return `${ESC}${value}`;
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith(ESC)) return value;
  const rest = value.slice(1);
  if (rest.startsWith(ESC)) return rest;
  switch (rest) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
    default:
      throw new StateCodecError(`results pack: unknown escaped value ${JSON.stringify(rest)}`);
  }
}

/**
 * Encodes the results of one pack (format byte + DEFLATE of JSON). Deterministic: the same results
 * in the same order give the same bytes, so a retried close rewrites identical items.
 *
 * @example
 * const bytes = encodeResultPack([{ seriesId, unit: 'ms', metricKind: 'gauge', attributes: {}, resource: {}, endMs, version: 1, stats: { count: 3 } }]);
 * decodeResultPack(bytes)[0]?.stats?.count // 3
 */
export function encodeResultPack(results: readonly PackedResult[]): Uint8Array {
  const entries = results.map((r) => ({
    id: r.seriesId,
    unit: r.unit,
    kind: r.metricKind,
    attrs: r.attributes,
    res: r.resource,
    end: r.endMs,
    v: r.version,
    // A result with a mergeable state is finalized when read (the same finalize on the same state,
    // so the same stats): its stats are not stored. Additive results (counters, summaries) have
    // no state to finalize from and keep theirs, as do sessions and results without a state.
    ...(r.state !== undefined && !isAdditiveState(r.state) ? {} : { stats: r.stats }),
    ...(r.state
      ? { st: Buffer.from(r.state.buffer, r.state.byteOffset, r.state.byteLength).toString('base64') }
      : {}),
  }));
  const json = Buffer.from(JSON.stringify(entries, replacer), 'utf8');
  const body = deflateRawSync(json);
  const out = new Uint8Array(1 + body.length);
  out[0] = RESULT_PACK_FORMAT;
  out.set(body, 1);
  return out;
}

/**
 * A result as read back: its state left as the stored base64 text (`stateBase64`), decoded only by
 * readers that merge (`by`): most queries never need it.
 */
export interface ReadResult extends Omit<PackedResult, 'state' | 'stats'> {
  /** Absent when the result is finalized from its state on read. */
  readonly stats?: FinalStats;
  readonly stateBase64?: string;
}

/** The additive marker (tag 0 after the result state's 3-byte header, lib/core/group/group-state.ts). */
function isAdditiveState(state: Uint8Array): boolean {
  return state[3] === 0;
}

/** Inverse of {@link encodeResultPack}; throws `StateCodecError` on bytes it cannot read. */
export function decodeResultPack(bytes: Uint8Array): ReadResult[] {
  if (bytes.length === 0 || bytes[0] !== RESULT_PACK_FORMAT) {
    throw new StateCodecError(`results pack: unknown format ${bytes[0] ?? '(empty)'}`);
  }
  let text: string;
  try {
    text = inflateRawSync(bytes.subarray(1), { maxOutputLength: MAX_INFLATED_PACK_BYTES }).toString('utf8');
  } catch (error) {
    throw new StateCodecError('results pack: cannot inflate', { cause: error });
  }
  let parsed: unknown;
  try {
    // JSON spells NUL as \u0000: without one, no value was escaped and the reviver is not needed.
    parsed = text.includes('\\u0000') ? JSON.parse(text, reviver) : JSON.parse(text);
  } catch (error) {
    if (error instanceof StateCodecError) throw error;
    throw new StateCodecError('results pack: not JSON', { cause: error });
  }
  if (!Array.isArray(parsed)) throw new StateCodecError('results pack: not an array');
  return parsed.map(toPackedResult);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPackedResult(entry: unknown, index: number): ReadResult {
  if (
    !isObject(entry) ||
    typeof entry.id !== 'string' ||
    typeof entry.unit !== 'string' ||
    typeof entry.kind !== 'string' ||
    !METRIC_KINDS.has(entry.kind) ||
    !isObject(entry.attrs) ||
    !isObject(entry.res) ||
    typeof entry.end !== 'number' ||
    typeof entry.v !== 'number' ||
    (entry.st !== undefined && typeof entry.st !== 'string') ||
    (entry.stats === undefined
      ? entry.st === undefined
      : !isObject(entry.stats) || typeof entry.stats.count !== 'number')
  ) {
    throw new StateCodecError(`results pack: entry ${index} is malformed`);
  }
  return {
    seriesId: entry.id,
    unit: entry.unit,
    metricKind: entry.kind as MetricKind,
    attributes: entry.attrs as Attributes,
    resource: entry.res as Attributes,
    endMs: entry.end,
    version: entry.v,
    ...(entry.stats === undefined ? {} : { stats: entry.stats as unknown as FinalStats }),
    ...(typeof entry.st === 'string' ? { stateBase64: entry.st } : {}),
  };
}

/**
 * Splits `bytes` into consecutive slices of at most `chunkBytes` (at least one slice, views into
 * `bytes`, no copy).
 *
 * @example splitChunks(new Uint8Array(10), 4).map((c) => c.length) // [4, 4, 2]
 */
export function splitChunks(bytes: Uint8Array, chunkBytes: number): Uint8Array[] {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    chunks.push(bytes.subarray(offset, offset + chunkBytes));
  }
  return chunks.length === 0 ? [bytes] : chunks;
}

/** Concatenates the chunks of one pack, in order. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
