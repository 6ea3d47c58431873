/**
 * Keys of the DynamoDB results table, built and parsed in one place.
 *
 * | field | form |
 * |-------|------|
 * | PK    | `<tenant>#<window>#<metric>`                      |
 * | SK    | `<windowStart 13 digits>#<pack>#<chunk 4 digits>` |
 *
 * `pack` is the group of a tier or sliding window's pack (its close job's shard, 4 digits) or, for a
 * session window, the series id (32 hex digits).
 *
 * Why these keys (DESIGN.md §4), rather than the first design's `PK = <tenant>#<window kind/tier>#<metric>`,
 * `SK = <windowStart>#<chunk>`:
 * - The PK carries the full window *name* (`1m`, `5m/1m`, `session:5m`), not only its kind: two
 *   sliding windows with the same slide, or two session gaps, must not share a partition.
 * - The SK has a group between windowStart and chunk. The results of one metric in one window are
 *   written by several close jobs, one per shard; without a group, each job's pack would overwrite
 *   the others'. The group is the shard of the close job that wrote the pack (see `results-sink.ts`).
 * - Sessions are not aligned: a session's window starts at its first event, and two series' sessions
 *   that happen to start at the same millisecond are emitted by different closes. Packed by shard,
 *   the later close would replace the earlier one's pack, so each session is a pack of its own,
 *   keyed by series id (a series' sessions never share a start). A session result is one series'
 *   window anyway, so there is nothing to pack it with.
 *
 * Unambiguous without escaping: the tenant never contains `#` ({@link isValidTenant}), nor does the
 * window name ({@link isValidResultWindow}), so the metric name is everything after the second `#`
 * and may itself contain `#`, `/`, `.`, `:` or any other character. Fixed-width numbers make string
 * order numeric order, so a time range is one `BETWEEN` on the SK.
 *
 * Builders throw {@link StoreRequestError} on a value that cannot be encoded; the sink checks every
 * record first with {@link resultKeyProblem} and reports bad ones as rejections instead.
 */
import { StoreRequestError } from '../../app/errors.js';
import { utf8Length } from './item-size.js';
import { CHUNK_DIGITS, isValidTenant, WINDOW_START_DIGITS } from './keys.js';

/** Attributes of a results item besides `ATTR` (`PK`, `SK`, `data`, `ttl`). */
export const RESULT_ATTR = {
  version: 'version',
  chunks: 'chunks',
} as const;

export const GROUP_DIGITS = 4;
export const MAX_GROUP = 10 ** GROUP_DIGITS - 1;
export const MAX_RESULT_CHUNK = 10 ** CHUNK_DIGITS - 1;
const MAX_WINDOW_START_MS = 10 ** WINDOW_START_DIGITS - 1;

/** DynamoDB's limit on a partition key value (UTF-8 bytes). */
export const MAX_PK_BYTES = 2048;

const WINDOW_PATTERN = /^[A-Za-z0-9._:/+-]{1,64}$/;
/** An unpaired UTF-16 surrogate: DynamoDB strings are UTF-8, such a name could not round-trip. */
const LONE_SURROGATE = /\p{Cs}/u;
const SERIES_ID = /^[0-9a-f]{32}$/;
const PACK_ID = /^(?:[0-9]{4}|[0-9a-f]{32})$/;
const RESULT_SK = /^([0-9]{13})#([0-9]{4}|[0-9a-f]{32})#([0-9]{4})$/;

/**
 * Window names as they appear in results: 1–64 of `A–Z a–z 0–9 . _ : / + -` (a tier `1m`, a
 * sliding window `5m/1m`, a session `session:5m`). Never `#`, the key separator.
 *
 * @example isValidResultWindow('5m/1m') // true; isValidResultWindow('1m#x') // false
 */
export function isValidResultWindow(window: string): boolean {
  return WINDOW_PATTERN.test(window);
}

