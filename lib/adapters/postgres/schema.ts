/**
 * The PostgreSQL results schema (issue 14; README "PostgreSQL"), created and migrated by windrow at
 * start, idempotently, under an advisory lock so concurrent cold starts do not race.
 *
 * - One table per window kind, because retention differs per tier: `windrow_results_<tier>` for each
 *   tier (`windrow_results_1m`, `windrow_results_1h`, …), `windrow_results_sliding` for every sliding
 *   window (`5m/1m`, …) and `windrow_results_session` for every session window (`session:5m`, …).
 * - `windrow_results`: a view over all of them with the documented columns — what users query.
 * - Primary key (tenant, metric, window_name, start_time, series_id): the upsert's conflict target
 *   (a unique index matches `ON CONFLICT` on the same columns in any order) and the query API's
 *   access path (tenant, metric, window_name, start_time) in one index.
 * - With TimescaleDB (the extension is created when `shared_preload_libraries` has `timescaledb`):
 *   hypertables on `start_time`, compression of chunks older than the correction horizon plus the
 *   window (corrections rewrite rows until then), retention per tier from `retention` (sliding:
 *   the longest of their slide tiers'; sessions: the first tier's). Plain PostgreSQL: an index on
 *   `start_time` and {@link pruneExpired}, which the close worker runs (see sink.ts).
 * - `windrow_migrations`: one row per structural migration applied; `windrow_schema_state`: the
 *   fingerprint of the configuration-derived parts (tables, percentile columns, view, policies), so
 *   a cold start whose configuration is already applied costs one query.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { WindrowConfig } from '../../core/config/config.js';

/** What the schema depends on in the configuration. */
export type SchemaConfig = Pick<
  WindrowConfig,
  'tiers' | 'sliding' | 'sessions' | 'percentiles' | 'retentionMs' | 'correctionHorizonMs'
>;

export interface ResultTable {
  readonly name: string;
  readonly kind: 'tier' | 'sliding' | 'session';
  /** Rows older than this (by `start_time`) are dropped. */
  readonly retentionMs: number;
  /** The longest window the table holds (compression waits for the correction horizon after it). */
  readonly windowMs: number;
  /** TimescaleDB chunk interval. */
  readonly chunkMs: number;
}

export interface SchemaLayout {
  readonly tables: readonly ResultTable[];
  /** `[50, 99.9]` → `['p50', 'p99_9']`, in configured order. */
  readonly percentileColumns: readonly { readonly percentile: number; readonly column: string }[];
  readonly correctionHorizonMs: number;
}

export const RESULTS_VIEW = 'windrow_results';
export const SLIDING_TABLE = 'windrow_results_sliding';
export const SESSION_TABLE = 'windrow_results_session';
/** Two-int advisory lock key: 'wind', 'schm'. */
const LOCK_KEY = [0x77696e64, 0x7363686d] as const;
const DAY_MS = 86_400_000;

