/**
 * TimestreamReader through the real `@aws-sdk/client-timestream-query` client against the loopback
 * fake, which answers with recorded responses (test/fixtures/timestream-query): every measure type
 * and nulls parsed, percentiles named back, attributes from the catalog or from the dimensions,
 * paging over NextToken (an empty first page included), filters named and capped as the sink names
 * and caps them, missing tables and columns as no data, retries and error mapping. Sleep is injected
 * and instant; the SDK makes one attempt, so every retry seen is the reader's own.
 */
import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  inferKind,
  isMissingTableOrColumn,
  TimestreamReader,
  type TimestreamReaderOptions,
} from '#adapters/timestream/reader.js';
import { parseTimestamp, percentileKey } from '#adapters/timestream/reader-rows.js';
import { filterDimensionNames } from '#adapters/timestream/reader-sql.js';
import { buildTimestreamRecord } from '#adapters/timestream/record-builder.js';
import type { SeriesLookup } from '#app/close-ports.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import type { SeriesMeta } from '#app/ports.js';
import type { ResultQuery } from '#app/results.js';
import { StateCodecError } from '#core/errors.js';
import {
  errorFixture,
  type FakeTimestreamQuery,
  fakeTimestreamQueryClient,
  queryFixture,
  startFakeTimestreamQuery,
} from '../../support/fake-timestream-query.js';
import { resultRecord, WINDOW_START } from './results.js';

const DB = 'windrow';
let fake: FakeTimestreamQuery;
let client: TimestreamQueryClient;

beforeAll(async () => {
  fake = await startFakeTimestreamQuery();
  client = fakeTimestreamQueryClient(fake);
});
afterEach(() => fake.reset());
afterAll(async () => {
  client.destroy();
  await fake.stop();
});

const sid = (n: number) => n.toString(16).padStart(32, '0');
const LONG_ROUTE = `${'q'.repeat(200)}-${'z'.repeat(100)}`;

/** The catalog entries of series 1 and 3 of the fixtures (the others are not in the catalog). */
function meta(
  n: number,
  attributes: SeriesMeta['attributes'],
  kind: SeriesMeta['metric']['kind'],
): SeriesMeta {
  return {
    tenant: 'acme',
    seriesId: sid(n),
    metric: {
      name: 'http.server.duration',
      unit: 'ms',
      description: '',
      kind,
      temporality: 0,
      monotonic: false,
    },
    resource: { 'service.name': 'checkout', 'host.name': 'ip-10-0-0-1' },
    scope: { name: 'test', version: '1' },
    attributes,
  };
}

class RecordingLookup implements SeriesLookup {
  readonly asked: { tenant: string; seriesId: string }[][] = [];
  constructor(private readonly metas: readonly SeriesMeta[]) {}
  async lookup(series: readonly { tenant: string; seriesId: string }[]): Promise<Map<string, SeriesMeta>> {
    this.asked.push([...series]);
    const out = new Map<string, SeriesMeta>();
    for (const s of series) {
      const found = this.metas.find((m) => m.tenant === s.tenant && m.seriesId === s.seriesId);
      if (found !== undefined) out.set(s.seriesId, found);
    }
    return out;
  }
}

const CATALOG = [
  meta(1, { 'http.method': 'GET', 'http.status_code': 200, 'http:route': '/api/x' }, 'gauge'),
  meta(3, { 'http.method': 'GET', 'http:route': LONG_ROUTE }, 'histogram'),
];

function reader(options: Partial<TimestreamReaderOptions> = {}) {
  const delays: number[] = [];
  const r = new TimestreamReader({
    client,
    databaseName: DB,
    retry: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    },
    ...options,
  });
  return { reader: r, delays };
}

const QUERY: ResultQuery = {
  tenant: 'acme',
  metric: 'http.server.duration',
  window: '1m',
  fromMs: WINDOW_START,
  toMs: WINDOW_START + 3 * 60_000,
};

