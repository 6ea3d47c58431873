/**
 * PostgreSQL (and TimescaleDB) as a `ResultSink`: one row per series and window in the table of its
 * window kind (schema.ts).
 *
 * Writes are multi-row `INSERT … ON CONFLICT (tenant, window_name, metric, series_id, start_time)
 * DO UPDATE … WHERE excluded.version > t.version`, in batches of {@link BATCH_ROWS}, bound
 * parameters only: a re-write of the same version changes nothing, a lower version never replaces a
 * higher one, so the close's retries and re-runs are idempotent. Rows are sorted by key so that two
 * workers upserting overlapping rows lock them in the same order. Transient errors are retried
 * (errors.ts); a write that still fails throws `StoreUnavailableError` and the close job is retried.
 *
 * `supersede` deletes a session's rows whose version is ≤ the superseding version. `state` is the
 * result's mergeable state (`ResultRecord.state`; NULL for sessions), what `by` merges.
 *
 * Plain PostgreSQL's retention: after a write, at most once per `pruneEveryMs` per process, the sink
 * deletes expired rows (schema.ts `pruneExpired`, under a try-lock so one process does it at a time).
 */
import { type Clock, systemClock } from '../../app/ports.js';
import type {
  ResultRecord,
  ResultSink,
  SinkRejection,
  SinkReport,
  SupersededResult,
} from '../../app/results.js';
import type { AttributeValue } from '../../core/point.js';
import { type RetryOptions, resolveRetry } from '../shared/retry.js';
import type { PostgresDatabase } from './connection.js';
import { withPostgresRetry } from './errors.js';
import { ident, pruneExpired, resultColumns, type SchemaLayout, tableOf } from './schema.js';

/** Rows per INSERT: ~30 parameters each, well under PostgreSQL's 65,535 per statement. */
export const BATCH_ROWS = 500;

export interface PostgresSinkOptions {
  readonly database: PostgresDatabase;
  /** The configuration the schema was made for (tables, percentile columns, retention). */
  readonly layout: SchemaLayout;
  readonly clock?: Clock;
  readonly retry?: Partial<RetryOptions>;
  /** Plain PostgreSQL: how often a process deletes expired rows (default 1 h; 0: never). */
  readonly pruneEveryMs?: number;
}

/** jsonb parameters are given as values: postgres.js serializes them for the jsonb type. */
type Param = string | number | boolean | null | object;

/** Column → SQL expression of its parameter, `$n` standing for the parameter. */
function castOf(column: string): string {
  switch (column) {
    case 'start_time':
    case 'end_time':
      return 'to_timestamp($n::float8 / 1000)';
    case 'resource':
    case 'scope':
    case 'attributes':
    case 'buckets':
      return '$n::jsonb';
    case 'count':
    case 'version':
      return '$n::bigint';
    case 'state':
      return '$n::bytea';
    case 'tenant':
    case 'metric':
    case 'window_name':
    case 'series_id':
    case 'type':
    case 'unit':
      return '$n::text';
    default:
      return '$n::float8';
  }
}

export class PostgresResultSink implements ResultSink {
  private readonly database: PostgresDatabase;
  private readonly layout: SchemaLayout;
  private readonly columns: string[];
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly pruneEveryMs: number;
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(options: PostgresSinkOptions) {
    this.database = options.database;
    this.layout = options.layout;
    this.columns = resultColumns(options.layout);
    this.clock = options.clock ?? systemClock;
    this.retry = resolveRetry(options.retry);
    this.pruneEveryMs = options.pruneEveryMs ?? 3_600_000;
  }

  async write(records: readonly ResultRecord[]): Promise<SinkReport> {
    const rejections: SinkRejection[] = [];
    const byTable = new Map<string, Map<string, ResultRecord>>();
    records.forEach((record, index) => {
      const reason = unstorable(record);
      if (reason !== undefined) {
        rejections.push({ index, seriesId: record.seriesId, reason });
        return;
      }
      const table = tableOf(record.window);
      let rows = byTable.get(table);
      if (rows === undefined) {
        rows = new Map();
        byTable.set(table, rows);
      }
      // One row per key in a statement (ON CONFLICT cannot touch a row twice): the highest version.
      const key = rowKey(record);
      const seen = rows.get(key);
      if (seen === undefined || record.version > seen.version) rows.set(key, record);
    });
    if (byTable.size > 0) await this.database.schema();
    for (const [table, rows] of byTable) {
      const sorted = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
      for (let i = 0; i < sorted.length; i += BATCH_ROWS) {
        const batch = sorted.slice(i, i + BATCH_ROWS);
        await withPostgresRetry(
          () => this.upsert(table, batch),
          `write ${batch.length} result(s) to ${table}`,
          this.retry,
        );
      }
    }
    if (byTable.size > 0) await this.maybePrune();
    return { written: records.length - rejections.length, rejected: rejections.length, rejections };
  }