/** `1m` → `windrow_results_1m`. Tier names are durations (`10s`, `1h`), safe as identifiers. */
export function tierTable(tier: string): string {
  return `windrow_results_${tier.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
}

/** `99.9` → `p99_9`. */
export function percentileColumn(p: number): string {
  return `p${String(p).replace('.', '_')}`;
}

/** The table a window name's results live in. */
export function tableOf(window: string): string {
  if (window.startsWith('session:')) return SESSION_TABLE;
  if (window.includes('/')) return SLIDING_TABLE;
  return tierTable(window);
}

export function schemaLayout(config: SchemaConfig): SchemaLayout {
  const retentionOf = (tier: string) => config.retentionMs[tier] ?? 7 * DAY_MS;
  const chunkOf = (windowMs: number) =>
    windowMs <= 60_000 ? DAY_MS : windowMs <= 3_600_000 ? 7 * DAY_MS : 30 * DAY_MS;
  const tables: ResultTable[] = config.tiers.map((t) => ({
    name: tierTable(t.name),
    kind: 'tier',
    retentionMs: retentionOf(t.name),
    windowMs: t.sizeMs,
    chunkMs: chunkOf(t.sizeMs),
  }));
  if (config.sliding.length > 0) {
    const slideTiers = config.sliding.map(
      (s) => config.tiers.find((t) => t.sizeMs === s.slideMs)?.name ?? '',
    );
    const windowMs = Math.max(...config.sliding.map((s) => s.sizeMs));
    tables.push({
      name: SLIDING_TABLE,
      kind: 'sliding',
      retentionMs: Math.max(...slideTiers.map(retentionOf)),
      windowMs,
      chunkMs: chunkOf(Math.min(...config.sliding.map((s) => s.slideMs))),
    });
  }
  if (config.sessions.length > 0) {
    const first = config.tiers[0]?.name ?? '';
    tables.push({
      name: SESSION_TABLE,
      kind: 'session',
      retentionMs: retentionOf(first),
      // A session grows until its gap passes; the correction horizon bounds how late it is re-emitted.
      windowMs: Math.max(...config.sessions.map((s) => s.gapMs)),
      chunkMs: DAY_MS,
    });
  }
  return {
    tables,
    percentileColumns: config.percentiles.map((p) => ({ percentile: p, column: percentileColumn(p) })),
    correctionHorizonMs: config.correctionHorizonMs,
  };
}

/** The columns every results table has before the percentile columns, in view order. */
const LEADING_COLUMNS = [
  ['tenant', 'text NOT NULL'],
  ['metric', 'text NOT NULL'],
  ['window_name', 'text NOT NULL'],
  ['start_time', 'timestamptz NOT NULL'],
  ['end_time', 'timestamptz NOT NULL'],
  ['series_id', 'text NOT NULL'],
  ['resource', 'jsonb NOT NULL'],
  ['scope', 'jsonb'],
  ['attributes', 'jsonb NOT NULL'],
  ['type', 'text NOT NULL'],
  ['unit', 'text NOT NULL'],
  ['count', 'bigint NOT NULL'],
  ['sum', 'double precision'],
  ['min', 'double precision'],
  ['max', 'double precision'],
  ['avg', 'double precision'],
  ['stddev', 'double precision'],
] as const;
const TRAILING_COLUMNS = [
  ['last', 'double precision'],
  ['rate', 'double precision'],
  ['buckets', 'jsonb'],
  ['version', 'bigint NOT NULL'],
  ['state', 'bytea'],
] as const;

/** Every column of a results table for this layout, in view order. */
export function resultColumns(layout: SchemaLayout): string[] {
  return [
    ...LEADING_COLUMNS.map(([name]) => name),
    ...layout.percentileColumns.map((p) => p.column),
    ...TRAILING_COLUMNS.map(([name]) => name),
  ];
}

/** Identifiers we generate are lower-case letters, digits and `_`; quoted anyway (`count`, `min`, …). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`not a windrow identifier: ${name}`);
  return `"${name}"`;
}

/** Structural migrations, applied once each in order (`windrow_migrations`). */
const MIGRATIONS: readonly {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}[] = [
  {
    version: 1,
    description: 'schema state',
    sql: `CREATE TABLE IF NOT EXISTS windrow_schema_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      fingerprint text NOT NULL,
      timescaledb boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`,
  },
];

export interface MigrateResult {
  /** The results tables are hypertables (TimescaleDB was available). */
  readonly timescaledb: boolean;
  /** False when the schema already matched the configuration (one query, no lock). */
  readonly changed: boolean;
}

/**
 * Creates or brings up to date the results schema for `config`. Safe to run from many processes at
 * once: everything happens in one transaction holding an advisory lock, and a schema that already
 * matches (same fingerprint) is left alone without taking the lock.
 */
export async function migrate(sql: Sql, config: SchemaConfig): Promise<MigrateResult> {
  const layout = schemaLayout(config);
  const fingerprint = JSON.stringify({ v: MIGRATIONS.length, layout });
  const current = await currentState(sql);
  if (current?.fingerprint === fingerprint) return { timescaledb: current.timescaledb, changed: false };
  let timescaledb = false;
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY[0]}::int, ${LOCK_KEY[1]}::int)`;
    await tx`CREATE TABLE IF NOT EXISTS windrow_migrations (
      version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const applied = new Set((await tx`SELECT version FROM windrow_migrations`).map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO windrow_migrations (version, description) VALUES (${m.version}, ${m.description})`;
    }
    timescaledb = await ensureTimescale(tx);
    for (const table of layout.tables) await ensureTable(tx, table, layout, timescaledb);
    await ensureView(tx, layout);
    await tx`INSERT INTO windrow_schema_state (id, fingerprint, timescaledb, updated_at)
      VALUES (true, ${fingerprint}, ${timescaledb}, now())
      ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, timescaledb = excluded.timescaledb,
        updated_at = excluded.updated_at`;
  });
  return { timescaledb, changed: true };
}

async function currentState(sql: Sql): Promise<{ fingerprint: string; timescaledb: boolean } | undefined> {
  const [exists] = await sql`SELECT to_regclass('windrow_schema_state') IS NOT NULL AS present`;
  if (exists?.present !== true) return undefined;
  const [row] = await sql`SELECT fingerprint, timescaledb FROM windrow_schema_state WHERE id`;
  return row === undefined ? undefined : { fingerprint: row.fingerprint, timescaledb: row.timescaledb };
}

/**
 * True when the results can be hypertables: the extension exists, or it is loaded through
 * `shared_preload_libraries` and this role may create it (creating it without the preload breaks the
 * connection, so we never try then; a role that may not create it gets plain tables).
 */
