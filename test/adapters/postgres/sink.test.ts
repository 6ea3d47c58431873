/**
 * The PostgreSQL sink and schema against a real PostgreSQL 15, plain and with TimescaleDB: the
 * schema is created once and again without change, concurrent migrations do not race, re-writes are
 * idempotent, a lower version never replaces a higher one, supersede deletes where version ≤, and
 * a write while the server is down fails with StoreUnavailableError.
 */
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from '../../../lib/adapters/postgres/connection.js';
import { migrate, pruneExpired, schemaLayout } from '../../../lib/adapters/postgres/schema.js';
import { PostgresResultSink } from '../../../lib/adapters/postgres/sink.js';
import { StoreUnavailableError } from '../../../lib/app/errors.js';
import { parseConfig } from '../../../lib/core/config/config.js';
import { describePostgres, type PostgresServer, startPostgres } from '../../support/postgres.js';
import { record, T0 } from '../../support/postgres-records.js';

const config = parseConfig({
  tiers: ['1m', '1h'],
  percentiles: [50, 99, 99.9],
  sliding: [{ size: '5m', slide: '1m' }],
  sessions: [{ match: 'session.*', gap: '5m' }],
  correctionHorizon: '2h',
  retention: { '1m': '30d' },
});
const layout = schemaLayout(config);

