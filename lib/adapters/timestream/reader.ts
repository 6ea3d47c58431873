/**
 * Timestream for LiveAnalytics as a `ResultReader`: what `TimestreamSink` wrote, read back for one
 * (tenant, window, metric) over a time range with one SQL statement (`reader-sql.ts`), paged with
 * `NextToken` until Timestream has no more (a page may be empty while the query still runs).
 *
 * - Table: `timestreamTableName(window, kind)`, the sink's. A table that does not exist, or has no
 *   column yet for a name the statement uses (an empty table, an attribute no series has as a
 *   dimension), is a window with no data: `[]`. A missing database is a configuration error.
 * - Rows (`reader-rows.ts`): stats from the measures, start from `time`, end from `window_end`.
 *   Timestream upserts by `Version`, so a (series, start) has one row; should two arrive (the
 *   dimension policy changed between closes), the higher `version` measure wins, else the first.
 *   Timestream does not return a record's `Version`: results carry a table's BIGINT `version` column
 *   when it has one, else 0 ("not known"). A row with `superseded` = 1 (a session result another
 *   session replaced, see `TimestreamSink.supersede`) is the latest of its key and is left out.
 * - Identity: dimension names may be rewritten and values cut, so attributes, resource, unit and kind
 *   come from the series catalog (`SeriesLookup`) when given and the series is in it; otherwise from
 *   the row's dimensions (`resource.` prefix split off) and `overflow_attributes`, as stored.
 * - Filters: `where` becomes dimension predicates named and capped as the sink names and caps them.
 *   With the catalog, each row is also checked against the original attributes (string compare, as
 *   the DynamoDB reader does), which removes what a cut value's hash cannot tell apart.
 * - Errors: throttling, 5xx and network errors are retried with jittered backoff (`backoff.ts`), then
 *   `StoreUnavailableError`; invalid requests (`ValidationException`, `QueryExecutionException`, …)
 *   are `StoreRequestError`; values a statement may not carry are refused before any request.
 */