async function ensureTimescale(tx: TransactionSql): Promise<boolean> {
  const [installed] = await tx`SELECT 1 AS one FROM pg_extension WHERE extname = 'timescaledb'`;
  if (installed !== undefined) return true;
  const [available] = await tx`SELECT 1 AS one FROM pg_available_extensions WHERE name = 'timescaledb'`;
  // Preloaded? shared_preload_libraries is readable by superusers only; the loader's own setting
  // exists (missing_ok: NULL otherwise) for every role once the library is preloaded.
  const [loaded] = await tx`SELECT current_setting('timescaledb.max_background_workers', true) AS workers`;
  if (available === undefined || loaded?.workers === null || loaded?.workers === undefined) return false;
  // A savepoint through postgres.js (a failed query inside `begin` otherwise fails the transaction).
  try {
    await tx.savepoint((sp) => sp`CREATE EXTENSION IF NOT EXISTS timescaledb`);
    return true;
  } catch {
    // No privilege to create it (not the database's owner; README: a one-time step then).
    return false;
  }
}

/** An interval literal in the largest whole unit: `30 days`, `26 hours`, `90 seconds`. */
export function interval(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  for (const [unit, size] of [
    ['days', 86_400],
    ['hours', 3_600],
    ['minutes', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} seconds`;
}

async function ensureTable(
  tx: TransactionSql,
  table: ResultTable,
  layout: SchemaLayout,
  timescaledb: boolean,
): Promise<void> {
  const t = ident(table.name);
  const columns = [
    ...LEADING_COLUMNS.map(([name, type]) => `${ident(name)} ${type}`),
    ...TRAILING_COLUMNS.map(([name, type]) => `${ident(name)} ${type}`),
  ];
  await tx.unsafe(
    `CREATE TABLE IF NOT EXISTS ${t} (${columns.join(', ')},
      PRIMARY KEY (tenant, metric, window_name, start_time, series_id))`,
  );
  // A new percentile adds a column (an old one's column stays, with its data).
  for (const p of layout.percentileColumns) {
    await tx.unsafe(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${ident(p.column)} double precision`);
  }
  if (!timescaledb) {
    await tx.unsafe(`CREATE INDEX IF NOT EXISTS ${ident(`${table.name}_start_time`)} ON ${t} (start_time)`);
    return;
  }
  await tx`SELECT create_hypertable(${table.name}::regclass, by_range('start_time', ${interval(table.chunkMs)}::interval),
    if_not_exists => true, migrate_data => true)`;
  await tx.unsafe(
    `ALTER TABLE ${t} SET (timescaledb.compress, timescaledb.compress_segmentby = 'tenant, metric, window_name',
      timescaledb.compress_orderby = 'start_time, series_id')`,
  );
  // Policies follow the configuration: replaced when it changed (this runs only then).
  const compressAfter = interval(layout.correctionHorizonMs + table.windowMs + 3_600_000);
  await tx`SELECT remove_compression_policy(${table.name}::regclass, if_exists => true)`;
  await tx`SELECT add_compression_policy(${table.name}::regclass, compress_after => ${compressAfter}::interval)`;
  await tx`SELECT remove_retention_policy(${table.name}::regclass, if_exists => true)`;
  await tx`SELECT add_retention_policy(${table.name}::regclass, drop_after => ${interval(table.retentionMs)}::interval)`;
}

async function ensureView(tx: TransactionSql, layout: SchemaLayout): Promise<void> {
  const columns = resultColumns(layout).map(ident).join(', ');
  const body = layout.tables.map((t) => `SELECT ${columns} FROM ${ident(t.name)}`).join(' UNION ALL ');
  try {
    await tx.savepoint((sp) => sp.unsafe(`CREATE OR REPLACE VIEW ${ident(RESULTS_VIEW)} AS ${body}`));
  } catch {
    // Columns changed other than at the end (a percentile added or removed): replace the view. A
    // user's view that depends on it makes this fail, naming it, rather than dropping it.
    await tx.unsafe(`DROP VIEW IF EXISTS ${ident(RESULTS_VIEW)}`);
    await tx.unsafe(`CREATE VIEW ${ident(RESULTS_VIEW)} AS ${body}`);
  }
}

/**
 * Plain PostgreSQL's retention: deletes rows whose window started longer ago than the table's
 * retention. Runs in one transaction under a try-lock, so concurrent callers skip instead of
 * queueing; returns the rows deleted, or undefined when another caller holds the lock. Never
 * needed with TimescaleDB (its retention policies drop whole chunks).
 */
export async function pruneExpired(
  sql: Sql,
  layout: SchemaLayout,
  nowMs: number,
): Promise<number | undefined> {
  return sql.begin(async (tx) => {
    const [lock] =
      await tx`SELECT pg_try_advisory_xact_lock(${LOCK_KEY[0]}::int, ${LOCK_KEY[1] + 1}::int) AS got`;
    if (lock?.got !== true) return undefined;
    let deleted = 0;
    for (const table of layout.tables) {
      const result = await tx.unsafe(
        `DELETE FROM ${ident(table.name)} WHERE start_time < to_timestamp($1::float8 / 1000)`,
        [nowMs - table.retentionMs],
      );
      deleted += result.count;
    }
    return deleted;
  });
}
