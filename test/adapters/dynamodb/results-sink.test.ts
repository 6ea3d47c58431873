import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import {
  DynamoResultsSink,
  type DynamoResultsSinkOptions,
  groupByShard,
} from '#adapters/dynamodb/results-sink.js';
import { createResultsTable } from '#adapters/dynamodb/table.js';
import { StoreRequestError } from '#app/errors.js';
import { resultRecord } from '#app/result-records.js';
import type { ResultQuery, ResultRecord } from '#app/results.js';
import { finalizeWindow } from '#core/close/finalize-window.js';
import { shardOf } from '#core/series/id.js';
import { counter, deltaHistogram, gauge, mergedOf, WS } from '../../core/close/helpers.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { instantRetry } from './faults.js';

const TABLE = 'results';
const T0 = 1_767_225_600_000; // 2026-01-01T00:00Z
const MINUTE = 60_000;
const NOW_MS = T0 + 30 * MINUTE;

let db: Dynalite;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  db = await startDynalite();
  await createResultsTable(db.client, TABLE);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => db.stop());

let tenantCounter = 0;
/** A tenant of its own per test, so tests never see each other's items. */
function freshTenant(): string {
  return `t${++tenantCounter}`;
}

/** `n` in the first 8 hex digits (so `shardOf` spreads consecutive ids), ids sort like `n`. */
function seriesId(n: number): string {
  return `${n.toString(16).padStart(8, '0')}${'c'.repeat(24)}`;
}

function numberOf(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

/** A record with stats, attributes and resource that depend on `n` (nested values, arrays, booleans). */
function record(n: number, over: Partial<ResultRecord> = {}): ResultRecord {
  const startMs = over.startMs ?? T0;
  return {
    tenant: 'acme',
    seriesId: seriesId(n),
    metric: 'http.server.duration',
    unit: 'ms',
    metricKind: n % 3 === 0 ? 'histogram' : 'gauge',
    attributes: {
      'http.route': `/api/${n % 4}`,
      'http.status_code': 200 + (n % 2),
      ok: n % 2 === 0,
      tags: ['a', n, false, null, { deep: [1.5, 'x'] }],
      nested: { level: { n, pi: Math.PI * n } },
    },
    resource: { 'service.name': `svc-${n % 3}`, 'host.name': 'ip-10-0-0-1', 'process.pid': 4242 },
    window: '1m',
    windowKind: 'tier',
    startMs,
    endMs: startMs + MINUTE,
    version: 1,
    stats: {
      count: n + 1,
      sum: 0.1 + 0.2 * n,
      min: -n / 3,
      max: n * 1e300,
      avg: (0.1 + 0.2 * n) / (n + 1),
      stddev: Math.sqrt(n) / 7,
      percentiles: { p50: n / 9, p90: n / 11, 'p99.9': 1e-300 * n },
      last: -0.000123 * n,
      ...(n % 3 === 0
        ? { buckets: { bounds: [0, 5, 10.5], counts: [n, 0, 1, 2] }, rate: n / 60 }
        : {
            expBuckets: {
              scale: 3,
              zeroCount: n,
              positive: { offset: -2, counts: [1, 2, n] },
              negative: { offset: 0, counts: [] },
            },
          }),
    },
    ...over,
  };
}

function sink(over: Partial<DynamoResultsSinkOptions> = {}, client: DynamoDBClient = db.client) {
  return new DynamoResultsSink({
    client,
    tableName: TABLE,
    groupOf: () => 0,
    retry: instantRetry(),
    ...over,
  });
}

function reader(client: DynamoDBClient = db.client, nowMs = NOW_MS) {
  return new DynamoResultsReader({
    client,
    tableName: TABLE,
    clock: { nowMs: () => nowMs },
    retry: instantRetry(),
    consistentRead: true,
  });
}

function query(tenant: string, over: Partial<ResultQuery> = {}): ResultQuery {
  return {
    tenant,
    metric: 'http.server.duration',
    window: '1m',
    fromMs: 0,
    toMs: 9_999_999_999_999,
    ...over,
  };
}

function byStartThenSeries(a: ResultRecord, b: ResultRecord): number {
  return a.startMs - b.startMs || (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0);
}

async function storedSks(tenant: string, window = '1m', metric = 'http.server.duration'): Promise<string[]> {
  const out = await db.client.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `${tenant}#${window}#${metric}` } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => item.SK?.S ?? '');
}

