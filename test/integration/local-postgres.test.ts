/**
 * The local stack with `sink: 'postgres'` end to end (issue 14), on a real PostgreSQL 15 — plain and
 * with TimescaleDB: points go in over HTTP, the planner and close worker run on each tick (window
 * state in dynalite on disk), results go to PostgreSQL. What comes back through `GET /v1/query` and
 * by plain SQL on the `windrow_results` view equals an oracle over the raw values at every tier, the
 * sliding window and the session window; a late point raises the row's version; the results
 * survive a restart of the stack on the same data directory and database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { exactSum } from '../support/oracles.js';
import { describePostgres, type PostgresServer, startPostgres } from '../support/postgres.js';

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  percentiles: [50, 99.9],
  sliding: [{ size: '3s', slide: '1s' }],
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'postgres',
});

interface Point {
  metric: string;
  t: number;
  value: number;
  host: string;
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

type QueryPoint = Record<string, number | string>;
type QuerySeries = { attributes: Record<string, string>; points: QueryPoint[] };

for (const timescale of [false, true]) {
  describePostgres(
    `Local stack with --sink postgres (${timescale ? 'TimescaleDB' : 'plain PostgreSQL'})`,
    () => {
      let server: PostgresServer;
      let url: string;
      let sql: Sql;
      let stack: LocalStack;
      const dir = mkdtempSync(join(tmpdir(), 'windrow-local-pg-'));
      let offsetMs = 0;
      const clock = { nowMs: () => Date.now() + offsetMs };
      let t0 = 0;
      const points: Point[] = [];
      const lines: string[] = [];

      const start = async () => {
        stack = await startLocalStack({
          config,
          port: 0,
          quiet: true,
          clock,
          dataDir: dir,
          postgresUrl: url,
          log: (l) => lines.push(l),
        });
      };
      const post = async (list: Point[]) => {
        const response = await fetch(`${stack.url}/v1/points`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            points: list.map((p) => ({
              metric: p.metric,
              timestamp: p.t,
              value: p.value,
              attributes: { host: p.host },
            })),
          }),
        });
        expect(response.status).toBe(200);
      };
      const query = async (q: string): Promise<QuerySeries[]> => {
        const response = await fetch(`${stack.url}/v1/query?${q}`);
        const body = (await response.json()) as { series: QuerySeries[] };
        expect(response.status, JSON.stringify(body)).toBe(200);
        return body.series;
      };

      beforeAll(async () => {
        server = await startPostgres({ timescale });
        url = await server.createDatabase();
        sql = postgres(url, { max: 1, onnotice: () => {} });
        await start();
        await stack.closer.tick();
        t0 = Math.ceil((clock.nowMs() + 2_000) / 60_000) * 60_000; // a fresh minute ahead
        offsetMs = t0 - Date.now();
        for (let i = 0; i < 150; i++) {
          const t = t0 + i * 400; // 60 s of data
          points.push({ metric: 'api.latency', t, value: (i * 37) % 100, host: `h${i % 2}` });
          if (i < 10 || i > 20) points.push({ metric: 'checkout.ms', t, value: i, host: 'h0' });
        }
        await post(points);
        while (clock.nowMs() < t0 + 63_000) {
          offsetMs += 1_000;
          await stack.closer.tick();
        }
        for (let i = 0; i < 5; i++) await stack.closer.tick();
      }, 120_000);

      afterAll(async () => {
        await stack?.stop();
        await sql?.end();
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
      });

      it('every tier equals the oracle, through /v1/query and by plain SQL on windrow_results', async () => {
        for (const [tier, size] of [
          ['1s', 1_000],
          ['10s', 10_000],
          ['1m', 60_000],
        ] as const) {
          const series = await query(`metric=api.latency&tier=${tier}&from=${t0}&to=${t0 + 60_000}`);
          const rows =
            await sql`SELECT attributes->>'host' AS host, (extract(epoch FROM start_time) * 1000)::float8 AS start,
            (extract(epoch FROM end_time) * 1000)::float8 AS "end", count::int AS count, sum, min, max, p50, p99_9, version::float8 AS version
          FROM windrow_results WHERE tenant = 'default' AND metric = 'api.latency' AND window_name = ${tier}
            AND start_time >= to_timestamp(${t0 / 1000}) AND start_time < to_timestamp(${(t0 + 60_000) / 1000})
          ORDER BY host, start_time`;
          expect(series.length, tier).toBe(2);
          let n = 0;
          for (const [host, mine] of groupBy(
            points.filter((p) => p.metric === 'api.latency'),
            (p) => p.host,
          )) {
            const windows = [...groupBy(mine, (p) => Math.floor(p.t / size) * size)].sort(
              ([a], [b]) => a - b,
            );
            const api = series.find((s) => s.attributes.host === host)?.points ?? [];
            const db = rows.filter((r) => r.host === host);
            expect(api.length, `${tier} ${host}`).toBe(windows.length);
            expect(db.length, `${tier} ${host}`).toBe(windows.length);
            windows.forEach(([start, ps], i) => {
              const values = ps.map((p) => p.value);
              const expected = {
                start,
                end: start + size,
                count: values.length,
                sum: exactSum(values),
                min: Math.min(...values),
                max: Math.max(...values),
              };
              const a = api[i] as QueryPoint;
              expect({
                start: Date.parse(String(a.start)),
                end: Date.parse(String(a.end)),
                count: a.count,
                sum: a.sum,
                min: a.min,
                max: a.max,
              }).toEqual(expected);
              const r = db[i] as Record<string, unknown>;
              expect({
                start: r.start,
                end: r.end,
                count: r.count,
                sum: r.sum,
                min: r.min,
                max: r.max,
              }).toEqual(expected);
              expect(r.p50).toBe(a.p50);
              expect(r.p99_9).toBe(a['p99.9']);
              expect(r.version).toBe(a.version);
              n += values.length;
            });
          }
          expect(n).toBe(150);
        }
      });

      it('/v1/query on PostgreSQL: tier=auto, attribute filters, sliding windows', async () => {
        const auto = await fetch(`${stack.url}/v1/query?metric=api.latency&from=${t0}&to=${t0 + 100_000}`);
        const body = (await auto.json()) as { tiers: string[]; series: QuerySeries[] };
        expect(body.tiers).toEqual(['1s']);
        const total = body.series.flatMap((s) => s.points).reduce((n, p) => n + Number(p.count), 0);
        expect(total).toBe(points.filter((p) => p.metric === 'api.latency').length);
        const h1 = await query(`metric=api.latency&tier=10s&from=${t0}&to=${t0 + 60_000}&attr.host=h1`);
        expect(h1.map((s) => s.attributes)).toEqual([{ host: 'h1' }]);
        expect(h1[0]?.points.reduce((n, p) => n + Number(p.count), 0)).toBe(
          points.filter((p) => p.metric === 'api.latency' && p.host === 'h1').length,
        );
        expect(await query(`metric=api.latency&tier=10s&from=${t0}&to=${t0 + 60_000}&attr.host=zz`)).toEqual(
          [],
        );
        const sliding = await query(
          `metric=api.latency&window=sliding&from=${t0}&to=${t0 + 60_000}&attr.host=h0`,
        );
        const sp = sliding.flatMap((s) => s.points);
        expect(sp.length).toBeGreaterThan(50);
        expect(sp.every((p) => Date.parse(String(p.end)) - Date.parse(String(p.start)) === 3_000)).toBe(true);
      });

      it('by on PostgreSQL: both hosts merged per window from the stored states, at every tier and the sliding window', async () => {
        const latency = points.filter((p) => p.metric === 'api.latency');
        for (const [tier, size] of [
          ['1s', 1_000],
          ['10s', 10_000],
          ['1m', 60_000],
        ] as const) {
          const grouped = await query(`metric=api.latency&tier=${tier}&from=${t0}&to=${t0 + 60_000}&by=`);
          expect(grouped.length, tier).toBe(1);
          const windows = [...groupBy(latency, (p) => Math.floor(p.t / size) * size)].sort(
            ([a], [b]) => a - b,
          );
          expect(grouped[0]?.points.map((p) => Date.parse(String(p.start)))).toEqual(windows.map(([w]) => w));
          windows.forEach(([, ps], i) => {
            const values = ps.map((p) => p.value);
            expect(grouped[0]?.points[i]).toMatchObject({
              count: values.length,
              sum: exactSum(values),
              min: Math.min(...values),
              max: Math.max(...values),
              series: new Set(ps.map((p) => p.host)).size,
            });
          });
        }
        const [row] = await sql`SELECT count(*)::int AS n FROM windrow_results
          WHERE metric = 'api.latency' AND window_name <> 'session:2s' AND state IS NULL`;
        expect(row?.n).toBe(0);
        const sliding = await query(`metric=api.latency&window=sliding&from=${t0}&to=${t0 + 60_000}&by=host`);
        expect(sliding.map((s) => s.attributes)).toEqual([{ host: 'h0' }, { host: 'h1' }]);
      });

      it('sliding and session windows equal the oracle, in their tables and the view', async () => {
        const sliding =
          await sql`SELECT attributes->>'host' AS host, (extract(epoch FROM start_time) * 1000)::float8 AS start,
          count::int AS count, sum FROM windrow_results_sliding WHERE metric = 'api.latency' AND window_name = '3s/1s'
          AND start_time >= to_timestamp(${(t0 - 2_000) / 1000}) ORDER BY 1, 2`;
        expect(sliding.length).toBeGreaterThan(100);
        for (const r of sliding) {
          const values = points
            .filter(
              (p) =>
                p.metric === 'api.latency' && p.host === r.host && p.t >= r.start && p.t < r.start + 3_000,
            )
            .map((p) => p.value);
          expect({ count: r.count, sum: r.sum }).toEqual({ count: values.length, sum: exactSum(values) });
        }
        const sessions =
          await sql`SELECT count::int AS count, sum FROM windrow_results WHERE metric = 'checkout.ms'
        AND window_name = 'session:2s' ORDER BY start_time`;
        const values = points.filter((p) => p.metric === 'checkout.ms').map((p) => p.value);
        // A 4.4 s silence (i = 10…20) splits the run in two.
        expect(sessions.map((s) => s.count)).toEqual([10, 129]);
        expect(exactSum(sessions.map((s) => s.sum))).toBe(exactSum(values));
        const api = await query(
          `metric=checkout.ms&window=session&tier=session:2s&from=${t0 - 1_000}&to=${t0 + 70_000}`,
        );
        expect(api.flatMap((s) => s.points).map((p) => p.count)).toEqual([10, 129]);
      });

      it('a late point raises the version of its rows at 1s and 10s', async () => {
        const row = async (window: string, start: number) =>
          (
            await sql`SELECT version::float8 AS version, count::int AS count, max FROM windrow_results
            WHERE metric = 'api.latency' AND window_name = ${window} AND attributes->>'host' = 'h0'
              AND start_time = to_timestamp(${start / 1000})`
          )[0];
        const before1 = await row('1s', t0 + 4_000);
        const before10 = await row('10s', t0);
        const late = { metric: 'api.latency', t: t0 + 4_321, value: 99_999, host: 'h0' };
        await post([late]);
        points.push(late);
        for (let i = 0; i < 3; i++) await stack.closer.tick();
        const after1 = await row('1s', t0 + 4_000);
        const after10 = await row('10s', t0);
        expect(after1?.version).toBeGreaterThan(before1?.version);
        expect(after10?.version).toBeGreaterThan(before10?.version);
        expect({ count: after1?.count, max: after1?.max }).toEqual({
          count: (before1?.count ?? 0) + 1,
          max: 99_999,
        });
        expect({ count: after10?.count, max: after10?.max }).toEqual({
          count: (before10?.count ?? 0) + 1,
          max: 99_999,
        });
        const [one] = await sql`SELECT count(*)::int AS n FROM windrow_results WHERE metric = 'api.latency'
        AND window_name = '1s' AND attributes->>'host' = 'h0' AND start_time = to_timestamp(${(t0 + 4_000) / 1000})`;
        expect(one?.n).toBe(1);
        expect(lines).toEqual([]);
      });

      it('PostgreSQL down during a close: the job fails, is retried once it is back, nothing lost or doubled', async () => {
        const t1 = t0 + 120_000;
        const more: Point[] = Array.from({ length: 40 }, (_, i) => ({
          metric: 'api.latency',
          t: t1 + i * 250,
          value: 1_000 + i,
          host: `h${i % 2}`,
        }));
        offsetMs = t1 - Date.now();
        await post(more);
        points.push(...more);
        offsetMs = t1 + 12_000 - Date.now(); // the 1s and 10s windows of these points are due
        server.kill();
        let restartedAt = 0;
        const restart = new Promise<void>((resolve) =>
          setTimeout(() => {
            server.start();
            restartedAt = Date.now();
            resolve();
          }, 2_500),
        );
        await stack.closer.tick(); // closes fail and are retried by the queue until PostgreSQL is back
        await restart;
        const tickedAt = Date.now();
        for (let i = 0; i < 3; i++) {
          offsetMs += 1_000;
          await stack.closer.tick();
        }
        expect(restartedAt).toBeGreaterThan(0);
        expect(tickedAt).toBeGreaterThanOrEqual(restartedAt);
        expect(stack.closer.queue.deadLetters).toEqual([]);
        for (const [tier, size] of [
          ['1s', 1_000],
          ['10s', 10_000],
        ] as const) {
          const rows =
            await sql`SELECT attributes->>'host' AS host, (extract(epoch FROM start_time) * 1000)::float8 AS start,
            count::int AS count, sum FROM windrow_results WHERE metric = 'api.latency' AND window_name = ${tier}
            AND start_time >= to_timestamp(${t1 / 1000}) AND start_time < to_timestamp(${(t1 + 10_000) / 1000})
          ORDER BY 1, 2`;
          const expected = [...groupBy(more, (p) => `${p.host} ${Math.floor(p.t / size) * size}`)]
            .map(([key, ps]) => {
              const [host, start] = key.split(' ');
              return { host, start: Number(start), count: ps.length, sum: exactSum(ps.map((p) => p.value)) };
            })
            .sort((a, b) =>
              a.host === b.host ? a.start - b.start : (a.host ?? '') < (b.host ?? '') ? -1 : 1,
            );
          expect(
            rows.map((r) => ({ ...r })),
            tier,
          ).toEqual(expected);
        }
      }, 60_000);

      it('results survive a restart of the stack; more ticks change no row', async () => {
        const snapshot = async () =>
          (
            await sql`SELECT window_name, series_id, start_time, version, count, sum FROM windrow_results
            WHERE tenant = 'default' ORDER BY window_name, series_id, start_time`
          ).map((r) => ({ ...r }));
        const before = await snapshot();
        expect(before.length).toBeGreaterThan(300);
        await stack.stop();
        await start();
        for (let i = 0; i < 3; i++) await stack.closer.tick();
        expect(await snapshot()).toEqual(before);
        const series = await query(`metric=api.latency&tier=10s&from=${t0}&to=${t0 + 60_000}`);
        const total = series.flatMap((s) => s.points).reduce((n, p) => n + Number(p.count), 0);
        const [db] = await sql`SELECT sum(count)::int AS n FROM windrow_results WHERE metric = 'api.latency'
        AND window_name = '10s' AND start_time >= to_timestamp(${t0 / 1000}) AND start_time < to_timestamp(${(t0 + 60_000) / 1000})`;
        const inRange = points.filter(
          (p) => p.metric === 'api.latency' && p.t >= t0 && p.t < t0 + 60_000,
        ).length;
        expect({ api: total, sql: db?.n }).toEqual({ api: inRange, sql: inRange });
      }, 60_000);
    },
  );
}
