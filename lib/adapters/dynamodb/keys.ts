/**
 * Keys of the window-state table (DESIGN.md §4), built and parsed in one place.
 *
 * | item            | PK                                  | SK                         |
 * |-----------------|-------------------------------------|----------------------------|
 * | partial         | `P#<tier>#<windowStart>#<shard>`    | `<partialId>#<chunk>`      |
 * | closed state    | `C#<tier>#<windowStart>#<shard>`    | `<version>#<chunk>`        |
 * | series          | `S#<tenant>#<seriesId>`             | `meta`                     |
 * | checkpoint      | `K#<tier>`                          | `<shard>`                  |
 * | correction mark | `D#<tier>`                          | `<windowStart>#<shard>`    |
 * | open session    | `O#<shard>`                         | `<tenant>#<seriesId>`      |
 *
 * Session pane records, the session index and pending sessions (`SP#…`, `OQ#<shard>`) are keyed in
 * `session-store.ts`, next to their codec.
 *
 * Fixed widths, so that string order is numeric order wherever a key is queried by range:
 * - `tier`: the tier level 0…999, decimal, unpadded (0 = the first tier; levels are few, never ranged).
 * - `windowStart`: epoch milliseconds, 13 digits zero-padded (`0000000000000`…`9999999999999`, i.e.
 *   up to the year 2286); `D#<tier>` SKs and partial PKs therefore sort in time order.
 * - `shard`: 4 digits zero-padded (0…9999), the same in every key so each key has one spelling.
 * - `chunk`: 4 digits zero-padded (0…9999; at ≤ ~350 KB a chunk, far beyond one request).
 * - `version` (closed states): 16 digits zero-padded, any safe integer ≥ 0 (millisecond-clock based).
 *
 * `#` separates fields, so no field may contain one: tenants are restricted by {@link isValidTenant},
 * series ids are 32 hex characters, and partial ids are checked by {@link isValidPartialId}.
 *
 * Builders throw {@link StoreRequestError} on a value that cannot be encoded (a bug upstream, never
 * caller input: tenants are validated at the edge). Parsers return `undefined` on anything malformed.
 */
import { StoreRequestError } from '../../app/errors.js';

export const WINDOW_START_DIGITS = 13;
export const SHARD_DIGITS = 4;
export const CHUNK_DIGITS = 4;

const MAX_TIER = 999;
const MAX_WINDOW_START_MS = 10 ** WINDOW_START_DIGITS - 1;
const MAX_SHARD = 10 ** SHARD_DIGITS - 1;
const MAX_CHUNK = 10 ** CHUNK_DIGITS - 1;

/** SK of the one item of a series in the catalog. */
export const SERIES_META_SK = 'meta';

/** A DynamoDB primary key of the window-state table. */
export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

const TENANT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SERIES_ID_PATTERN = /^[0-9a-f]{32}$/;
const PARTIAL_ID_PATTERN = /^[A-Za-z0-9~._:+/=-]{1,255}$/;

/**
 * Tenant names: 1–64 of `A–Z a–z 0–9 . _ -`. No `#` (the key separator), no spaces or control
 * characters, short enough for keys, Timestream dimensions and log lines. The edge (authorizer,
 * ingest handler) rejects anything else before it reaches a key builder.
 *
 * @example isValidTenant('acme-prod') // true; isValidTenant('a#b') // false
 */
export function isValidTenant(tenant: string): boolean {
  return TENANT_PATTERN.test(tenant);
}

/**
 * Partial ids: 1–255 characters of letters, digits and `~ . _ : + / = -` — a content hash (hex or
 * base64) for ingest, `~<windowStart>` for a closed child window (`~` sorts after every letter and
 * digit, so child-window contributions come last in a partition). Never `#`.
 */
export function isValidPartialId(partialId: string): boolean {
  return PARTIAL_ID_PATTERN.test(partialId);
}

function fail(what: string, value: unknown): never {
  throw new StoreRequestError(`cannot build a window-state key: invalid ${what} ${JSON.stringify(value)}`);
}