for (const timescale of [false, true]) {
  describePostgres(`PostgreSQL results sink (${timescale ? 'TimescaleDB' : 'plain PostgreSQL'})`, () => {
    let server: PostgresServer;
    let url: string;
    let sql: Sql;
    let database: PostgresDatabase;
    let sink: PostgresResultSink;

    beforeAll(async () => {
      server = await startPostgres({ timescale });
      url = await server.createDatabase();
      sql = postgres(url, { max: 2, onnotice: () => {} });
      database = new PostgresDatabase({ url, max: 2 }, config);
      sink = new PostgresResultSink({ database, layout, retry: { sleep: async () => {} } });
    }, 60_000);

    afterAll(async () => {
      await sql?.end();
      await database?.close();
      await server?.stop();
    });

    it('creates the schema once; concurrent migrations do not race; again is a no-op', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4].map(async () => {
          const own = postgres(url, { max: 1, onnotice: () => {} });
          try {
            return await migrate(own, config);
          } finally {
            await own.end();
          }
        }),
      );
      expect(results.every((r) => r.timescaledb === timescale)).toBe(true);
      expect(results.filter((r) => r.changed).length).toBeGreaterThanOrEqual(1);
      expect(await migrate(sql, config)).toEqual({ timescaledb: timescale, changed: false });
      const tables = await sql`SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name LIKE 'windrow_results%' ORDER BY 1`;
      expect(tables.map((t) => t.table_name)).toEqual([
        'windrow_results',
        'windrow_results_1h',
        'windrow_results_1m',
        'windrow_results_session',
        'windrow_results_sliding',
      ]);
      const columns = await sql`SELECT column_name FROM information_schema.columns
        WHERE table_name = 'windrow_results' ORDER BY ordinal_position`;
      expect(columns.map((c) => c.column_name)).toEqual([
        'tenant',
        'metric',
        'window_name',
        'start_time',
        'end_time',
        'series_id',
        'resource',
        'scope',
        'attributes',
        'type',
        'unit',
        'count',
        'sum',
        'min',
        'max',
        'avg',
        'stddev',
        'p50',
        'p99',
        'p99_9',
        'last',
        'rate',
        'buckets',
        'version',
        'state',
      ]);
      const [migrations] = await sql`SELECT count(*)::int AS n FROM windrow_migrations`;
      expect(migrations?.n).toBe(1);
      if (timescale) {
        const hypertables =
          await sql`SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1`;
        expect(hypertables.map((h) => h.hypertable_name)).toEqual([
          'windrow_results_1h',
          'windrow_results_1m',
          'windrow_results_session',
          'windrow_results_sliding',
        ]);
        const jobs = await sql`SELECT hypertable_name, proc_name, config FROM timescaledb_information.jobs
          WHERE hypertable_name = 'windrow_results_1m' ORDER BY proc_name`;
        expect(jobs.map((j) => j.proc_name)).toEqual(['policy_compression', 'policy_retention']);
        const retention = jobs.find((j) => j.proc_name === 'policy_retention');
        expect(retention?.config.drop_after).toBe('30 days');
      }
    }, 60_000);

    it('a configuration change adds tables, percentile columns and replaces the view', async () => {
      const own = postgres(await server.createDatabase(), { max: 1, onnotice: () => {} });
      try {
        const before = parseConfig({ tiers: ['1m', '1h'], percentiles: [50, 99] });
        await migrate(own, before);
        await own`INSERT INTO windrow_results_1m (tenant, metric, window_name, start_time, end_time, series_id,
          resource, attributes, type, unit, count, p50, p99, version)
          VALUES ('t', 'm', '1m', now(), now(), 's', '{}', '{}', 'gauge', '', 1, 5, 9, 1)`;
        // A percentile in the middle (the view's columns change other than at the end), a tier at the end.
        const after = parseConfig({ tiers: ['1m', '1h', '1d'], percentiles: [50, 90, 99] });
        expect(await migrate(own, after)).toEqual({ timescaledb: timescale, changed: true });
        const columns = await own`SELECT column_name FROM information_schema.columns
          WHERE table_name = 'windrow_results' AND column_name LIKE 'p%' ORDER BY ordinal_position`;
        expect(columns.map((c) => c.column_name)).toEqual(['p50', 'p90', 'p99']);
        const [row] = await own`SELECT p50, p90, p99 FROM windrow_results WHERE tenant = 't'`;
        expect({ ...row }).toEqual({ p50: 5, p90: null, p99: 9 });
        const [tables] = await own`SELECT count(*)::int AS n FROM information_schema.tables
          WHERE table_name = 'windrow_results_1d'`;
        expect(tables?.n).toBe(1);
        // Fewer percentiles: the column stays in the tables with its data, the view shows the configured ones.
        await migrate(own, parseConfig({ tiers: ['1m', '1h', '1d'], percentiles: [50] }));
        const [left] = await own`SELECT p99 FROM windrow_results_1m WHERE tenant = 't'`;
        expect(left?.p99).toBe(9);
      } finally {
        await own.end();
      }
    }, 60_000);

    it('writes rows readable by plain SQL on windrow_results; a re-write changes nothing', async () => {
      const r = record();
      expect(await sink.write([r])).toEqual({ written: 1, rejected: 0, rejections: [] });
      await sink.write([r]);
      const rows =
        await sql`SELECT tenant, metric, window_name, extract(epoch FROM start_time)::float8 * 1000 AS start_ms,
        extract(epoch FROM end_time)::float8 * 1000 AS end_ms, series_id, resource, scope, attributes, type, unit,
        count::int AS count, sum, min, max, avg, stddev, p50, p99, p99_9, last, rate, buckets, version::int AS version, state
        FROM windrow_results WHERE tenant = 'acme' AND window_name = '1m'`;
      expect(rows).toHaveLength(1);
      expect({ ...rows[0] }).toEqual({
        tenant: 'acme',
        metric: 'http.server.duration',
        window_name: '1m',
        start_ms: T0,
        end_ms: T0 + 60_000,
        series_id: r.seriesId,
        resource: { 'service.name': 'web' },
        scope: null,
        attributes: { route: '/api', code: 200 },
        type: 'histogram',
        unit: 'ms',
        count: 3,
        sum: 6,
        min: 1,
        max: 3,
        avg: 2,
        stddev: 0.816,
        p50: 2,
        p99: 3,
        p99_9: 3,
        last: null,
        rate: null,
        buckets: { bounds: [1, 2], counts: [1, 1, 1] },
        version: 1,
        state: null,
      });
    });

    it('a higher version replaces the row, a lower one never does', async () => {
      const key = { seriesId: 'ffff0000ffff0000ffff0000ffff0000' };
      await sink.write([record({ ...key, version: 5, stats: { count: 5 } })]);
      await sink.write([record({ ...key, version: 3, stats: { count: 3 } })]);
      const version = async () =>
        (
          await sql`SELECT version::int AS v, count::int AS c FROM windrow_results_1m WHERE series_id = ${key.seriesId}`
        )[0];
      expect({ ...(await version()) }).toEqual({ v: 5, c: 5 });
      await sink.write([
        record({ ...key, version: 7, stats: { count: 7 } }),
        record({ ...key, version: 6, stats: { count: 6 } }),
      ]);
      expect({ ...(await version()) }).toEqual({ v: 7, c: 7 });
    });

    it('writes each window kind to its table, many rows in batches', async () => {
      const many = Array.from({ length: 1234 }, (_, i) =>
        record({
          seriesId: i.toString(16).padStart(32, '0'),
          window: '1h',
          startMs: T0,
          endMs: T0 + 3_600_000,
        }),
      );
      const sliding = record({ window: '5m/1m', windowKind: 'sliding', endMs: T0 + 300_000 });
      const session = record({ metric: 'session.clicks', window: 'session:5m', windowKind: 'session' });
      expect((await sink.write([...many, sliding, session])).written).toBe(1236);
      const counts =
        await sql`SELECT window_name, count(*)::int AS n FROM windrow_results GROUP BY 1 ORDER BY 1`;
      expect(Object.fromEntries(counts.map((c) => [c.window_name, c.n]))).toMatchObject({
        '1h': 1234,
        '5m/1m': 1,
        'session:5m': 1,
      });
      const [inSession] = await sql`SELECT count(*)::int AS n FROM windrow_results_session`;
      expect(inSession?.n).toBe(1);
    });

    it('supersede deletes where version ≤, keeps a higher version; idempotent', async () => {
      const base = { metric: 'session.views', window: 'session:5m', windowKind: 'session' as const };
      await sink.write([
        record({ ...base, seriesId: 'a'.repeat(32), version: 2 }),
        record({ ...base, seriesId: 'b'.repeat(32), version: 9 }),
      ]);
      const superseded = [
        { ...record({ ...base, seriesId: 'a'.repeat(32), version: 4 }) },
        { ...record({ ...base, seriesId: 'b'.repeat(32), version: 4 }) },
      ].map(({ stats: _stats, ...rest }) => rest);
      await sink.supersede(superseded);
      await sink.supersede(superseded);
      const left =
        await sql`SELECT series_id, version::int AS v FROM windrow_results_session WHERE metric = 'session.views'`;
      expect(left.map((r) => ({ ...r }))).toEqual([{ series_id: 'b'.repeat(32), v: 9 }]);
    });

    it('rejects a record PostgreSQL cannot hold (U+0000) and writes the rest', async () => {
      const report = await sink.write([
        record({ seriesId: 'c'.repeat(32), attributes: { bad: 'a\u0000b' } }),
        record({ seriesId: 'd'.repeat(32) }),
      ]);
      expect(report.written).toBe(1);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 0, seriesId: 'c'.repeat(32) })]);
    });

    it('a write while PostgreSQL is down throws StoreUnavailableError; once it is back it lands', async () => {
      const r = record({ seriesId: 'e'.repeat(32) });
      server.kill();
      try {
        const error = await sink.write([r]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
      } finally {
        server.start();
      }
      await sink.write([r]);
      const [row] =
        await sql`SELECT count(*)::int AS n FROM windrow_results_1m WHERE series_id = ${r.seriesId}`;
      expect(row?.n).toBe(1);
    }, 60_000);

    it.runIf(!timescale)(
      'plain PostgreSQL: the sink deletes expired rows (pruneExpired), at most once per interval',
      async () => {
        let nowMs = Date.now();
        const pruning = new PostgresResultSink({
          database,
          layout,
          clock: { nowMs: () => nowMs },
          pruneEveryMs: 60_000,
        });
        const day = 86_400_000;
        const old = record({
          seriesId: '1'.repeat(32),
          startMs: nowMs - 31 * day,
          endMs: nowMs - 31 * day + 60_000,
        });
        const kept = record({
          seriesId: '2'.repeat(32),
          startMs: nowMs - 29 * day,
          endMs: nowMs - 29 * day + 60_000,
        });
        await pruning.write([kept]); // the first write prunes; none again within the minute
        await pruning.write([old]);
        const ids = async () =>
          (
            await sql`SELECT series_id FROM windrow_results_1m WHERE series_id IN (${old.seriesId}, ${kept.seriesId}) ORDER BY 1`
          ).map((r) => r.series_id);
        expect(await ids()).toEqual([old.seriesId, kept.seriesId]);
        nowMs += 61_000;
        await pruning.write([kept]);
        expect(await ids()).toEqual([kept.seriesId]);
        expect(await pruneExpired(sql, layout, nowMs)).toBe(0);
      },
    );

    it.runIf(timescale)(
      'TimescaleDB: the compression and retention policies run (run_job) and do their work',
      async () => {
        const now = Date.now();
        const day = 86_400_000;
        const old = record({
          seriesId: '1'.repeat(32),
          startMs: now - 400 * day,
          endMs: now - 400 * day + 60_000,
        });
        const settled = record({
          seriesId: '2'.repeat(32),
          startMs: now - 10 * day,
          endMs: now - 10 * day + 60_000,
        });
        const fresh = record({ seriesId: '3'.repeat(32), startMs: now - 60_000, endMs: now });
        await sink.write([old, settled, fresh]);
        const jobs = await sql`SELECT job_id, proc_name FROM timescaledb_information.jobs
        WHERE hypertable_name = 'windrow_results_1m' ORDER BY proc_name`;
        for (const job of jobs) {
          await sql`CALL run_job(${job.job_id}::int)`.catch((e) => {
            throw new Error(`job ${job.job_id} ${job.proc_name}: ${e.message}`);
          });
        }
        const present = await sql`SELECT series_id FROM windrow_results_1m WHERE series_id IN
        (${old.seriesId}, ${settled.seriesId}, ${fresh.seriesId}) ORDER BY 1`;
        expect(present.map((r) => r.series_id)).toEqual([settled.seriesId, fresh.seriesId]);
        const chunks = await sql`SELECT range_start, is_compressed FROM timescaledb_information.chunks
        WHERE hypertable_name = 'windrow_results_1m' ORDER BY range_start`;
        const compressed = chunks.filter((c) => c.is_compressed);
        const open = chunks.filter((c) => !c.is_compressed);
        expect(compressed.length).toBeGreaterThanOrEqual(1);
        expect(open.length).toBeGreaterThanOrEqual(1);
        // A late correction still lands in a compressed chunk, and never lowers a version there.
        await sink.write([
          { ...settled, version: 2, stats: { count: 9 } },
          { ...settled, version: 1, stats: { count: 1 } },
        ]);
        const [row] =
          await sql`SELECT version::int AS v, count::int AS c FROM windrow_results WHERE series_id = ${settled.seriesId}`;
        expect({ ...row }).toEqual({ v: 2, c: 9 });
        // Every windrow policy runs.
        const all = await sql`SELECT job_id, proc_name FROM timescaledb_information.jobs
        WHERE hypertable_name LIKE 'windrow_results_%' ORDER BY job_id`;
        expect(all.length).toBe(8);
        for (const job of all) await sql`CALL run_job(${job.job_id}::int)`;
      },
    );
  });
}
