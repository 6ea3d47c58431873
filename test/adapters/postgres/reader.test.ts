/**
 * The PostgreSQL reader against a real PostgreSQL 15: what the sink wrote comes back as the same
 * records (every stat, percentiles, explicit and exponential buckets), ordered by start then series,
 * in range, limited, filtered by `where` with the readers' string compare; superseded sessions never.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from '../../../lib/adapters/postgres/connection.js';
import { jsonCandidates, PostgresResultReader } from '../../../lib/adapters/postgres/reader.js';
import { schemaLayout } from '../../../lib/adapters/postgres/schema.js';
import { PostgresResultSink } from '../../../lib/adapters/postgres/sink.js';
import type { ResultRecord } from '../../../lib/app/results.js';
import { parseConfig } from '../../../lib/core/config/config.js';
import { describePostgres, type PostgresServer, startPostgres } from '../../support/postgres.js';
import { record, T0 } from '../../support/postgres-records.js';

const config = parseConfig({
  tiers: ['1m', '1h'],
  percentiles: [50, 99, 99.9],
  sliding: [{ size: '5m', slide: '1m' }],
  sessions: [{ match: 'session.*', gap: '5m' }],
});
const layout = schemaLayout(config);

it('where texts become the jsonb values they are the text of', () => {
  expect(jsonCandidates('/api')).toEqual(['"/api"']);
  expect(jsonCandidates('200')).toEqual(['"200"', '200']);
  expect(jsonCandidates('1e+21')).toEqual(['"1e+21"', '1e+21']);
  expect(jsonCandidates('1e21')).toEqual(['"1e21"']); // String(1e21) is '1e+21'
  expect(jsonCandidates('true')).toEqual(['"true"', 'true']);
  expect(jsonCandidates('null')).toEqual(['"null"', 'null']);
  expect(jsonCandidates('[1,2]')).toEqual(['"[1,2]"', '[1,2]']);
  expect(jsonCandidates('[1, 2]')).toEqual(['"[1, 2]"']);
});

describePostgres('PostgreSQL results reader', () => {
  let server: PostgresServer;
  let database: PostgresDatabase;
  let sink: PostgresResultSink;
  let reader: PostgresResultReader;
  const written: ResultRecord[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    database = new PostgresDatabase({ url: await server.createDatabase(), max: 2 }, config);
    sink = new PostgresResultSink({ database, layout });
    reader = new PostgresResultReader({ database, layout });
    for (let m = 0; m < 5; m++) {
      for (const [s, attributes] of [
        ['b', { route: '/b', code: 200, ok: true }],
        ['a', { route: '/a', code: '200', tags: [1, 2] }],
      ] as const) {
        written.push(
          record({
            seriesId: s.repeat(32),
            attributes,
            startMs: T0 + m * 60_000,
            endMs: T0 + (m + 1) * 60_000,
            version: m + 1,
            stats:
              s === 'a'
                ? {
                    count: 4,
                    sum: 10,
                    min: 1,
                    max: 4,
                    avg: 2.5,
                    stddev: 1.118,
                    percentiles: { p50: 2, p99: 4, 'p99.9': 4 },
                    buckets: { bounds: [2], counts: [2, 2] },
                  }
                : {
                    count: 2,
                    sum: -1.5,
                    last: 7,
                    rate: 0.25,
                    expBuckets: {
                      scale: 3,
                      zeroCount: 1,
                      positive: { offset: -2, counts: [1] },
                      negative: { offset: 0, counts: [] },
                    },
                  },
          }),
        );
      }
    }
    await sink.write(written);
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await server?.stop();
  });

  const base = { tenant: 'acme', metric: 'http.server.duration', window: '1m' };

  it('reads back exactly what was written, ordered by start then series', async () => {
    const rows = await reader.read({ ...base, fromMs: T0, toMs: T0 + 5 * 60_000 });
    const expected = [...written].sort((x, y) => x.startMs - y.startMs || (x.seriesId < y.seriesId ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('range is [from, to), limit cuts in order', async () => {
    const rows = await reader.read({ ...base, fromMs: T0 + 60_000, toMs: T0 + 3 * 60_000, limit: 3 });
    expect(rows.map((r) => [r.startMs - T0, r.seriesId[0]])).toEqual([
      [60_000, 'a'],
      [60_000, 'b'],
      [120_000, 'a'],
    ]);
    expect(await reader.read({ ...base, fromMs: T0 + 5 * 60_000, toMs: T0 + 9 * 60_000 })).toEqual([]);
    expect(await reader.read({ ...base, window: '1d', fromMs: T0, toMs: T0 + 60_000 })).toEqual([]);
  });

  it('where compares attribute texts exactly', async () => {
    const ids = async (where: Record<string, string>) => [
      ...new Set(
        (await reader.read({ ...base, fromMs: T0, toMs: T0 + 60_000, where })).map((r) => r.seriesId[0]),
      ),
    ];
    expect(await ids({ route: '/a' })).toEqual(['a']);
    expect(await ids({ code: '200' })).toEqual(['a', 'b']); // '200' the string and 200 the number
    expect(await ids({ ok: 'true' })).toEqual(['b']);
    expect(await ids({ tags: '[1,2]' })).toEqual(['a']);
    expect(await ids({ route: '/a', code: '200' })).toEqual(['a']);
    expect(await ids({ missing: 'x' })).toEqual([]);
    expect(await ids({ route: "'; DROP TABLE windrow_results_1m; --" })).toEqual([]);
  });

  it('a superseded session is never read', async () => {
    const session = record({
      metric: 'session.clicks',
      window: 'session:5m',
      windowKind: 'session',
      version: 3,
    });
    await sink.write([session]);
    const query = {
      tenant: 'acme',
      metric: 'session.clicks',
      window: 'session:5m',
      fromMs: T0,
      toMs: T0 + 60_000,
    };
    expect(await reader.read(query)).toEqual([session]);
    const { stats: _stats, ...identity } = session;
    await sink.supersede([{ ...identity, version: 4 }]);
    expect(await reader.read(query)).toEqual([]);
  });
});
