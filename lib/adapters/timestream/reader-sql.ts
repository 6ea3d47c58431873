/**
 * The one SQL statement `TimestreamReader` sends, assembled from fixed fragments and validated
 * parameters only. Timestream for LiveAnalytics has no bind parameters for `Query` (`PrepareQuery`
 * accepts `@name` parameters only with `ValidateOnly` = true), so every value is rendered here, by
 * one function per kind:
 *
 * - identifiers (database, table, dimension names): must match {@link IDENTIFIER} (Timestream's own
 *   name alphabet `A–Z a–z 0–9 _ . -`, 1–256 characters), then double-quoted. Nothing that could
 *   close the quotes ever passes; there is no escaping to get wrong.
 * - string literals: {@link sqlString}, the only place a value becomes SQL text. It refuses control
 *   characters (C0, DEL, C1) and lone surrogates, doubles every `'`, and wraps the result in `'…'`.
 *   Timestream's SQL is Trino's, where a string literal is `'` (anything but `'`, or `''`)* `'`:
 *   backslashes, `--`, `/*`, `;`, `"` and look-alike quotes (’ ‘ ＇) are ordinary characters there.
 * - numbers: {@link sqlInteger}, safe integers only, printed as decimal digits (a leading `-` for
 *   negatives), used as `from_milliseconds(<int>)` and `LIMIT <int>`.
 *
 * Filter values are compared with what the sink stored: tenant, metric and attribute values go
 * through the attribute policy's cap (values over `maxValueBytes` are stored as prefix + `~` + hash),
 * and attribute keys through the same `DimensionNamer` as the sink's (fixed names reserved, keys in
 * sorted order), so `http:route` is looked up as `http_route_<hash>`.
 */
import { StoreRequestError } from '../../app/errors.js';
import { DEFAULT_DIMENSION_POLICY, type DimensionPolicy, FIXED_DIMENSIONS } from './attribute-policy.js';
import { DimensionNamer } from './dimension-names.js';
import { capValue } from './dimension-values.js';
import { isMeasureName, STATS_MEASURE } from './measures.js';

/** Names that may appear as `"…"` identifiers: Timestream's name alphabet, nothing to escape. */
export const IDENTIFIER = /^[A-Za-z0-9_.-]{1,256}$/;

/** Database and table names (Timestream: 3–256 characters of the same alphabet). */
export const RESOURCE_NAME = /^[A-Za-z0-9_.-]{3,256}$/;

/** Characters no literal may hold: C0 controls, DEL, C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The largest window start a query may name (the query parameters' own bound, year 2286). */
export const MAX_TIME_MS = 9_999_999_999_999;

/**
 * A double-quoted identifier.
 *
 * @example sqlIdentifier('tier_1m') // '"tier_1m"'
 * @throws StoreRequestError when `name` is not 1–256 characters of `A–Z a–z 0–9 _ . -`
 */
export function sqlIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name)) {
    throw new StoreRequestError(
      `${what} ${JSON.stringify(name)} is not 1–256 characters of A–Z a–z 0–9 _ . - (refused before any request)`,
    );
  }
  return `"${name}"`;
}

/**
 * A string literal: `'`, the text with every `'` doubled, `'`.
 *
 * @example sqlString("O'Brien") // "'O''Brien'"
 * @throws StoreRequestError when `text` holds a control character or a lone surrogate
 */