import {
  type ColumnInfo,
  QueryCommand,
  type QueryCommandOutput,
  type Row,
  TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import type { SeriesLookup } from '../../app/close-ports.js';
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import type { SeriesMeta } from '../../app/ports.js';
import { type ResultQuery, type ResultReader, type ResultRecord, windowKindOf } from '../../app/results.js';
import type { FinalStats } from '../../core/aggregate/contract.js';
import { StateCodecError } from '../../core/errors.js';
import type { Attributes, AttributeValue, MetricKind } from '../../core/point.js';
import { awsClientConfig } from '../aws-client.js';
import type { DimensionPolicy } from './attribute-policy.js';
import { backoffDelayMs, type RetryOptions, resolveRetry } from './backoff.js';
import type { TimestreamClientOptions } from './client.js';
import { renderAttributeValue } from './dimension-values.js';
import { attributesFromDimensions, parseRows, type StatsRow } from './reader-rows.js';
import { buildStatement, type DimensionFilter, MAX_TIME_MS, RESOURCE_NAME } from './reader-sql.js';
import { classifyTimestreamError, describe, ErrorClass } from './sdk-errors.js';
import { timestreamTableName } from './table-name.js';

/** Records per read when the query names no limit (the DynamoDB reader's default). */
export const DEFAULT_READ_LIMIT = 10_000;

export interface TimestreamReaderOptions {
  readonly client: TimestreamQueryClient;
  readonly databaseName: string;
  /** The table of a window name; default the sink's {@link timestreamTableName}. */
  readonly tableNameOf?: (window: string) => string;
  /** The series catalog, for the exact attributes of each series (without it: dimensions as stored). */
  readonly lookup?: SeriesLookup;
  /** Retry budget and backoff (default `DEFAULT_RETRY`: 8 attempts, ≤ ~2.6 s asleep). */
  readonly retry?: Partial<RetryOptions>;
  /** The attribute policy the sink writes with (default `DEFAULT_DIMENSION_POLICY`). */
  readonly policy?: DimensionPolicy;
  /** `MaxRows` per page (1–1000); default unset, Timestream picks. */
  readonly pageRows?: number;
}

/** Timestream Query errors the write-side classifier does not know. */
const QUERY_INVALID: ReadonlySet<string> = new Set(['QueryExecutionException', 'ConflictException']);

/** The first page's answer when the table (or a column the statement names) does not exist. */
const MISSING = Symbol('missing');

/**
 * A Timestream Query client from explicit options (see `createTimestreamWriteClient`). With an
 * `endpoint` the SDK skips endpoint discovery; without one it discovers the account's query endpoint.
 * The default request timeout (25 s) ends a hung query before an API Gateway request (29 s) does;
 * Timestream itself stops a query at 60 s.
 *
 * @example const client = createTimestreamQueryClient({ region: 'eu-west-1', maxAttempts: 2 });
 */
export function createTimestreamQueryClient(options: TimestreamClientOptions = {}): TimestreamQueryClient {
  return new TimestreamQueryClient(awsClientConfig(options, 25_000));
}

/**
 * @example
 * const reader = new TimestreamReader({ client, databaseName: 'windrow', lookup });
 * const rows = await reader.read({ tenant: 'acme', metric: 'http.server.duration', window: '1m',
 *   fromMs: Date.parse('2026-01-01T00:00Z'), toMs: Date.parse('2026-01-01T01:00Z'), where: { route: '/api' } });
 */
export class TimestreamReader implements ResultReader {
  /** Timestream records hold finalized stats only: no `by` (views instead). */
  readonly keepsState = false;
  private readonly retry: RetryOptions;
  private readonly tableNameOf: (window: string) => string;

  /** @throws StoreRequestError when `databaseName` is not a Timestream name */
  constructor(private readonly options: TimestreamReaderOptions) {
    if (!RESOURCE_NAME.test(options.databaseName)) {
      throw new StoreRequestError(
        `database name ${JSON.stringify(options.databaseName)} is not 3–256 characters of A–Z a–z 0–9 _ . -`,
      );
    }
    const pageRows = options.pageRows;
    if (pageRows !== undefined && !(Number.isInteger(pageRows) && pageRows >= 1 && pageRows <= 1000)) {
      throw new StoreRequestError(`pageRows must be an integer in 1–1000, got ${pageRows}`);
    }
    this.retry = resolveRetry(options.retry);
    this.tableNameOf = options.tableNameOf ?? ((window) => timestreamTableName(window, windowKindOf(window)));
  }

  /**
   * The latest record of each (series, window) starting in `[fromMs, toMs)` whose point attributes
   * match `where`, ordered by startMs then seriesId, at most `limit` (default 10,000).
   * Throws `StoreRequestError` for a query no statement may carry (a control character in a value, a
   * bad limit, a NaN bound) or that Timestream refuses, `StoreUnavailableError` when Timestream stays
   * unavailable through the retries, `StateCodecError` for rows the sink cannot have written.
   */
  async read(query: ResultQuery): Promise<ResultRecord[]> {
    const limit = query.limit ?? DEFAULT_READ_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StoreRequestError(`limit must be a positive integer, got ${limit}`);
    }
    if (Number.isNaN(query.fromMs) || Number.isNaN(query.toMs)) {
      throw new StoreRequestError(`invalid time range [${query.fromMs}, ${query.toMs})`);
    }
    const fromMs = Math.max(0, Math.ceil(query.fromMs));
    const toMs = Math.min(MAX_TIME_MS + 1, Math.ceil(query.toMs));
    const table = this.tableNameOf(query.window);
    const { sql, filters } = buildStatement({
      database: this.options.databaseName,
      table,
      tenant: query.tenant,
      metric: query.metric,
      // An empty range still goes through validation (with a harmless one) so refusals do not depend on it.
      fromMs: fromMs < toMs ? fromMs : 0,
      toMs: fromMs < toMs ? toMs : 1,
      where: query.where ?? {},
      limit,
      ...(this.options.policy === undefined ? {} : { policy: this.options.policy }),
    });
    if (!(fromMs < toMs)) return [];

    const rows = await this.rows(sql, table);
    if (rows === MISSING) return [];
    const latest = latestRows(rows);
    const metas = await this.metas(
      query.tenant,
      latest.filter((row) => !row.superseded),
    );

    const out: ResultRecord[] = [];
    for (const row of latest) {
      if (row.superseded) continue;
      const meta = metas.get(row.seriesId);
      if (!confirmed(meta, filters)) continue;
      out.push(toRecord(query, row, meta));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every row of the statement, page after page, or MISSING when the table has no such data. */
  private async rows(sql: string, table: string): Promise<StatsRow[] | typeof MISSING> {
    const rows: StatsRow[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await this.page(sql, table, nextToken, first);
      if (page === MISSING) return MISSING;
      rows.push(...parseRows(page.ColumnInfo ?? ([] as ColumnInfo[]), page.Rows ?? ([] as Row[])));
      nextToken = page.NextToken;
      first = false;
    } while (nextToken !== undefined);
    return rows;
  }

  /** One `Query` call, retried within the budget. */
  private async page(
    sql: string,
    table: string,
    nextToken: string | undefined,
    first: boolean,
  ): Promise<QueryCommandOutput | typeof MISSING> {
    const where = `Timestream Query on ${this.options.databaseName}.${table}`;
    const input = {
      QueryString: sql,
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      ...(this.options.pageRows === undefined ? {} : { MaxRows: this.options.pageRows }),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.client.send(new QueryCommand(input));
      } catch (error) {
        if (first && isMissingTableOrColumn(error)) return MISSING;
        const kind = classifyQueryError(error);
        if (kind === ErrorClass.invalid) {
          throw new StoreRequestError(`${where} refused: ${describeQueryError(error)}`, { cause: error });
        }
        if (kind !== ErrorClass.throttled && kind !== ErrorClass.transient) throw error;
        if (attempt >= this.retry.maxAttempts) {
          throw new StoreUnavailableError(
            `${where} failed after ${attempt} attempt(s): ${describeQueryError(error)}`,
            this.retry.retryAfterSeconds,
            { cause: error },
          );
        }
      }
      await this.retry.sleep(backoffDelayMs(attempt - 1, this.retry));
    }
  }

  private async metas(tenant: string, rows: readonly StatsRow[]): Promise<Map<string, SeriesMeta>> {
    const lookup = this.options.lookup;
    if (lookup === undefined || rows.length === 0) return new Map();
    const ids = [...new Set(rows.map((row) => row.seriesId))];
    return lookup.lookup(ids.map((seriesId) => ({ tenant, seriesId })));
  }
}

/** One row per (series, start): the highest `version`, else the first; ordered by start, then series. */
function latestRows(rows: readonly StatsRow[]): StatsRow[] {
  const byKey = new Map<string, StatsRow>();
  for (const row of rows) {
    const key = `${row.startMs}#${row.seriesId}`;
    const seen = byKey.get(key);
    if (seen === undefined || (row.version ?? 0) > (seen.version ?? 0)) byKey.set(key, row);
  }
  return [...byKey.values()].sort((a, b) =>
    a.startMs !== b.startMs
      ? a.startMs - b.startMs
      : a.seriesId < b.seriesId
        ? -1
        : a.seriesId > b.seriesId
          ? 1
          : 0,
  );
}

/**
 * Whether a row matched by the statement matches `where` on the original attributes: with the
 * catalog, every filter is checked on them (a string attribute as it is, others as the sink or the
 * DynamoDB reader render them); without it, only filters the statement could not decide alone
 * (`""`, `"null"`) fail, since the stored dimensions cannot confirm them.
 */
function confirmed(meta: SeriesMeta | undefined, filters: readonly DimensionFilter[]): boolean {
  if (filters.length === 0) return true;
  if (meta === undefined) return filters.every((f) => !f.needsConfirmation);
  return filters.every((f) => {
    if (!Object.hasOwn(meta.attributes, f.key)) return false;
    return attributeTexts(meta.attributes[f.key] ?? null).includes(f.value);
  });
}

/** The texts an attribute value compares equal to: the DynamoDB reader's and the dimension's. */
function attributeTexts(value: AttributeValue): string[] {
  const dynamo =
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  const dimension = renderAttributeValue(value);
  return dimension === undefined ? [dynamo] : [dynamo, dimension];
}

function toRecord(query: ResultQuery, row: StatsRow, meta: SeriesMeta | undefined): ResultRecord {
  if (row.endMs === undefined) {
    throw new StateCodecError(`Timestream row of series ${row.seriesId} at ${row.startMs} lacks window_end`);
  }
  let identity: { attributes: Attributes; resource: Attributes; unit: string; kind: MetricKind };
  if (meta !== undefined) {
    identity = {
      attributes: meta.attributes,
      resource: meta.resource,
      unit: meta.metric.unit,
      kind: meta.metric.kind,
    };
  } else {
    identity = {
      ...attributesFromDimensions(row),
      unit: row.unit,
      kind: inferKind(row.stats, row.bucketsOmitted),
    };
  }
  return {
    tenant: query.tenant,
    seriesId: row.seriesId,
    metric: query.metric,
    unit: identity.unit,
    metricKind: identity.kind,
    attributes: identity.attributes,
    resource: identity.resource,
    window: query.window,
    windowKind: windowKindOf(query.window),
    startMs: row.startMs,
    endMs: row.endMs,
    version: row.version ?? 0,
    stats: row.stats,
  };
}

/**
 * The metric kind of a series the catalog does not know, from what its stats hold: buckets tell
 * histograms apart, a rate marks a sum, count and sum alone a summary, anything else a gauge.
 */
export function inferKind(stats: FinalStats, bucketsOmitted = false): MetricKind {
  if (stats.expBuckets !== undefined) return 'exponentialHistogram';
  if (stats.buckets !== undefined || bucketsOmitted) return 'histogram';
  if (stats.rate !== undefined) return 'sum';
  if (
    stats.min === undefined &&
    stats.max === undefined &&
    stats.last === undefined &&
    stats.percentiles === undefined
  ) {
    return stats.sum === undefined ? 'gauge' : 'summary';
  }
  return 'gauge';
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** The service's message: SDK errors carry it as `message`, modeled ones also as `Message`. */
function errorMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, Message } = error as { message?: unknown; Message?: unknown };
  if (typeof message === 'string' && message !== '' && message !== 'UnknownError') return message;
  return typeof Message === 'string' ? Message : '';
}

