/**
 * PostgreSQL as a `ResultReader`: what `PostgresResultSink` wrote, read back for one (tenant,
 * window, metric) over a time range — one indexed range scan on the primary key (tenant, metric,
 * window_name, start_time, series_id), ordered by start_time then series_id, bound parameters only.
 *
 * `where` is the same string compare as the other readers (a string attribute as it is, a number as
 * `String(n)`, anything else as its JSON text), done in SQL exactly: each expected text becomes the
 * jsonb values whose text it is (`"200"` → the string "200" and the number 200), and the attribute
 * must equal one of them.
 */
import { StoreRequestError } from '../../app/errors.js';
import { type ResultQuery, type ResultReader, type ResultRecord, windowKindOf } from '../../app/results.js';
import type { FinalBuckets, FinalExpBuckets, FinalStats } from '../../core/aggregate/contract.js';
import type { AttributeValue, MetricKind } from '../../core/point.js';
import { type RetryOptions, resolveRetry } from '../shared/retry.js';
import type { PostgresDatabase } from './connection.js';
import { withPostgresRetry } from './errors.js';
import { ident, type SchemaLayout, tableOf } from './schema.js';

export const DEFAULT_RESULT_LIMIT = 10_000;

export interface PostgresReaderOptions {
  readonly database: PostgresDatabase;
  readonly layout: SchemaLayout;
  readonly retry?: Partial<RetryOptions>;
}

export class PostgresResultReader implements ResultReader {
  readonly keepsState = true;
  private readonly database: PostgresDatabase;
  private readonly layout: SchemaLayout;
  private readonly retry: RetryOptions;
  private readonly tables: Set<string>;

  constructor(options: PostgresReaderOptions) {
    this.database = options.database;
    this.layout = options.layout;
    this.retry = resolveRetry(options.retry);
    this.tables = new Set(options.layout.tables.map((t) => t.name));
  }

  async read(query: ResultQuery): Promise<ResultRecord[]> {
    const limit = query.limit ?? DEFAULT_RESULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StoreRequestError(`limit must be a positive integer, got ${limit}`);
    }
    if (Number.isNaN(query.fromMs) || Number.isNaN(query.toMs)) {
      throw new StoreRequestError(`invalid time range [${query.fromMs}, ${query.toMs})`);
    }
    const table = tableOf(query.window);
    // A window the configuration does not have has no table (or an old one nobody writes).
    if (!this.tables.has(table) || !(query.fromMs < query.toMs)) return [];
    await this.database.schema();

    const params: unknown[] = [query.tenant, query.metric, query.window, query.fromMs, query.toMs];
    const conditions = [
      'tenant = $1',
      'metric = $2',
      'window_name = $3',
      'start_time >= to_timestamp($4::float8 / 1000)',
      'start_time < to_timestamp($5::float8 / 1000)',
    ];
    for (const [name, expected] of Object.entries(query.where ?? {})) {
      params.push(name, jsonCandidates(expected));
      // JSON texts as text[], cast to jsonb[] by the server (postgres.js would re-encode jsonb[] elements).
      conditions.push(
        `attributes -> $${params.length - 1}::text = ANY(($${params.length}::text[])::jsonb[])`,
      );
    }
    params.push(limit);
    const percentiles = this.layout.percentileColumns.map((p) => `${ident(p.column)}`).join(', ');
    const text = `SELECT series_id, (extract(epoch FROM start_time) * 1000)::float8 AS start_ms,
        (extract(epoch FROM end_time) * 1000)::float8 AS end_ms, resource, attributes, type, unit,
        count::float8 AS count, sum, min, max, avg, stddev, last, rate, buckets, version::float8 AS version,
        ${query.withState ? 'state' : 'NULL::bytea AS state'}${percentiles === '' ? '' : `, ${percentiles}`}
      FROM ${ident(table)} WHERE ${conditions.join(' AND ')}
      ORDER BY start_time, series_id LIMIT $${params.length}::bigint`;
    const rows = await withPostgresRetry(
      () => this.database.run((sql) => sql.unsafe(text, params as never)),
      `read results ${query.tenant}/${query.window}/${query.metric}`,
      this.retry,
    );
    return rows.map((row) => this.toRecord(query, row));
  }

  private toRecord(query: ResultQuery, row: Record<string, unknown>): ResultRecord {
    const stats: FinalStats = { count: Number(row.count) };
    for (const key of ['sum', 'min', 'max', 'avg', 'stddev', 'last', 'rate'] as const) {
      const value = row[key];
      if (value !== null && value !== undefined) stats[key] = Number(value);
    }
    const percentiles: Record<string, number> = {};
    for (const p of this.layout.percentileColumns) {
      const value = row[p.column];
      if (value !== null && value !== undefined) percentiles[`p${p.percentile}`] = Number(value);
    }
    if (Object.keys(percentiles).length > 0) stats.percentiles = percentiles;
    const buckets = row.buckets as FinalBuckets | FinalExpBuckets | null;
    if (buckets !== null && buckets !== undefined) {
      if ('scale' in buckets) stats.expBuckets = buckets;
      else stats.buckets = buckets;
    }
    return {
      tenant: query.tenant,
      seriesId: String(row.series_id),
      metric: query.metric,
      unit: String(row.unit),
      metricKind: row.type as MetricKind,
      attributes: row.attributes as Record<string, AttributeValue>,
      resource: row.resource as Record<string, AttributeValue>,
      window: query.window,
      windowKind: windowKindOf(query.window),
      startMs: Number(row.start_ms),
      endMs: Number(row.end_ms),
      version: Number(row.version),
      stats,
      ...(row.state instanceof Uint8Array ? { state: new Uint8Array(row.state) } : {}),
    };
  }
}

/**
 * The jsonb values (as JSON texts) whose `where` text is `expected`: always the string itself, and
 * the number, boolean, null, array or object whose text it is.
 *
 * @example jsonCandidates('200') // ['"200"', '200']; jsonCandidates('/api') // ['"/api"']
 */
export function jsonCandidates(expected: string): string[] {
  const out = [JSON.stringify(expected)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(expected);
  } catch {
    return out;
  }
  if (typeof parsed === 'string') return out;
  const text = typeof parsed === 'number' ? String(parsed) : JSON.stringify(parsed);
  if (text === expected) out.push(JSON.stringify(parsed));
  return out;
}