  async supersede(results: readonly SupersededResult[]): Promise<SinkReport> {
    if (results.length === 0) return { written: 0, rejected: 0, rejections: [] };
    await this.database.schema();
    const byTable = new Map<string, SupersededResult[]>();
    for (const r of results) {
      const table = tableOf(r.window);
      byTable.set(table, [...(byTable.get(table) ?? []), r]);
    }
    for (const [table, rows] of byTable) {
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        const batch = rows.slice(i, i + BATCH_ROWS);
        const text = `DELETE FROM ${ident(table)} AS t USING unnest($1::text[], $2::text[], $3::text[], $4::text[],
          $5::float8[], $6::bigint[]) AS s(tenant, window_name, metric, series_id, start_ms, version)
          WHERE t.tenant = s.tenant AND t.window_name = s.window_name AND t.metric = s.metric
            AND t.series_id = s.series_id AND t.start_time = to_timestamp(s.start_ms / 1000)
            AND t.version <= s.version`;
        const params = [
          batch.map((r) => r.tenant),
          batch.map((r) => r.window),
          batch.map((r) => r.metric),
          batch.map((r) => r.seriesId),
          batch.map((r) => r.startMs),
          batch.map((r) => String(r.version)),
        ];
        await withPostgresRetry(
          () => this.database.run((sql) => sql.unsafe(text, params as never)),
          `supersede ${batch.length} result(s) in ${table}`,
          this.retry,
        );
      }
    }
    return { written: results.length, rejected: 0, rejections: [] };
  }

  private async upsert(table: string, batch: readonly ResultRecord[]): Promise<void> {
    const params: Param[] = [];
    const rows: string[] = [];
    for (const record of batch) {
      const values = this.values(record);
      rows.push(
        `(${values
          .map((value, i) => {
            params.push(value);
            return castOf(this.columns[i] as string).replace('$n', `$${params.length}`);
          })
          .join(', ')})`,
      );
    }
    const names = this.columns.map(ident);
    const updates = this.columns
      .filter((c) => !KEY_COLUMNS.has(c))
      .map((c) => `${ident(c)} = excluded.${ident(c)}`)
      .join(', ');
    const text = `INSERT INTO ${ident(table)} AS t (${names.join(', ')}) VALUES ${rows.join(', ')}
      ON CONFLICT (tenant, window_name, metric, series_id, start_time)
      DO UPDATE SET ${updates} WHERE excluded.version > t.version`;
    await this.database.run((sql) => sql.unsafe(text, params as never));
  }

  private values(r: ResultRecord): Param[] {
    const s = r.stats;
    const byColumn: Record<string, Param> = {
      tenant: r.tenant,
      metric: r.metric,
      window_name: r.window,
      start_time: r.startMs,
      end_time: r.endMs,
      series_id: r.seriesId,
      resource: r.resource,
      scope: null,
      attributes: r.attributes,
      type: r.metricKind,
      unit: r.unit,
      count: String(s.count),
      sum: num(s.sum),
      min: num(s.min),
      max: num(s.max),
      avg: num(s.avg),
      stddev: num(s.stddev),
      last: num(s.last),
      rate: num(s.rate),
      buckets: s.buckets ?? s.expBuckets ?? null,
      version: String(r.version),
      state: r.state ? Buffer.from(r.state.buffer, r.state.byteOffset, r.state.byteLength) : null,
    };
    for (const p of this.layout.percentileColumns)
      byColumn[p.column] = num(s.percentiles?.[`p${p.percentile}`]);
    return this.columns.map((c) => byColumn[c] ?? null);
  }

  private async maybePrune(): Promise<void> {
    if (this.pruneEveryMs <= 0) return;
    const now = this.clock.nowMs();
    if (now - this.lastPruneMs < this.pruneEveryMs) return;
    const { timescaledb } = await this.database.schema();
    this.lastPruneMs = now;
    if (timescaledb) return; // TimescaleDB's retention policies drop whole chunks
    // Best effort: the results are written; a failed prune is tried again at the next interval.
    await pruneExpired(await this.database.sql(), this.layout, now).catch(() => undefined);
  }
}

const KEY_COLUMNS = new Set(['tenant', 'window_name', 'metric', 'series_id', 'start_time']);

function rowKey(r: ResultRecord): string {
  return `${r.tenant}\u0001${r.metric}\u0001${r.window}\u0001${String(r.startMs).padStart(16, '0')}\u0001${r.seriesId}`;
}

/** Float columns: a number as it is (NaN and ±Infinity are float8 values too), absent as NULL. */
function num(value: number | undefined): Param {
  if (value === undefined) return null;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** Why PostgreSQL cannot store a record (text and jsonb refuse U+0000), or undefined. */
function unstorable(r: ResultRecord): string | undefined {
  const texts = [r.tenant, r.metric, r.unit, r.window, r.seriesId];
  if (texts.some((t) => t.includes('\u0000')) || hasNul(r.attributes) || hasNul(r.resource)) {
    return 'PostgreSQL text cannot hold U+0000 (in a name, unit or attribute)';
  }
  if (!Number.isSafeInteger(r.version) || !Number.isSafeInteger(r.stats.count)) {
    return 'version or count is not a safe integer';
  }
  return undefined;
}

function hasNul(value: AttributeValue | { readonly [key: string]: AttributeValue }): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v as AttributeValue));
  }
  return false;
}
