/**
 * The README's Grafana queries ("Results in PostgreSQL or TimescaleDB" → Grafana) run as written
 * against a real PostgreSQL holding what the sink wrote, with Grafana's PostgreSQL macros expanded
 * as Grafana expands them (`$__timeFilter(c)` → `c BETWEEN '<from>' AND '<to>'`,
 * `$__timeGroupAlias(c,'5m')` → `floor(extract(epoch from c)/300)*300 AS "time"`, or
 * `time_bucket('300s',c) AS "time"` with the data source's TimescaleDB switch on), and answer what
 * the README says they answer.
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/postgres/connection.js';
import { schemaLayout } from '#adapters/postgres/schema.js';
import { PostgresResultSink } from '#adapters/postgres/sink.js';
import { parseConfig } from '#core/config/config.js';
import { describePostgres, type PostgresServer, startPostgres } from '../support/postgres.js';
import { record, T0 } from '../support/postgres-records.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const grafana = readme.slice(readme.indexOf('#### Grafana'));
const queries = [...grafana.slice(0, grafana.indexOf('\n## ')).matchAll(/```sql\n([\s\S]*?)```/g)].map(
  (m) => m[1] ?? '',
);

function expand(sql: string, fromMs: number, toMs: number, timescale: boolean): string {
  return sql
    .replace(
      /\$__timeFilter\((\w+)\)/g,
      (_, c) => `${c} BETWEEN '${new Date(fromMs).toISOString()}' AND '${new Date(toMs).toISOString()}'`,
    )
    .replace(/\$__timeGroupAlias\((\w+),\s*'(\d+)m'\)/g, (_, c, m) =>
      timescale
        ? `time_bucket('${Number(m) * 60}s',${c}) AS "time"`
        : `floor(extract(epoch from ${c})/${Number(m) * 60})*${Number(m) * 60} AS "time"`,
    );
}

it('the README has the three Grafana queries, with the macros', () => {
  expect(queries).toHaveLength(3);
  for (const q of queries) expect(q).toContain('$__timeFilter(start_time)');
  expect(queries.join('\n')).not.toMatch(/avg\(p99\)/i);
});

for (const timescale of [false, true]) {
  describePostgres(`README Grafana queries (${timescale ? 'TimescaleDB' : 'plain PostgreSQL'})`, () => {
    let server: PostgresServer;
    let database: PostgresDatabase;
    let url: string;
    const config = parseConfig({ tiers: ['1m', '1h'] });
    const routes = ['/a', '/b'];

    beforeAll(async () => {
      server = await startPostgres({ timescale });
      url = await server.createDatabase();
      database = new PostgresDatabase({ url }, config);
      const sink = new PostgresResultSink({ database, layout: schemaLayout(config) });
      // 10 minutes of 1m windows, two routes: count 60 + m, max 100·m + route index, p99 m + 0.5.
      await sink.write(
        routes.flatMap((route, r) =>
          Array.from({ length: 10 }, (_, m) =>
            record({
              tenant: 'default',
              metric: 'http.server.request.duration',
              seriesId: String(r).repeat(32),
              attributes: { 'http.route': route },
              startMs: T0 + m * 60_000,
              endMs: T0 + (m + 1) * 60_000,
              stats: { count: 60 + m, max: 100 * m + r, percentiles: { p99: m + 0.5 } },
            }),
          ),
        ),
      );
    }, 60_000);

    afterAll(async () => {
      await database?.close();
      await server?.stop();
    });

    const run = async (i: number) => {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        // The dashboard range: the first 5 minutes (BETWEEN includes its end: the 6th window's start).
        return (await sql.unsafe(expand(queries[i] ?? '', T0, T0 + 4 * 60_000, timescale))).map((r) => ({
          ...r,
        }));
      } finally {
        await sql.end();
      }
    };

    it('requests and the slowest request per route', async () => {
      expect(await run(0)).toEqual([
        { route: '/a', requests: String(60 + 61 + 62 + 63 + 64), slowest_ms: 400 },
        { route: '/b', requests: String(60 + 61 + 62 + 63 + 64), slowest_ms: 401 },
      ]);
    });

    it('the p99 of each series per window, never averaged', async () => {
      const rows = await run(1);
      expect(rows).toHaveLength(10);
      expect(rows.map((r) => [(r.time as Date).getTime() - T0, r.metric, r.p99])).toEqual(
        [0, 1, 2, 3, 4].flatMap((m) => routes.map((route) => [m * 60_000, route, m + 0.5])),
      );
    });

    it('requests per second per route in 5-minute buckets', async () => {
      const rows = await run(2);
      const time = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t) * 1000);
      expect(
        rows.map((r) => [time(r.time) - T0, r.metric, Number(Number(r.requests_per_second).toFixed(9))]),
      ).toEqual(routes.map((route) => [0, route, Number(((60 + 61 + 62 + 63 + 64) / 300).toFixed(9))]));
    });
  });
}