export function sqlString(text: string, what = 'value'): string {
  const control = CONTROL.exec(text);
  if (control !== null) {
    const code = (control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new StoreRequestError(
      `${what} holds the control character U+${code} at index ${control.index}; Timestream queries refuse control characters (refused before any request)`,
    );
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) {
    throw new StoreRequestError(
      `${what} is not well-formed UTF-16 (lone surrogate at index ${lone.index}) (refused before any request)`,
    );
  }
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A safe integer as SQL digits.
 *
 * @example sqlInteger(1_700_000_040_000) // '1700000040000'
 * @throws StoreRequestError for anything but a safe integer
 */
export function sqlInteger(value: number, what = 'number'): string {
  if (!Number.isSafeInteger(value)) {
    throw new StoreRequestError(`${what} must be a safe integer, got ${String(value)}`);
  }
  return BigInt(value).toString();
}

/** What the statement selects, already validated. */
export interface StatementInput {
  readonly database: string;
  readonly table: string;
  readonly tenant: string;
  readonly metric: string;
  /** Window starts in `[fromMs, toMs)`, integers, `0 ≤ fromMs < toMs ≤ MAX_TIME_MS + 1`. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Point attribute filters (exact string compare). */
  readonly where: Readonly<Record<string, string>>;
  readonly limit: number;
  readonly policy?: DimensionPolicy;
}

/** One `where` entry as the statement tests it. */
export interface DimensionFilter {
  /** The attribute key asked for. */
  readonly key: string;
  /** The dimension the sink stores that attribute under. */
  readonly dimension: string;
  /** The value asked for. */
  readonly value: string;
  /**
   * The dimension value to compare with (the value as the sink stores it: capped), or undefined
   * when the value cannot be a dimension value (`""`: the sink leaves such attributes out).
   */
  readonly stored: string | undefined;
  /**
   * True when series without the dimension may still match (`""`, and `"null"`, which a JSON null
   * renders as in the DynamoDB reader's compare): the statement adds `IS NULL` and the reader keeps
   * only rows whose catalog attributes confirm the match.
   */
  readonly needsConfirmation: boolean;
}

/**
 * The dimension names of point attribute keys, named as the sink names them: a namer with the fixed
 * dimensions reserved, keys handed out in sorted order.
 *
 * Exact for every key whose name does not collide with an *earlier* key of the same series that is
 * not in the filter (a collision needs a verbatim key shaped like `<name>_<8 hex digits of another
 * key's hash>`; the sink then suffixes the later key with another seed, which the reader cannot know).
 *
 * @example filterDimensionNames(['http:route', 'host']) // Map { 'host' => 'host', 'http:route' => 'http_route_<hash>' }
 */
export function filterDimensionNames(keys: readonly string[]): Map<string, string> {
  const namer = new DimensionNamer(isMeasureName);
  for (const name of Object.values(FIXED_DIMENSIONS)) namer.reserve(name);
  const names = new Map<string, string>();
  for (const key of [...keys].sort()) names.set(key, namer.nameOf(key, 'point'));
  return names;
}

/** The `where` filters as the statement tests them, in key order. */
export function dimensionFilters(
  where: Readonly<Record<string, string>>,
  policy: DimensionPolicy = DEFAULT_DIMENSION_POLICY,
): DimensionFilter[] {
  const names = filterDimensionNames(Object.keys(where));
  const filters: DimensionFilter[] = [];
  for (const [key, dimension] of names) {
    const value = where[key] ?? '';
    filters.push({
      key,
      dimension,
      value,
      stored: value === '' ? undefined : capValue(value, policy.maxValueBytes).value,
      needsConfirmation: value === '' || value === 'null',
    });
  }
  return filters;
}

/** The value the sink stores for a fixed dimension (tenant, metric): capped like any value. */
export function storedValue(text: string, policy: DimensionPolicy = DEFAULT_DIMENSION_POLICY): string {
  return capValue(text, policy.maxValueBytes).value;
}

/**
 * The statement: every column of the `stats` records of one tenant and metric whose window starts
 * in `[fromMs, toMs)`, filtered by dimensions, ordered by start then series, at most `limit` rows.
 *
 * @example
 * buildStatement({ database: 'windrow', table: 'tier_1m', tenant: 'acme', metric: 'cpu',
 *   fromMs: 0, toMs: 60_000, where: { host: 'a' }, limit: 100 });
 * // SELECT * FROM "windrow"."tier_1m" WHERE measure_name = 'stats' AND "tenant" = 'acme'
 * //   AND "metric" = 'cpu' AND time >= from_milliseconds(0) AND time < from_milliseconds(60000)
 * //   AND "host" = 'a' ORDER BY time, "series_id" LIMIT 100
 * @throws StoreRequestError for a value no statement may carry (see the module comment)
 */
export function buildStatement(input: StatementInput): { sql: string; filters: DimensionFilter[] } {
  const policy = input.policy ?? DEFAULT_DIMENSION_POLICY;
  if (!RESOURCE_NAME.test(input.database)) {
    throw new StoreRequestError(`database name ${JSON.stringify(input.database)} is not a Timestream name`);
  }
  if (!RESOURCE_NAME.test(input.table)) {
    throw new StoreRequestError(`table name ${JSON.stringify(input.table)} is not a Timestream name`);
  }
  if (input.tenant === '') throw new StoreRequestError('tenant must not be empty');
  if (input.metric === '') throw new StoreRequestError('metric must not be empty');
  if (!(input.fromMs >= 0 && input.fromMs < input.toMs && input.toMs <= MAX_TIME_MS + 1)) {
    throw new StoreRequestError(`time range [${input.fromMs}, ${input.toMs}) is empty or out of bounds`);
  }
  if (!(Number.isSafeInteger(input.limit) && input.limit >= 1)) {
    throw new StoreRequestError(`limit must be a positive integer, got ${String(input.limit)}`);
  }

  const filters = dimensionFilters(input.where, policy);
  const parts = [
    `SELECT * FROM ${sqlIdentifier(input.database, 'database name')}.${sqlIdentifier(input.table, 'table name')}`,
    `WHERE measure_name = ${sqlString(STATS_MEASURE)}`,
    `AND ${sqlIdentifier(FIXED_DIMENSIONS.tenant)} = ${sqlString(storedValue(input.tenant, policy), 'tenant')}`,
    `AND ${sqlIdentifier(FIXED_DIMENSIONS.metric)} = ${sqlString(storedValue(input.metric, policy), 'metric')}`,
    `AND time >= from_milliseconds(${sqlInteger(input.fromMs, 'fromMs')})`,
    `AND time < from_milliseconds(${sqlInteger(input.toMs, 'toMs')})`,
  ];
  for (const filter of filters) {
    const column = sqlIdentifier(
      filter.dimension,
      `dimension name of attribute ${JSON.stringify(filter.key)}`,
    );
    const what = `value of attribute ${JSON.stringify(filter.key)}`;
    if (filter.stored === undefined) {
      parts.push(`AND ${column} IS NULL`);
    } else if (filter.needsConfirmation) {
      parts.push(`AND (${column} = ${sqlString(filter.stored, what)} OR ${column} IS NULL)`);
    } else {
      parts.push(`AND ${column} = ${sqlString(filter.stored, what)}`);
    }
  }
  parts.push(`ORDER BY time, ${sqlIdentifier(FIXED_DIMENSIONS.seriesId)}`);
  parts.push(`LIMIT ${sqlInteger(input.limit, 'limit')}`);
  return { sql: parts.join(' '), filters };
}