/** Why `(tenant, window, metric)` cannot be a results PK, or `undefined` when it can. */
export function resultKeyProblem(tenant: string, window: string, metric: string): string | undefined {
  if (!isValidTenant(tenant)) return `invalid tenant ${JSON.stringify(tenant)}`;
  if (!isValidResultWindow(window)) return `invalid window name ${JSON.stringify(window)}`;
  if (metric.length === 0) return 'empty metric name';
  if (LONE_SURROGATE.test(metric)) return 'metric name is not well-formed UTF-16 (lone surrogate)';
  const bytes = utf8Length(`${tenant}#${window}#${metric}`);
  if (bytes > MAX_PK_BYTES) return `partition key would be ${bytes} bytes, over DynamoDB's ${MAX_PK_BYTES}`;
  return undefined;
}

/**
 * `<tenant>#<window>#<metric>`.
 *
 * @example resultPk('acme', '5m/1m', 'http.server#duration') // 'acme#5m/1m#http.server#duration'
 */
export function resultPk(tenant: string, window: string, metric: string): string {
  const problem = resultKeyProblem(tenant, window, metric);
  if (problem !== undefined) throw new StoreRequestError(`cannot build a results key: ${problem}`);
  return `${tenant}#${window}#${metric}`;
}

function fixed(value: number, max: number, digits: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new StoreRequestError(`cannot build a results key: invalid ${what} ${JSON.stringify(value)}`);
  }
  return String(value).padStart(digits, '0');
}

/** 13 digits, zero-padded. */
export function windowStartKeyText(windowStartMs: number): string {
  return fixed(windowStartMs, MAX_WINDOW_START_MS, WINDOW_START_DIGITS, 'windowStart');
}

/** True when `windowStartMs` fits the SK (whole milliseconds in `[0, 10^13)`). */
export function isValidResultWindowStart(windowStartMs: number): boolean {
  return Number.isSafeInteger(windowStartMs) && windowStartMs >= 0 && windowStartMs <= MAX_WINDOW_START_MS;
}

/** True when `group` fits the SK (an integer 0…9999). */
export function isValidResultGroup(group: number): boolean {
  return Number.isSafeInteger(group) && group >= 0 && group <= MAX_GROUP;
}

/** The pack field of a tier or sliding window's SK: the group, 4 digits. */
export function groupPackId(group: number): string {
  return fixed(group, MAX_GROUP, GROUP_DIGITS, 'group');
}

/** The pack field of a session's SK: the series id. */
export function seriesPackId(seriesId: string): string {
  if (!SERIES_ID.test(seriesId)) {
    throw new StoreRequestError(`cannot build a results key: invalid seriesId ${JSON.stringify(seriesId)}`);
  }
  return seriesId;
}

/**
 * `<windowStart>#<pack>#<chunk>`, `pack` from {@link groupPackId} or {@link seriesPackId}.
 *
 * @example resultSk(1_700_000_040_000, groupPackId(3), 0) // '1700000040000#0003#0000'
 */
export function resultSk(windowStartMs: number, packId: string, chunk: number): string {
  if (!PACK_ID.test(packId)) {
    throw new StoreRequestError(`cannot build a results key: invalid pack ${JSON.stringify(packId)}`);
  }
  return `${windowStartKeyText(windowStartMs)}#${packId}#${fixed(chunk, MAX_RESULT_CHUNK, CHUNK_DIGITS, 'chunk')}`;
}

/**
 * Inclusive SK bounds of the packs whose window starts in `[fromMs, toMs)`, for `SK BETWEEN`, or
 * `undefined` when the range holds no representable window start.
 *
 * @example resultSkRange(60_000, 120_000) // { low: '0000000060000', high: '0000000119999#~' }
 */
export function resultSkRange(fromMs: number, toMs: number): { low: string; high: string } | undefined {
  const from = Math.max(0, Math.ceil(fromMs));
  const last = Math.min(MAX_WINDOW_START_MS, Math.ceil(toMs) - 1);
  if (!(from <= last)) return undefined;
  // '~' sorts after every digit, so `<last>#~` is above every SK of window start `last`.
  return { low: windowStartKeyText(from), high: `${windowStartKeyText(last)}#~` };
}

/** Inverse of {@link resultSk}; `undefined` when `sk` is not in canonical form. */
export function parseResultSk(
  sk: string,
): { readonly windowStartMs: number; readonly packId: string; readonly chunk: number } | undefined {
  const m = RESULT_SK.exec(sk);
  if (m === null || m[2] === undefined) return undefined;
  return { windowStartMs: Number(m[1]), packId: m[2], chunk: Number(m[3]) };
}