function tierText(tier: number): string {
  if (!Number.isSafeInteger(tier) || tier < 0 || tier > MAX_TIER) fail('tier', tier);
  return String(tier);
}

function windowStartText(windowStartMs: number): string {
  if (!Number.isSafeInteger(windowStartMs) || windowStartMs < 0 || windowStartMs > MAX_WINDOW_START_MS) {
    fail('windowStart', windowStartMs);
  }
  return String(windowStartMs).padStart(WINDOW_START_DIGITS, '0');
}

function shardText(shard: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0 || shard > MAX_SHARD) fail('shard', shard);
  return String(shard).padStart(SHARD_DIGITS, '0');
}

function chunkText(chunk: number): string {
  if (!Number.isSafeInteger(chunk) || chunk < 0 || chunk > MAX_CHUNK) fail('chunk', chunk);
  return String(chunk).padStart(CHUNK_DIGITS, '0');
}

function tenantText(tenant: string): string {
  if (!isValidTenant(tenant)) fail('tenant', tenant);
  return tenant;
}

function seriesIdText(seriesId: string): string {
  if (!SERIES_ID_PATTERN.test(seriesId)) fail('seriesId', seriesId);
  return seriesId;
}

/** `P#<tier>#<windowStart>#<shard>`: the partition a close job reads. */
export function partialPk(tier: number, windowStartMs: number, shard: number): string {
  return `P#${tierText(tier)}#${windowStartText(windowStartMs)}#${shardText(shard)}`;
}

/** `<partialId>#<chunk>`. */
export function partialSk(partialId: string, chunk: number): string {
  if (!isValidPartialId(partialId)) fail('partialId', partialId);
  return `${partialId}#${chunkText(chunk)}`;
}

/**
 * Key of one packed partial chunk.
 *
 * @example partialKey(0, 1_700_000_040_000, 3, 'ab12', 0)
 * // { pk: 'P#0#1700000040000#0003', sk: 'ab12#0000' }
 */
export function partialKey(
  tier: number,
  windowStartMs: number,
  shard: number,
  partialId: string,
  chunk: number,
): TableKey {
  return { pk: partialPk(tier, windowStartMs, shard), sk: partialSk(partialId, chunk) };
}

/**
 * `C#<tier>#<windowStart>#<shard>` / `<chunk>`: kept for its PK (a first spelling, with the chunk as
 * SK); the closed-state items themselves (DESIGN.md §4) use {@link closedStateChunkKey} (`<version>#<chunk>` SKs).
 */
export function closedStateKey(tier: number, windowStartMs: number, shard: number, chunk: number): TableKey {
  return {
    pk: `C#${tierText(tier)}#${windowStartText(windowStartMs)}#${shardText(shard)}`,
    sk: chunkText(chunk),
  };
}

/** `S#<tenant>#<seriesId>` / `meta`. */
export function seriesKeyOf(tenant: string, seriesId: string): TableKey {
  return { pk: `S#${tenantText(tenant)}#${seriesIdText(seriesId)}`, sk: SERIES_META_SK };
}

/** `K#<tier>` / `<shard>`. */
export function checkpointKey(tier: number, shard: number): TableKey {
  return { pk: `K#${tierText(tier)}`, sk: shardText(shard) };
}

/** `D#<tier>`: the partition of a tier's correction marks (queried by SK range, in time order). */
export function correctionMarkPk(tier: number): string {
  return `D#${tierText(tier)}`;
}

/** `<windowStart>#<shard>`. */
export function correctionMarkSk(windowStartMs: number, shard: number): string {
  return `${windowStartText(windowStartMs)}#${shardText(shard)}`;
}

/** `D#<tier>` / `<windowStart>#<shard>`. */
export function correctionMarkKey(tier: number, windowStartMs: number, shard: number): TableKey {
  return { pk: correctionMarkPk(tier), sk: correctionMarkSk(windowStartMs, shard) };
}

/** `O#<shard>` / `<tenant>#<seriesId>`. */
export function openSessionKey(shard: number, tenant: string, seriesId: string): TableKey {
  return { pk: `O#${shardText(shard)}`, sk: `${tenantText(tenant)}#${seriesIdText(seriesId)}` };
}

