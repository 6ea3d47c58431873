/**
 * Session corrections through Timestream, which cannot delete: the close use case writes through the
 * real Timestream sink and SDK client to the protocol-level write fake; a late point bridging two
 * emitted sessions re-emits the first with a higher Version, and the second is written again at its
 * key with a higher Version and `superseded` = 1. What the fake then holds, served back as Timestream
 * would answer a `SELECT *` (through the query fake and the real query client), is read by
 * `TimestreamReader` and by the query use case: neither ever returns the superseded session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimestreamSink, timestreamTableName } from '#adapters/timestream/index.js';
import { TimestreamReader } from '#adapters/timestream/reader.js';
import { parseQueryParams } from '#app/query/params.js';
import { query } from '#app/query/query.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import {
  type FakeTimestream,
  fakeTimestreamClient,
  type StoredRecord,
  startFakeTimestream,
} from '../support/fake-timestream.js';
import {
  type FakeTimestreamQuery,
  fakeTimestreamQueryClient,
  type QueryPage,
  startFakeTimestreamQuery,
} from '../support/fake-timestream-query.js';
import { MemoryLookup } from '../support/memory-close.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const DB = 'windrow';
const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'timestream',
});
const SESSION_TABLE = timestreamTableName('session:2s', 'session');
let fake: FakeTimestream;
let queryFake: FakeTimestreamQuery;
let now = T0;

beforeAll(async () => {
  fake = await startFakeTimestream({ now: () => now });
  queryFake = await startFakeTimestreamQuery();
  fake.createDatabase(DB);
  for (const tier of config.tiers) fake.createTable(DB, timestreamTableName(tier.name, 'tier'));
  fake.createTable(DB, SESSION_TABLE);
});
afterAll(async () => {
  await fake?.stop();
  await queryFake?.stop();
});

/** What a `SELECT *` over the stored records answers: every column once, NULL where a record has none. */
function selectAll(records: readonly StoredRecord[]): QueryPage {
  const dimensions = [...new Set(records.flatMap((r) => Object.keys(r.dimensions)))].sort();
  const measures = new Map<string, string>();
  for (const r of records) for (const [name, m] of Object.entries(r.measures)) measures.set(name, m.type);
  const columns = [
    ...dimensions.map((name) => ({ Name: name, Type: { ScalarType: 'VARCHAR' } })),
    { Name: 'measure_name', Type: { ScalarType: 'VARCHAR' } },
    { Name: 'time', Type: { ScalarType: 'TIMESTAMP' } },
    ...[...measures].map(([name, type]) => ({ Name: name, Type: { ScalarType: type } })),
  ];
  const timestamp = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000000`;
  return {
    QueryId: 'fake-select-all',
    ColumnInfo: columns,
    Rows: records.map((r) => ({
      Data: [
        ...dimensions.map((d) =>
          r.dimensions[d] === undefined ? { NullValue: true } : { ScalarValue: r.dimensions[d] },
        ),
        { ScalarValue: r.measureName },
        { ScalarValue: timestamp(Number(r.time)) },
        ...[...measures.keys()].map((m) =>
          r.measures[m] === undefined ? { NullValue: true } : { ScalarValue: r.measures[m]?.value },
        ),
      ],
    })),
  };
}

describe('Session corrections → TimestreamSink → fake Timestream → TimestreamReader', () => {
  it('writes the replaced session again with a higher Version and superseded = 1; readers never return it', async () => {
    const harness = new CloseHarness(config, T0);
    harness.resultSink = new TimestreamSink({ client: fakeTimestreamClient(fake), databaseName: DB });
    const point = (t: number, value: number, host: string): RawPoint => ({
      metric: 'checkout.ms',
      t,
      value,
      attributes: { host },
    });
    const onTime = [
      point(T0 + 1_000, 1, 'a'),
      point(T0 + 1_500, 2, 'a'),
      point(T0 + 4_000, 3, 'a'), // 2.5 s after the last one: a second session
      point(T0 + 4_300, 4, 'a'),
      point(T0 + 1_200, 10, 'b'),
    ];
    await harness.tick();
    now = T0 + 500;
    harness.clock.now = now;
    await harness.send(onTime);
    for (let t = T0 + 1_000; t <= T0 + 12_000; t += 1_000) {
      now = t;
      await harness.runUntil(t, 1_000);
    }
    expect(harness.failures).toEqual([]);
    const byStart = () =>
      new Map(
        fake
          .stored(DB, SESSION_TABLE)
          .filter((r) => r.dimensions.host === 'a')
          .map((r) => [Number(r.time), r]),
      );
    const before = byStart();
    expect([...before.keys()]).toEqual([T0 + 1_000, T0 + 4_000]);
    expect([...before.values()].map((r) => r.measures.count?.value)).toEqual(['2', '2']);
    expect([...before.values()].some((r) => r.measures.superseded !== undefined)).toBe(false);

    // 1.3 s after the first session, 1.2 s before the second: one session now.
    await harness.send([point(T0 + 2_800, 5, 'a')]);
    for (let i = 0; i < 3; i++) await harness.tick();
    expect(harness.failures).toEqual([]);
    const after = byStart();
    const merged = after.get(T0 + 1_000);
    const replaced = after.get(T0 + 4_000);
    expect(merged?.measures.count?.value).toBe('5');
    expect(merged?.measures.sum?.value).toBe('15');
    expect(Number(merged?.measures.window_end?.value)).toBe(T0 + 4_300 + 2_000);
    expect(merged?.measures.superseded).toBeUndefined();
    expect(merged?.version ?? 0).toBeGreaterThan(before.get(T0 + 1_000)?.version ?? Number.POSITIVE_INFINITY);
    expect(replaced?.measures.superseded).toEqual({ type: 'BIGINT', value: '1' });
    expect(replaced?.measures.count?.value).toBe('0');
    expect(replaced?.version ?? 0).toBeGreaterThan(
      before.get(T0 + 4_000)?.version ?? Number.POSITIVE_INFINITY,
    );
    // Same dimensions as the record it replaced: the same Timestream key, not a record beside it.
    expect(replaced?.dimensions).toEqual(before.get(T0 + 4_000)?.dimensions);
    expect(fake.stored(DB, SESSION_TABLE)).toHaveLength(3);

    // Read back as Timestream answers the reader's statement.
    const reader = new TimestreamReader({
      client: fakeTimestreamQueryClient(queryFake),
      databaseName: DB,
      lookup: new MemoryLookup(harness.catalog),
    });
    queryFake.serve(selectAll(fake.stored(DB, SESSION_TABLE)));
    const read = await reader.read({
      tenant: 'default',
      metric: 'checkout.ms',
      window: 'session:2s',
      fromMs: T0,
      toMs: T0 + 60_000,
    });
    expect(read.map((r) => [r.attributes.host, r.startMs, r.endMs, r.stats.count])).toEqual([
      ['a', T0 + 1_000, T0 + 6_300, 5],
      ['b', T0 + 1_200, T0 + 3_200, 1],
    ]);
    queryFake.serve(selectAll(fake.stored(DB, SESSION_TABLE)));
    const answer = await query(
      'default',
      parseQueryParams(
        `metric=checkout.ms&window=session&tier=session:2s&from=${T0}&to=${T0 + 60_000}`,
        config,
        now,
      ),
      { reader, checkpoints: harness.store, config },
    );
    expect(
      answer.series.flatMap((s) => s.points.map((p) => [s.attributes.host, Date.parse(p.start), p.count])),
    ).toEqual([
      ['a', T0 + 1_000, 5],
      ['b', T0 + 1_200, 1],
    ]);
  });
});