/** A client whose Query calls carry `Limit: limit` (forces many pages) and are counted. */
function pagingClient(limit: number) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const calls = { queries: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'QueryCommand') return next(args);
      calls.queries++;
      return next({ ...args, input: { ...(args.input as object), Limit: limit } });
    },
    { step: 'initialize', name: 'testPaging' },
  );
  return { client, calls };
}

describe('Class: DynamoResultsSink + DynamoResultsReader', () => {
  describe('Method: write / read (round trip)', () => {
    it('reads back exactly what was written: many series, windows, groups, kinds of window', async () => {
      const tenant = freshTenant();
      const records: ResultRecord[] = [];
      let n = 0;
      for (let w = 0; w < 5; w++) {
        for (let i = 0; i < 40; i++) {
          records.push(record(n++, { tenant, startMs: T0 + w * MINUTE, endMs: T0 + (w + 1) * MINUTE }));
        }
      }
      const sliding = Array.from({ length: 10 }, (_, i) =>
        record(1000 + i, { tenant, window: '5m/1m', windowKind: 'sliding', endMs: T0 + 5 * MINUTE }),
      );
      const sessions = Array.from({ length: 6 }, (_, i) =>
        record(2000 + i, {
          tenant,
          window: 'session:5m',
          windowKind: 'session',
          startMs: T0 + i * 7_919,
          endMs: T0 + i * 7_919 + 12 * MINUTE,
          version: 3,
        }),
      );
      const all = [...records, ...sliding, ...sessions].reverse();
      const report = await sink({ groupOf: groupByShard(4) }).write(all);
      expect(report).toEqual({ written: all.length, rejected: 0, rejections: [] });

      const r = reader();
      expect(await r.read(query(tenant))).toEqual([...records].sort(byStartThenSeries));
      expect(await r.read(query(tenant, { window: '5m/1m' }))).toEqual(sliding);
      expect(await r.read(query(tenant, { window: 'session:5m' }))).toEqual(sessions);
      // One pack per (window start, shard): 5 windows × 4 shards of the 1m tier.
      const sks = await storedSks(tenant);
      expect(sks).toHaveLength(20);
      expect(new Set(sks.map((sk) => sk.slice(14, 18)))).toEqual(new Set(['0000', '0001', '0002', '0003']));
      for (const rec of records) expect(sks).toContain(`${rec.startMs}#000${shardOf(rec.seriesId, 4)}#0000`);
    });

    it('sessions of two series that start at the same instant, emitted by different closes, both stay', async () => {
      const tenant = freshTenant();
      const session = (n: number, version: number) =>
        record(n, {
          tenant,
          window: 'session:5m',
          windowKind: 'session',
          startMs: T0 + 1234,
          endMs: T0 + 1234 + n * MINUTE,
          version,
        });
      // Same shard for both (groupOf is not asked for sessions), different close jobs.
      const first = session(1, 10);
      const second = session(2, 20);
      await sink({ groupOf: () => 0 }).write([first]);
      await sink({ groupOf: () => 0 }).write([second]);
      expect(await reader().read(query(tenant, { window: 'session:5m' }))).toEqual([first, second]);
      expect(await storedSks(tenant, 'session:5m')).toEqual([
        `${T0 + 1234}#${seriesId(1)}#0000`,
        `${T0 + 1234}#${seriesId(2)}#0000`,
      ]);
    });

    it('two groups of one metric and window do not overwrite each other', async () => {
      const tenant = freshTenant();
      const shardA = [record(1, { tenant }), record(3, { tenant })];
      const shardB = [record(2, { tenant }), record(4, { tenant })];
      const groupOf = (r: ResultRecord) => numberOf(r.seriesId) % 2;
      await sink({ groupOf }).write(shardA);
      await sink({ groupOf }).write(shardB);
      expect((await reader().read(query(tenant))).map((r) => r.seriesId)).toEqual([1, 2, 3, 4].map(seriesId));
      expect(await storedSks(tenant)).toEqual([`${T0}#0000#0000`, `${T0}#0001#0000`]);
    });

    it('keeps the highest version of a series written twice in one call', async () => {
      const tenant = freshTenant();
      const report = await sink().write([
        record(1, { tenant, version: 2, unit: 'late' }),
        record(1, { tenant, version: 1, unit: 'early' }),
      ]);
      expect(report.written).toBe(2);
      const read = await reader().read(query(tenant));
      expect(read.map((r) => [r.version, r.unit])).toEqual([[2, 'late']]);
    });

    it('round-trips metric names with #, /, :, unicode and a long tail', async () => {
      const tenant = freshTenant();
      const metrics = [
        'a#b#c',
        'http/server/duration',
        'ns:metric.x',
        'ラテン.延迟_😀',
        `${'m'.repeat(1500)}#end`,
      ];
      await sink().write(metrics.map((metric, i) => record(i, { tenant, metric })));
      for (const [i, metric] of metrics.entries()) {
        const read = await reader().read(query(tenant, { metric }));
        expect(read).toEqual([record(i, { tenant, metric })]);
      }
      // A prefix of a metric name is another partition, not a match.
      expect(await reader().read(query(tenant, { metric: 'a#b' }))).toEqual([]);
    });

    it('reports records it cannot key as rejections and writes the rest', async () => {
      const tenant = freshTenant();
      const good = record(1, { tenant });
      const report = await sink({ groupOf: (r) => (r.seriesId === seriesId(7) ? 10_000 : 0) }).write([
        record(2, { tenant: 'bad#tenant' }),
        good,
        record(3, { tenant, window: '1m#x' }),
        record(4, { tenant, seriesId: 'not-hex' }),
        record(5, { tenant, windowKind: 'sliding' }),
        record(6, { tenant, metric: '' }),
        record(7, { tenant }),
        record(8, { tenant, startMs: -1 }),
        record(9, { tenant, version: 1.5 }),
        record(10, { tenant, metric: 'x'.repeat(2100) }),
      ]);
      expect(report.written).toBe(1);
      expect(report.rejected).toBe(9);
      expect(report.rejections.map((r) => r.index)).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(report.rejections.map((r) => r.reason)).toEqual([
        expect.stringMatching(/invalid tenant/),
        expect.stringMatching(/invalid window name/),
        expect.stringMatching(/invalid seriesId/),
        expect.stringMatching(/windowKind sliding does not match/),
        expect.stringMatching(/empty metric name/),
        expect.stringMatching(/invalid group 10000/),
        expect.stringMatching(/invalid startMs/),
        expect.stringMatching(/invalid version/),
        expect.stringMatching(/over DynamoDB's 2048/),
      ]);
      expect(await reader().read(query(tenant))).toEqual([good]);
    });

    it('writes nothing for no records', async () => {
      await expect(sink().write([])).resolves.toEqual({ written: 0, rejected: 0, rejections: [] });
    });
  });

  describe('Versions', () => {
    it('a higher version replaces the pack', async () => {
      const tenant = freshTenant();
      await sink().write([record(1, { tenant }), record(2, { tenant })]);
      const v2 = [1, 2, 3].map((n) => record(n, { tenant, version: 2, stats: { count: 100 + n } }));
      await sink().write(v2);
      expect(await reader().read(query(tenant))).toEqual(v2);
    });

    it('a lower version is ignored and still counts as written', async () => {
      const tenant = freshTenant();
      const v5 = [record(1, { tenant, version: 5 })];
      await sink().write(v5);
      const report = await sink().write([
        record(1, { tenant, version: 4 }),
        record(2, { tenant, version: 4 }),
      ]);
      expect(report).toEqual({ written: 2, rejected: 0, rejections: [] });
      expect(await reader().read(query(tenant))).toEqual(v5);
    });

    it('the same version again is an idempotent overwrite', async () => {
      const tenant = freshTenant();
      const v1 = [record(1, { tenant }), record(2, { tenant })];
      await sink().write(v1);
      await sink().write(v1);
      expect(await reader().read(query(tenant))).toEqual(v1);
      expect(await storedSks(tenant)).toHaveLength(1);
    });

    it('a re-close with fewer chunks reads only the new version and deletes the leftovers', async () => {
      const tenant = freshTenant();
      const big = Array.from({ length: 60 }, (_, n) => record(n, { tenant }));
      await sink({ chunkBytes: 400 }).write(big);
      const before = await storedSks(tenant);
      expect(before.length).toBeGreaterThan(5);
      expect(await reader().read(query(tenant))).toEqual(big);

      const small = [record(1, { tenant, version: 2 })];
      await sink({ chunkBytes: 400 }).write(small);
      expect(await reader().read(query(tenant))).toEqual(small);
      expect((await storedSks(tenant)).length).toBeLessThan(before.length);
    });

    it('with leftovers kept, the reader still ignores chunks of the older version', async () => {
      const tenant = freshTenant();
      const big = Array.from({ length: 60 }, (_, n) => record(n, { tenant }));
      await sink({ chunkBytes: 400 }).write(big);
      const before = await storedSks(tenant);
      const small = [record(1, { tenant, version: 2 })];
      await sink({ chunkBytes: 400, deleteStaleChunks: false }).write(small);
      expect(await storedSks(tenant)).toEqual(before);
      expect(await reader().read(query(tenant))).toEqual(small);
    });

    it('a late lower version with more chunks leaves the newer pack readable', async () => {
      const tenant = freshTenant();
      const v2 = [record(1, { tenant, version: 2 })];
      await sink({ chunkBytes: 400 }).write(v2);
      const v1 = Array.from({ length: 60 }, (_, n) => record(n, { tenant, version: 1 }));
      await sink({ chunkBytes: 400 }).write(v1);
      expect(await reader().read(query(tenant))).toEqual(v2);
    });

    it('a pack whose chunks disagree (a re-close cut short) is left out, others are read', async () => {
      const tenant = freshTenant();
      const other = [record(100, { tenant })];
      await sink({ groupOf: () => 1 }).write(other);
      const v1 = Array.from({ length: 60 }, (_, n) => record(n, { tenant }));
      await sink({ chunkBytes: 400 }).write(v1);
      // The v2 write dies after its first chunk 1 put: chunk 1 is v2, chunk 0 and the rest are v1.
      const dying = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
      clients.push(dying);
      let puts = 0;
      dying.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutItemCommand' && ++puts > 1) throw new Error('process died');
          return next(args);
        },
        { step: 'initialize', name: 'testCrash' },
      );
      const v2 = Array.from({ length: 60 }, (_, n) => record(n, { tenant, version: 2, stats: { count: 1 } }));
      await expect(sink({ chunkBytes: 400, concurrency: 1 }, dying).write(v2)).rejects.toThrow(
        'process died',
      );
      expect(await reader().read(query(tenant))).toEqual(other);
      // The retried close completes the pack.
      await sink({ chunkBytes: 400 }).write(v2);
      expect(await reader().read(query(tenant))).toEqual([...v2, ...other]);
    });

    it('a series in two groups (shards changed) reads once, at its highest version', async () => {
      const tenant = freshTenant();
      await sink({ groupOf: () => 3 }).write([record(1, { tenant, version: 1 }), record(2, { tenant })]);
      await sink({ groupOf: () => 1 }).write([record(1, { tenant, version: 2, unit: 'new' })]);
      const read = await reader().read(query(tenant));
      expect(read.map((r) => [r.seriesId, r.version, r.unit])).toEqual([
        [seriesId(1), 2, 'new'],
        [seriesId(2), 1, 'ms'],
      ]);
    });
  });

  describe('Method: read', () => {
    it('takes window starts in [fromMs, toMs): from inclusive, to exclusive', async () => {
      const tenant = freshTenant();
      const records = Array.from({ length: 6 }, (_, w) => record(w, { tenant, startMs: T0 + w * MINUTE }));
      await sink().write(records);
      const starts = async (fromMs: number, toMs: number) =>
        (await reader().read(query(tenant, { fromMs, toMs }))).map((r) => (r.startMs - T0) / MINUTE);
      expect(await starts(T0 + MINUTE, T0 + 4 * MINUTE)).toEqual([1, 2, 3]);
      expect(await starts(T0 + MINUTE - 1, T0 + 4 * MINUTE + 1)).toEqual([1, 2, 3, 4]);
      expect(await starts(T0 + MINUTE + 1, T0 + 2 * MINUTE)).toEqual([]);
      expect(await starts(T0 + 3 * MINUTE, T0 + 3 * MINUTE)).toEqual([]);
      expect(await starts(T0 + 5 * MINUTE, T0 + MINUTE)).toEqual([]);
      expect(await starts(-1e15, 1e20)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('pages through many items (Query Limit forced small), in order', async () => {
      const tenant = freshTenant();
      const records: ResultRecord[] = [];
      for (let w = 0; w < 12; w++) {
        for (let i = 0; i < 8; i++) records.push(record(w * 8 + i, { tenant, startMs: T0 + w * MINUTE }));
      }
      await sink({ chunkBytes: 300, groupOf: groupByShard(3) }).write(records);
      const { client, calls } = pagingClient(7);
      const stored = (await storedSks(tenant)).length;
      expect(stored).toBeGreaterThan(40);
      expect(await reader(client).read(query(tenant))).toEqual([...records].sort(byStartThenSeries));
      expect(calls.queries).toBe(Math.ceil(stored / 7) + (stored % 7 === 0 ? 1 : 0));
    });

    it('pages through more than 1 MB of real items', async () => {
      const tenant = freshTenant();
      // Incompressible attributes: ~1.8 MB of packs over 3 windows, chunks of 100 KB.
      const records = Array.from({ length: 24 }, (_, i) =>
        record(i, {
          tenant,
          startMs: T0 + (i % 3) * MINUTE,
          attributes: { blob: randomBytes(75_000).toString('base64') },
        }),
      );
      await sink({ chunkBytes: 100_000 }).write(records);
      const { client, calls } = pagingClient(1000);
      expect(await reader(client).read(query(tenant))).toEqual([...records].sort(byStartThenSeries));
      expect(calls.queries).toBeGreaterThanOrEqual(2); // DynamoDB's 1 MB page
    });

    it('filters by point attributes: strings as they are, other values by their JSON text', async () => {
      const tenant = freshTenant();
      const records = Array.from({ length: 12 }, (_, n) => record(n, { tenant }));
      await sink().write(records);
      const ids = async (where: Record<string, string>) =>
        (await reader().read(query(tenant, { where }))).map((r) => numberOf(r.seriesId));
      expect(await ids({ 'http.route': '/api/1' })).toEqual([1, 5, 9]);
      expect(await ids({ 'http.route': '/api/1', 'http.status_code': '201' })).toEqual([1, 5, 9]);
      expect(await ids({ 'http.route': '/api/1', 'http.status_code': '200' })).toEqual([]);
      expect(await ids({ ok: 'true' })).toEqual([0, 2, 4, 6, 8, 10]);
      expect(await ids({ tags: '["a",3,false,null,{"deep":[1.5,"x"]}]' })).toEqual([3]);
      expect(await ids({ 'service.name': 'svc-0' })).toEqual([]); // a resource attribute, not a point one
      expect(await ids({ missing: '' })).toEqual([]);
      expect(await ids({})).toHaveLength(12);
    });

    it('stops at limit, ordered by startMs then seriesId, without reading the rest of the range', async () => {
      const tenant = freshTenant();
      const records: ResultRecord[] = [];
      for (let w = 0; w < 10; w++) {
        for (let i = 0; i < 5; i++)
          records.push(record(100 - w * 5 - i, { tenant, startMs: T0 + w * MINUTE }));
      }
      await sink().write(records);
      const { client, calls } = pagingClient(1);
      const read = await reader(client).read(query(tenant, { limit: 7 }));
      expect(read).toEqual([...records].sort(byStartThenSeries).slice(0, 7));
      expect(calls.queries).toBe(3); // windows 0 and 1, and the first item of window 2
      await expect(reader().read(query(tenant, { limit: 0 }))).rejects.toThrow(StoreRequestError);
    });

    it('ignores items past their ttl (window end + the window’s retention)', async () => {
      const tenant = freshTenant();
      const HOUR = 60 * MINUTE;
      const records = [0, 1, 2, 3].map((h) =>
        record(h, { tenant, startMs: T0 + h * HOUR, endMs: T0 + h * HOUR + MINUTE }),
      );
      await sink({ retentionMs: { '1m': HOUR } }).write(records);
      const at = async (nowMs: number) =>
        (await reader(db.client, nowMs).read(query(tenant))).map((r) => (r.startMs - T0) / HOUR);
      expect(await at(T0)).toEqual([0, 1, 2, 3]);
      expect(await at(T0 + HOUR + MINUTE)).toEqual([0, 1, 2, 3]); // ttl is inclusive, like DynamoDB's
      expect(await at(T0 + HOUR + MINUTE + 1000)).toEqual([1, 2, 3]);
      expect(await at(T0 + 3 * HOUR + 2 * MINUTE)).toEqual([3]);
    });

    it('sets ttl from the retention of the window name, 7 days by default', async () => {
      const tenant = freshTenant();
      await sink({ retentionMs: (w) => (w === '1m' ? 86_400_000 : undefined) }).write([
        record(1, { tenant }),
        record(2, { tenant, window: '5m/1m', windowKind: 'sliding' }),
      ]);
      const ttlOf = async (window: string) => {
        const out = await db.client.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': { S: `${tenant}#${window}#http.server.duration` } },
          }),
        );
        return Number(out.Items?.[0]?.ttl?.N);
      };
      expect(await ttlOf('1m')).toBe((T0 + MINUTE + 86_400_000) / 1000);
      expect(await ttlOf('5m/1m')).toBe((T0 + MINUTE + 7 * 86_400_000) / 1000);
    });

    it('refuses queries no key can express', async () => {
      await expect(reader().read(query('bad#tenant'))).rejects.toThrow(StoreRequestError);
      await expect(reader().read(query('acme', { window: '' }))).rejects.toThrow(StoreRequestError);
      await expect(reader().read(query('acme', { fromMs: Number.NaN }))).rejects.toThrow(StoreRequestError);
    });
  });

  it('uses the table under the default clock and retry too', async () => {
    const tenant = freshTenant();
    const future = Date.now() + 86_400_000;
    const rec = record(1, {
      tenant,
      startMs: future - (future % MINUTE),
      endMs: future - (future % MINUTE) + MINUTE,
    });
    await new DynamoResultsSink({ client: db.client, tableName: TABLE, groupOf: groupByShard(8) }).write([
      rec,
    ]);
    const read = await new DynamoResultsReader({ client: db.client, tableName: TABLE }).read(query(tenant));
    expect(read).toEqual([rec]);
    expect(() => groupByShard(0)).toThrow(RangeError);
    expect(() => sink({ chunkBytes: 500_000 })).toThrow(RangeError);
  });
});