const PARTIAL_PK = /^P#(0|[1-9][0-9]{0,2})#([0-9]{13})#([0-9]{4})$/;
const PARTIAL_SK = /^([^#]+)#([0-9]{4})$/;
const CORRECTION_MARK_SK = /^([0-9]{13})#([0-9]{4})$/;

/** Inverse of {@link partialPk}; `undefined` when `pk` is not a partial PK in canonical form. */
export function parsePartialPk(
  pk: string,
): { readonly tier: number; readonly windowStartMs: number; readonly shard: number } | undefined {
  const m = PARTIAL_PK.exec(pk);
  if (m === null) return undefined;
  return { tier: Number(m[1]), windowStartMs: Number(m[2]), shard: Number(m[3]) };
}

/** Inverse of {@link partialSk}; `undefined` when malformed. */
export function parsePartialSk(
  sk: string,
): { readonly partialId: string; readonly chunk: number } | undefined {
  const m = PARTIAL_SK.exec(sk);
  if (m === null || m[1] === undefined || !isValidPartialId(m[1])) return undefined;
  return { partialId: m[1], chunk: Number(m[2]) };
}

/** Inverse of {@link correctionMarkSk}; `undefined` when malformed. */
export function parseCorrectionMarkSk(
  sk: string,
): { readonly windowStartMs: number; readonly shard: number } | undefined {
  const m = CORRECTION_MARK_SK.exec(sk);
  if (m === null) return undefined;
  return { windowStartMs: Number(m[1]), shard: Number(m[2]) };
}

/** `C#<tier>#<windowStart>#<shard>`: the partition of one window's closed state (SK = chunk). */
export function closedStatePk(tier: number, windowStartMs: number, shard: number): string {
  return closedStateKey(tier, windowStartMs, shard, 0).pk;
}

/** `K#<tier>`: the partition of a tier's checkpoints (SK = shard). */
export function checkpointPk(tier: number): string {
  return checkpointKey(tier, 0).pk;
}

/** Digits of a closed state's version in its SK: every safe integer (≤ 2^53 − 1) fits. */
export const VERSION_DIGITS = 16;

function versionText(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) fail('version', version);
  return String(version).padStart(VERSION_DIGITS, '0');
}

/**
 * `<version>#<chunk>` (16 + 4 digits): the SK of one chunk of one version of a closed state, as
 * `DynamoCloseStore` writes it. A version's chunks never overwrite another version's, so an older
 * complete version stays readable while a newer one is written (or after a writer crashed half-way);
 * SK order is (version, chunk) order.
 */
export function closedStateSk(version: number, chunk: number): string {
  return `${versionText(version)}#${chunkText(chunk)}`;
}

/**
 * Key of one chunk of one version of a closed state.
 *
 * @example closedStateChunkKey(0, 1_700_000_040_000, 3, 1_700_000_100_000, 1)
 * // { pk: 'C#0#1700000040000#0003', sk: '0001700000100000#0001' }
 */
export function closedStateChunkKey(
  tier: number,
  windowStartMs: number,
  shard: number,
  version: number,
  chunk: number,
): TableKey {
  return { pk: closedStatePk(tier, windowStartMs, shard), sk: closedStateSk(version, chunk) };
}

const CLOSED_STATE_SK = /^([0-9]{16})#([0-9]{4})$/;
const FOUR_DIGITS = /^[0-9]{4}$/;

/** Inverse of {@link closedStateSk}; `undefined` when malformed. */
export function parseClosedStateSk(
  sk: string,
): { readonly version: number; readonly chunk: number } | undefined {
  const m = CLOSED_STATE_SK.exec(sk);
  if (m === null) return undefined;
  const version = Number(m[1]);
  if (!Number.isSafeInteger(version)) return undefined;
  return { version, chunk: Number(m[2]) };
}

/** Inverse of a checkpoint's SK (`<shard>`, 4 digits); `undefined` when malformed. */
export function parseCheckpointSk(sk: string): number | undefined {
  return FOUR_DIGITS.test(sk) ? Number(sk) : undefined;
}