describe('Class: TimestreamReader', () => {
  describe('Method: read (parsing recorded rows)', () => {
    it('reads every measure type, nulls as absent stats, percentiles back to p50…p99.9', async () => {
      fake.serve(queryFixture('all-kinds.json'));
      const { reader: r } = reader({ lookup: new RecordingLookup(CATALOG) });
      const rows = await r.read(QUERY);
      expect(rows.map((row) => row.seriesId)).toEqual([1, 2, 3, 4, 5, 6, 7].map(sid));
      const [gauge, sum, histogram, exponential, summary, overflow, omitted] = rows;

      expect(gauge).toEqual({
        tenant: 'acme',
        seriesId: sid(1),
        metric: 'http.server.duration',
        unit: 'ms',
        metricKind: 'gauge',
        attributes: { 'http.method': 'GET', 'http.status_code': 200, 'http:route': '/api/x' },
        resource: { 'service.name': 'checkout', 'host.name': 'ip-10-0-0-1' },
        window: '1m',
        windowKind: 'tier',
        startMs: WINDOW_START,
        endMs: WINDOW_START + 60_000,
        version: 0,
        stats: {
          count: 12,
          sum: 30.5,
          min: 0.25,
          max: 7.75,
          avg: 30.5 / 12,
          stddev: 1.5,
          last: 2,
          percentiles: { p50: 2.01, p90: 6.5, p99: 7.7, 'p99.9': 7.75 },
        },
      });
      // DOUBLEs in E-notation (1.2E-5), BIGINT, NullValue for the measures a sum does not have.
      expect(sum?.stats).toEqual({ count: 4, sum: 1.2e-5, rate: 2e-7 });
      expect(histogram?.stats).toEqual({
        count: 6,
        sum: 21,
        min: 1,
        max: 9,
        avg: 3.5,
        buckets: { bounds: [1, 5, 10], counts: [1, 3, 2, 0] },
      });
      expect(exponential?.stats.expBuckets).toEqual({
        scale: 2,
        zeroCount: 0,
        positive: { offset: 0, counts: [1, 1, 1] },
        negative: { offset: 0, counts: [] },
      });
      expect(summary?.stats).toEqual({ count: 10, sum: 100 });
      expect(overflow?.stats).toEqual({ count: 1, sum: 5, min: 5, max: 5, avg: 5, stddev: 0, last: 5 });
      expect(omitted?.stats).toEqual({ count: 2, sum: 3, min: 1, max: 2, avg: 1.5 });
    });

    it('takes attributes from the catalog, and from the dimensions (as stored) for series it lacks', async () => {
      fake.serve(queryFixture('all-kinds.json'));
      const lookup = new RecordingLookup(CATALOG);
      const rows = await reader({ lookup }).reader.read(QUERY);
      const byId = new Map(rows.map((row) => [row.seriesId, row]));
      expect(lookup.asked).toEqual([
        [1, 2, 3, 4, 5, 6, 7].map((n) => ({ tenant: 'acme', seriesId: sid(n) })),
      ]);

      // In the catalog: the original key `http:route` and the whole long value.
      expect(byId.get(sid(3))?.attributes).toEqual({ 'http.method': 'GET', 'http:route': LONG_ROUTE });
      expect(byId.get(sid(3))?.metricKind).toBe('histogram');

      // Not in the catalog: dimensions minus the fixed four, `resource.` split off, unit from its dimension.
      const sum = byId.get(sid(2));
      expect(sum?.attributes).toEqual({ 'http.method': 'POST' });
      expect(sum?.resource).toEqual({ 'host.name': 'ip-10-0-0-1', 'service.name': 'checkout' });
      expect(sum?.unit).toBe('s');
      expect(sum?.metricKind).toBe('sum');
      expect(byId.get(sid(5))?.unit).toBe('');
      expect(byId.get(sid(5))?.metricKind).toBe('summary');
      expect(byId.get(sid(4))?.metricKind).toBe('exponentialHistogram');
      expect(byId.get(sid(7))?.metricKind).toBe('histogram');
      // Dropped attributes come back from overflow_attributes.
      expect(byId.get(sid(6))?.attributes).toEqual(
        Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`big.${i}`, String(i).repeat(250)])),
      );
    });

    it('without a catalog, keeps rewritten names and cut values as Timestream stores them', async () => {
      fake.serve(queryFixture('all-kinds.json'));
      const rows = await reader().reader.read(QUERY);
      const histogram = rows.find((row) => row.seriesId === sid(3));
      const routeName = filterDimensionNames(['http:route']).get('http:route') as string;
      expect(routeName).toMatch(/^http_route_[0-9a-f]{8}$/);
      const stored = histogram?.attributes[routeName];
      expect(stored).toMatch(/^q{200}-z+~[0-9a-f]{8}$/);
      expect(Buffer.byteLength(String(stored))).toBeLessThanOrEqual(256);
      expect(rows.find((row) => row.seriesId === sid(1))?.attributes).toEqual({
        'http.method': 'GET',
        'http.status_code': '200',
        [routeName]: '/api/x',
      });
    });

    it('parses Timestream TIMESTAMP text and percentile names', () => {
      expect(parseTimestamp('2023-11-14 22:14:00.000000000')).toBe(WINDOW_START);
      expect(parseTimestamp('2023-11-14 22:14:00.123456789')).toBe(WINDOW_START + 123);
      expect(parseTimestamp('2023-11-14 22:14:00')).toBe(WINDOW_START);
      expect(parseTimestamp('yesterday')).toBeUndefined();
      expect(percentileKey('p99_9')).toBe('p99.9');
      expect(percentileKey('p50')).toBe('p50');
      expect(inferKind({ count: 1, sum: 1, min: 1, max: 1 })).toBe('gauge');
    });

    it('refuses rows the sink cannot have written (StateCodecError)', async () => {
      const page = queryFixture('all-kinds.json');
      const countAt = page.ColumnInfo.findIndex((c) => c.Name === 'count');
      const broken = {
        ...page,
        Rows: page.Rows.map((row) => ({
          Data: row.Data.map((d, i) => (i === countAt ? { ScalarValue: '12.5' } : d)),
        })),
      };
      fake.serve(broken);
      await expect(reader().reader.read(QUERY)).rejects.toThrow(StateCodecError);
    });
  });

  describe('Method: read (paging)', () => {
    it('follows NextToken through an empty first page, resending the same statement', async () => {
      fake.serve(queryFixture('paged-1.json'), queryFixture('paged-2.json'), queryFixture('paged-3.json'));
      const rows = await reader().reader.read(QUERY);
      expect(rows.map((row) => [row.startMs - WINDOW_START, row.seriesId, row.stats.count])).toEqual([
        [0, sid(1), 12],
        [0, sid(2), 4],
        [60_000, sid(1), 7],
        [60_000, sid(2), 5],
        [120_000, sid(1), 9],
      ]);
      const queries = fake.requests.filter((r) => r.operation === 'Query');
      expect(queries.map((r) => r.nextToken)).toEqual([
        undefined,
        queryFixture('paged-1.json').NextToken,
        queryFixture('paged-2.json').NextToken,
      ]);
      expect(new Set(queries.map((r) => r.queryString)).size).toBe(1);
      // The SDK fills ClientToken itself (an idempotency token), one per call.
      expect(queries.every((r) => typeof r.clientToken === 'string' && r.clientToken.length >= 32)).toBe(
        true,
      );
      // A custom endpoint skips endpoint discovery: the fake never saw DescribeEndpoints.
      expect(fake.requests.filter((r) => r.operation !== 'Query')).toEqual([]);
    });

    it('passes pageRows as MaxRows', async () => {
      fake.serve(queryFixture('paged-1.json'), queryFixture('paged-2.json'), queryFixture('paged-3.json'));
      await reader({ pageRows: 2 }).reader.read(QUERY);
      expect(fake.requests.map((r) => r.maxRows)).toEqual([2, 2, 2]);
      expect(() => reader({ pageRows: 1001 })).toThrow(StoreRequestError);
    });

    it('keeps one row per (series, start) and at most limit rows', async () => {
      const page = queryFixture('paged-2.json');
      const duplicated = { ...page, NextToken: undefined, Rows: [...page.Rows, ...page.Rows] };
      fake.serve(duplicated);
      const rows = await reader().reader.read(QUERY);
      expect(rows.map((row) => row.seriesId)).toEqual([sid(1), sid(2)]);

      fake.serve(queryFixture('all-kinds.json'));
      expect(await reader().reader.read({ ...QUERY, limit: 3 })).toHaveLength(3);
      expect(fake.statements().at(-1)).toMatch(/ LIMIT 3$/);
    });
  });

  describe('Method: read (statement)', () => {
    it('selects the stats records of one tenant, metric and range from the window table', async () => {
      await reader().reader.read(QUERY);
      expect(fake.statements()).toEqual([
        `SELECT * FROM "windrow"."tier_1m" WHERE measure_name = 'stats' AND "tenant" = 'acme' AND "metric" = 'http.server.duration' AND time >= from_milliseconds(${WINDOW_START}) AND time < from_milliseconds(${WINDOW_START + 180_000}) ORDER BY time, "series_id" LIMIT 10000`,
      ]);
    });

    it('reads sliding and session windows from their tables', async () => {
      await reader().reader.read({ ...QUERY, window: '5m/1m' });
      await reader().reader.read({ ...QUERY, window: 'session:5m' });
      expect(fake.statements().map((sql) => /FROM "windrow"\."([^"]+)"/.exec(sql)?.[1])).toEqual([
        'sliding_5m_1m',
        'session_5m',
      ]);
    });

    it('names filter dimensions exactly as the sink does (rewritten keys, capped values)', async () => {
      const where = { 'http.method': 'GET', 'http:route': LONG_ROUTE, count: '3', 'resource.x': 'y' };
      await reader().reader.read({ ...QUERY, where });
      const sql = fake.statements()[0] ?? '';

      // The sink's own record for a series with these attributes is the reference.
      const built = buildTimestreamRecord(resultRecord({ attributes: where }));
      if (!built.ok) throw new Error(built.problems.join('; '));
      const sinkDims = new Map((built.record.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      for (const [key, name] of filterDimensionNames(Object.keys(where))) {
        const value = sinkDims.get(name);
        expect(value, `${key} → ${name}`).toBeDefined();
        expect(sql).toContain(`AND "${name}" = '${value}'`);
      }
      expect(sql).toContain('"http_route_');
      expect(sql).toContain('"count_'); // a measure name is never a dimension name
      expect(sql).not.toContain('"resource.x"'); // a point key never takes a resource attribute's name
      expect(sql).toMatch(/'q{200}-z+~[0-9a-f]{8}'/);
    });

    it('caps long tenant and metric values like the sink', async () => {
      const metric = `m.${'x'.repeat(400)}`;
      await reader().reader.read({ ...QUERY, metric });
      const built = buildTimestreamRecord(resultRecord({ metric }));
      if (!built.ok) throw new Error(built.problems.join('; '));
      const stored = built.record.Dimensions?.find((d) => d.Name === 'metric')?.Value;
      expect(stored).toMatch(/~[0-9a-f]{8}$/);
      expect(fake.statements()[0]).toContain(`"metric" = '${stored}'`);
    });

    it('asks nothing for an empty range and refuses NaN bounds and bad limits before any request', async () => {
      const { reader: r } = reader();
      expect(await r.read({ ...QUERY, fromMs: QUERY.toMs, toMs: QUERY.fromMs })).toEqual([]);
      expect(await r.read({ ...QUERY, fromMs: -5, toMs: 0 })).toEqual([]);
      await expect(r.read({ ...QUERY, fromMs: Number.NaN })).rejects.toThrow(StoreRequestError);
      await expect(r.read({ ...QUERY, limit: 0 })).rejects.toThrow(StoreRequestError);
      await expect(r.read({ ...QUERY, limit: 1.5 })).rejects.toThrow(StoreRequestError);
      await expect(r.read({ ...QUERY, tenant: '' })).rejects.toThrow(StoreRequestError);
      await expect(reader({ tableNameOf: () => 'x"y' }).reader.read(QUERY)).rejects.toThrow(/table name/);
      expect(fake.requests).toEqual([]);
      expect(() => new TimestreamReader({ client, databaseName: 'a"; DROP' })).toThrow(StoreRequestError);
    });

    it('asks for open-ended ranges up to the largest window start', async () => {
      await reader().reader.read({ ...QUERY, fromMs: -Infinity, toMs: Infinity });
      expect(fake.statements()[0]).toContain(
        'time >= from_milliseconds(0) AND time < from_milliseconds(10000000000000)',
      );
    });
  });

  describe('Method: read (empty filters "" and "null")', () => {
    it('matches only series whose catalog attributes confirm the value', async () => {
      fake.serve(queryFixture('all-kinds.json'));
      const lookup = new RecordingLookup([
        ...CATALOG,
        { ...meta(2, { 'http.method': 'POST', note: '' }, 'sum') },
        { ...meta(4, { 'http.method': 'GET', note: null }, 'exponentialHistogram') },
      ]);
      const rows = await reader({ lookup }).reader.read({ ...QUERY, where: { note: '' } });
      expect(fake.statements()[0]).toContain('AND "note" IS NULL ORDER BY');
      expect(rows.map((row) => row.seriesId)).toEqual([sid(2)]);

      fake.serve(queryFixture('all-kinds.json'));
      const nulls = await reader({ lookup }).reader.read({ ...QUERY, where: { note: 'null' } });
      expect(fake.statements()[1]).toContain(`AND ("note" = 'null' OR "note" IS NULL) ORDER BY`);
      expect(nulls.map((row) => row.seriesId)).toEqual([sid(4)]);

      fake.serve(queryFixture('all-kinds.json'));
      expect(await reader().reader.read({ ...QUERY, where: { note: '' } })).toEqual([]);
    });

    it('drops rows the catalog contradicts (a cut value whose prefix and hash collide)', async () => {
      fake.serve(queryFixture('all-kinds.json'));
      const lookup = new RecordingLookup([meta(1, { 'http.method': 'HEAD' }, 'gauge')]);
      const rows = await reader({ lookup }).reader.read({ ...QUERY, where: { 'http.method': 'GET' } });
      expect(rows.map((row) => row.seriesId)).not.toContain(sid(1));
      expect(rows.map((row) => row.seriesId)).toContain(sid(3)); // not in this catalog: the SQL match stands
    });
  });

  describe('Method: read (errors)', () => {
    it('answers [] for a table that does not exist, or an empty table without the columns yet', async () => {
      fake.serveError(errorFixture('error-table-missing.json'));
      expect(await reader().reader.read({ ...QUERY, window: '5m' })).toEqual([]);
      fake.serveError(errorFixture('error-column-missing.json'));
      expect(await reader().reader.read(QUERY)).toEqual([]);
      expect(
        isMissingTableOrColumn({
          name: 'ResourceNotFoundException',
          message: 'The table tier_1m does not exist.',
        }),
      ).toBe(true);
    });

    it('refuses a missing database and other validation errors as StoreRequestError, without retrying', async () => {
      const { reader: r, delays } = reader();
      fake.serveError(errorFixture('error-database-missing.json'));
      const missing = await r.read(QUERY).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(StoreRequestError);
      expect((missing as Error).message).toContain("Requested database 'nowhere' not found");
      fake.serveError(errorFixture('error-syntax.json'));
      const error = await r.read(QUERY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect(String((error as Error).message)).toContain('ValidationException: line 1:120: mismatched input');
      expect(delays).toEqual([]);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries throttling with jittered backoff, then succeeds', async () => {
      fake.failNext(2, { kind: 'throttle' });
      fake.serve(queryFixture('all-kinds.json'));
      const { reader: r, delays } = reader();
      expect(await r.read(QUERY)).toHaveLength(7);
      expect(delays).toEqual([12, 25]); // random 0.5 × 25 ms, × 50 ms
      expect(fake.requests.map((q) => q.status)).toEqual([400, 400, 200]);
    });

    it('retries a throttled later page with the same NextToken', async () => {
      const second = queryFixture('paged-2.json').NextToken;
      let throttled = 0;
      fake.faultPlan = (request) =>
        request.nextToken === second && throttled++ < 2 ? { kind: 'throttle' } : undefined;
      fake.serve(queryFixture('paged-1.json'), queryFixture('paged-2.json'), queryFixture('paged-3.json'));
      const { reader: r, delays } = reader();
      expect(await r.read(QUERY)).toHaveLength(5);
      expect(delays).toHaveLength(2);
      expect(
        fake.requests.map((q) => [
          q.nextToken === undefined ? 'first' : q.nextToken === second ? 'third' : 'second',
          q.status,
        ]),
      ).toEqual([
        ['first', 200],
        ['second', 200],
        ['third', 400],
        ['third', 400],
        ['third', 200],
      ]);
    });

    it('gives up after the retry budget with StoreUnavailableError', async () => {
      fake.failNext(3, { kind: 'throttle' });
      const { reader: r, delays } = reader({
        retry: { maxAttempts: 3, sleep: async () => {}, random: () => 0 },
      });
      const error = await r.read(QUERY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(
        /failed after 3 attempt\(s\): ThrottlingException: Rate exceeded/,
      );
      expect(delays).toEqual([]);
      expect(fake.requests).toHaveLength(3);
    });

    it('retries 5xx and dropped connections', async () => {
      fake.failNext(1, { kind: 'internal' });
      fake.failNext(1, { kind: 'status', status: 503 });
      fake.failNext(1, { kind: 'reset' });
      fake.serve(queryFixture('all-kinds.json'));
      const { reader: r, delays } = reader();
      expect(await r.read(QUERY)).toHaveLength(7);
      expect(delays).toHaveLength(3);
      expect(fake.requests.map((q) => q.status)).toEqual([500, 503, 0, 200]);
    });
  });
});