describe('Results finalized on read', () => {
  it('stores a result with a mergeable state without its stats and reads back the stats the close computed', async () => {
    const tenant = freshTenant();
    const percentiles = [50, 99];
    const series = [
      mergedOf(tenant, seriesId(1), [gauge(3, WS + 1), gauge(40, WS + 2), gauge(-7.5, WS + 3)]),
      mergedOf(tenant, seriesId(2), [deltaHistogram([1, 5, 500], WS + 1)]),
      mergedOf(tenant, seriesId(3), [counter(5, WS + 1, WS), counter(9, WS + 2, WS)]),
    ];
    const { results } = finalizeWindow({
      merged: new Map(series.map((m) => [m.seriesId, m])),
      previous: new Map(),
      windowStartMs: WS,
      windowEndMs: WS + MINUTE,
      percentiles,
      carryForMs: 3_600_000,
    });
    const kinds = ['gauge', 'histogram', 'sum'] as const;
    const records = results.map((r, i) =>
      resultRecord(
        {
          tenant,
          seriesId: r.seriesId,
          metric: {
            name: 'http.server.duration',
            unit: 'ms',
            description: '',
            kind: kinds[i] ?? 'gauge',
            temporality: i === 2 ? 2 : 1,
            monotonic: i === 2,
          },
          resource: {},
          scope: { name: '', version: '' },
          attributes: { n: i },
        },
        { window: '1m', windowKind: 'tier', startMs: WS, endMs: WS + MINUTE, version: 7 },
        r.stats,
        r.group,
      ),
    );
    await sink().write(records);
    const withPercentiles = new DynamoResultsReader({
      client: db.client,
      tableName: TABLE,
      clock: { nowMs: () => WS + MINUTE },
      consistentRead: true,
      percentiles,
    });
    const read = await withPercentiles.read(query(tenant));
    expect(read.map((r) => r.stats)).toEqual(records.map((r) => r.stats));
    expect(read.every((r) => r.state === undefined)).toBe(true);
    const withState = await withPercentiles.read(query(tenant, { withState: true }));
    expect(withState.map((r) => r.state)).toEqual(records.map((r) => r.state));
    // The gauge and the histogram are stored without stats; the counter (additive) keeps them.
    const items = await db.client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: `${tenant}#1m#http.server.duration` } },
      }),
    );
    const { decodeResultPack, joinChunks } = await import('#adapters/dynamodb/results-codec.js');
    const stored = (items.Items ?? []).flatMap((item) =>
      decodeResultPack(joinChunks([item.data?.B ?? new Uint8Array()])),
    );
    expect(stored.map((r) => r.stats === undefined)).toEqual([true, true, false]);
  });
});