function describeQueryError(error: unknown): string {
  const name = errorName(error);
  return name === undefined ? describe(error) : `${name}: ${errorMessage(error)}`;
}

/** Throttling, 5xx and network errors as the write side classifies them, plus Query's own. */
export function classifyQueryError(error: unknown): ErrorClass {
  const name = errorName(error);
  if (name !== undefined && QUERY_INVALID.has(name)) return ErrorClass.invalid;
  return classifyTimestreamError(error);
}

const DATABASE_MISSING = /\bdatabase\b.*\b(not found|does not exist)\b/i;
const TABLE_OR_COLUMN_MISSING = /\b(table|column)\b.*\b(does not exist|not found)\b/i;

/**
 * True for the answers Timestream gives when the table does not exist, or a column the statement
 * names does not (an empty table has no dimension columns yet: `line 1:61: Column 'tenant' does not
 * exist`). A missing database is not one of them (`Requested database 'x' not found for identifier
 * 'x.tier_1m'`): that is a configuration error.
 */
export function isMissingTableOrColumn(error: unknown): boolean {
  const name = errorName(error);
  if (name !== 'ValidationException' && name !== 'ResourceNotFoundException') return false;
  const message = errorMessage(error);
  if (DATABASE_MISSING.test(message)) return false;
  return name === 'ResourceNotFoundException' || TABLE_OR_COLUMN_MISSING.test(message);
}
