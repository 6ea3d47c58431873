/**
 * A rotated password (issue 14, Secrets Manager): the sink's connection is ended after the database
 * role's password changed; its next write reconnects, PostgreSQL refuses the old password, the pool
 * is dropped and the URL read again (with `refresh`, past the Powertools cache) — the write lands
 * within its retries. On a real PostgreSQL 15 + TimescaleDB with scram-sha-256 over TCP, as the
 * README's role: no superuser, the database's owner, the extension created once by an administrator.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/postgres/connection.js';
import { migrate, schemaLayout } from '#adapters/postgres/schema.js';
import { PostgresResultSink } from '#adapters/postgres/sink.js';
import { parseConfig } from '#core/config/config.js';
import { describePostgres, type PostgresServer, startPostgres } from '../../support/postgres.js';
import { record } from '../../support/postgres-records.js';

const config = parseConfig({ tiers: ['1m', '1h'] });

describePostgres('PostgreSQL sink after a password rotation', () => {
  let server: PostgresServer;
  let admin: ReturnType<typeof postgres>;

  beforeAll(async () => {
    server = await startPostgres({ password: 'admin-pw', timescale: true });
    admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin`CREATE ROLE windrow LOGIN PASSWORD 'first'`;
    await admin`CREATE DATABASE metrics OWNER windrow`;
    // The one-time step the README names, by a role that may.
    const owner = postgres(server.url.replace(/\/postgres$/, '/metrics'), { max: 1, onnotice: () => {} });
    await owner`CREATE EXTENSION timescaledb`;
    await owner.end();
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('reads the URL again when the login is refused, and the write lands', async () => {
    let password = 'first';
    const reads: boolean[] = [];
    let cached: string | undefined;
    const database = new PostgresDatabase(
      {
        // As Powertools Parameters caches the secret: the cached value unless asked to refresh.
        url: async ({ refresh }) => {
          reads.push(refresh);
          if (cached === undefined || refresh) cached = password;
          return `postgres://windrow:${cached}@127.0.0.1:${server.port}/metrics`;
        },
      },
      config,
    );
    const sink = new PostgresResultSink({
      database,
      layout: schemaLayout(config),
      retry: { sleep: async () => {} },
    });
    try {
      await sink.write([record({ seriesId: 'a'.repeat(32) })]);
      expect(reads).toEqual([false]);
      // Rotation: the secret and the role change; the running session is ended (a network blip).
      password = 'second';
      await admin`ALTER ROLE windrow PASSWORD 'second'`;
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'windrow'`;
      await sink.write([record({ seriesId: 'b'.repeat(32) })]);
      // The lost connection: a new pool (cached URL) → login refused → the secret read past the cache.
      expect(reads).toEqual([false, false, true]);
      const check = postgres(`postgres://windrow:second@127.0.0.1:${server.port}/metrics`, { max: 1 });
      const ids = await check`SELECT series_id FROM windrow_results_1m ORDER BY 1`;
      const hypertables =
        await check`SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1`;
      await check.end();
      expect(ids.map((r) => r.series_id)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
      // The windrow role (no superuser) made its hypertables and policies.
      expect(hypertables.map((h) => h.hypertable_name)).toEqual(['windrow_results_1h', 'windrow_results_1m']);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('a role that may not create the extension (not the database owner) gets plain tables, no failure', async () => {
    // Not the owner and no CREATE on the database: may not create even a trusted extension.
    await admin`CREATE DATABASE plainmetrics`;
    await admin`GRANT CONNECT ON DATABASE plainmetrics TO windrow`;
    const owner = postgres(server.url.replace(/\/postgres$/, '/plainmetrics'), {
      max: 1,
      onnotice: () => {},
    });
    await owner`GRANT CREATE, USAGE ON SCHEMA public TO windrow`;
    await owner.end();
    const sql = postgres(`postgres://windrow:second@127.0.0.1:${server.port}/plainmetrics`, {
      max: 1,
      onnotice: () => {},
    });
    try {
      expect(await migrate(sql, config)).toEqual({ timescaledb: false, changed: true });
      const [ext] = await sql`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`;
      expect(ext?.n).toBe(0);
      const [index] =
        await sql`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'windrow_results_1m_start_time'`;
      expect(index?.n).toBe(1);
    } finally {
      await sql.end();
    }
  });
});
