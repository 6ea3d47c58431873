/**
 * TimestreamSink against the protocol-level fake, through the real SDK client: batching, what is
 * stored, versions (re-close, replay, stale), rejections, and the attribute policy at its limits.
 */
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimestreamSink, type TimestreamSinkOptions } from '#adapters/timestream/sink.js';
import type { ResultRecord } from '#app/results.js';
import {
  type FakeTimestream,
  fakeTimestreamClient,
  startFakeTimestream,
} from '../../support/fake-timestream.js';
import { resultRecord, resultRecords, WINDOW_START } from './results.js';

const DB = 'windrow';
let fake: FakeTimestream;
let client: TimestreamWriteClient;
let tableCounter = 0;

beforeAll(async () => {
  fake = await startFakeTimestream();
  client = fakeTimestreamClient(fake);
});
afterAll(async () => {
  client.destroy();
  await fake.stop();
});

/** A sink writing into a fresh table of its own (so tests never see each other's records). */
function freshSink(options: Partial<TimestreamSinkOptions> = {}) {
  const table = `t${++tableCounter}`;
  fake.createTable(DB, table);
  const sink = new TimestreamSink({
    client,
    databaseName: DB,
    tableNameOf: () => table,
    retry: { sleep: async () => {} },
    ...options,
  });
  const calls = () => fake.calls.filter((c) => c.table === table);
  return { sink, table, stored: () => fake.stored(DB, table), calls };
}

describe('Class: TimestreamSink', () => {
  describe('Method: write', () => {
    it('sends 250 records as calls of 100, 100 and 50 and reports all written', async () => {
      const { sink, stored, calls } = freshSink();
      const report = await sink.write(resultRecords(250));
      expect(report).toMatchObject({ written: 250, rejected: 0, rejections: [], superseded: 0, calls: 3 });
      expect(
        calls()
          .map((c) => c.records)
          .sort((a, b) => b - a),
      ).toEqual([100, 100, 50]);
      expect(stored()).toHaveLength(250);
    });

    it('makes no call for no records', async () => {
      const { sink, calls } = freshSink();
      expect(await sink.write([])).toMatchObject({ written: 0, rejected: 0, rejections: [], calls: 0 });
      expect(calls()).toEqual([]);
    });

    it('stores what was sent: dimensions, stats, version and time', async () => {
      const { sink, stored } = freshSink();
      const record = resultRecord({
        version: 3,
        stats: {
          count: 4,
          sum: 10,
          min: 1,
          max: 4,
          avg: 2.5,
          stddev: 1.118033988749895,
          last: 4,
          rate: 0.16666666666666666,
          percentiles: { p50: 2.5, 'p99.9': 4 },
          buckets: { bounds: [1, 2, 5], counts: [1, 1, 2, 0] },
        },
      });
      await sink.write([record]);
      const [row] = stored();
      expect(row).toEqual({
        dimensions: {
          tenant: 'acme',
          metric: 'http.server.duration',
          unit: 'ms',
          series_id: record.seriesId,
          'http.method': 'GET',
          'http.status_code': '200',
          'resource.host.name': 'ip-10-0-0-1',
          'resource.service.name': 'checkout',
        },
        measureName: 'stats',
        measureValueType: 'MULTI',
        time: String(WINDOW_START),
        timeUnit: 'MILLISECONDS',
        version: 3,
        measures: {
          count: { type: 'BIGINT', value: '4' },
          sum: { type: 'DOUBLE', value: '10' },
          min: { type: 'DOUBLE', value: '1' },
          max: { type: 'DOUBLE', value: '4' },
          avg: { type: 'DOUBLE', value: '2.5' },
          stddev: { type: 'DOUBLE', value: '1.118033988749895' },
          last: { type: 'DOUBLE', value: '4' },
          rate: { type: 'DOUBLE', value: '0.16666666666666666' },
          p50: { type: 'DOUBLE', value: '2.5' },
          p99_9: { type: 'DOUBLE', value: '4' },
          window_end: { type: 'BIGINT', value: String(WINDOW_START + 60_000) },
          version: { type: 'BIGINT', value: '3' },
          buckets: { type: 'VARCHAR', value: '{"bounds":[1,2,5],"counts":[1,1,2,0]}' },
        },
      });
    });

    it('leaves out what a kind does not have (a summary: count and sum) and an empty unit', async () => {
      const { sink, stored } = freshSink();
      await sink.write([resultRecord({ unit: '', metricKind: 'summary', stats: { count: 7, sum: 70 } })]);
      const [row] = stored();
      expect(row?.dimensions).not.toHaveProperty('unit');
      expect(Object.keys(row?.measures ?? {})).toEqual(['count', 'sum', 'window_end', 'version']);
    });

    it('writes exponential buckets as compact JSON', async () => {
      const { sink, stored } = freshSink();
      const expBuckets = {
        scale: 3,
        zeroCount: 1,
        positive: { offset: -2, counts: [1, 0, 4] },
        negative: { offset: 0, counts: [] },
      };
      await sink.write([
        resultRecord({ metricKind: 'exponentialHistogram', stats: { count: 6, expBuckets } }),
      ]);
      expect(JSON.parse(stored()[0]?.measures.buckets?.value ?? '')).toEqual(expBuckets);
    });

    it('puts each window in its own table by default (tier_1m, sliding_5m_1m, session_5m)', async () => {
      for (const table of ['tier_1m', 'sliding_5m_1m', 'session_5m']) fake.createTable(DB, table);
      const sink = new TimestreamSink({ client, databaseName: DB, retry: { sleep: async () => {} } });
      const report = await sink.write([
        resultRecord({ window: '1m', windowKind: 'tier' }),
        resultRecord({ window: '5m/1m', windowKind: 'sliding', endMs: WINDOW_START + 300_000 }),
        resultRecord({ window: 'session:5m', windowKind: 'session' }),
      ]);
      expect(report.written).toBe(3);
      for (const table of ['tier_1m', 'sliding_5m_1m', 'session_5m'])
        expect(fake.stored(DB, table)).toHaveLength(1);
    });
  });

  describe('Method: write (versions)', () => {
    it('overwrites with a re-close of a higher version', async () => {
      const { sink, stored } = freshSink();
      const first = resultRecord({ version: 1 });
      await sink.write([first]);
      const report = await sink.write([
        { ...first, version: 2, stats: { ...first.stats, count: 13, sum: 31 } },
      ]);
      expect(report).toMatchObject({ written: 1, rejected: 0, superseded: 0 });
      expect(stored()).toHaveLength(1);
      expect(stored()[0]).toMatchObject({
        version: 2,
        measures: { count: { value: '13' }, sum: { value: '31' } },
      });
    });

    it('counts a replay with the same version as written (idempotent re-close)', async () => {
      const { sink, stored, calls } = freshSink();
      const record = resultRecord({ version: 4 });
      await sink.write([record]);
      const report = await sink.write([record]);
      expect(report).toMatchObject({ written: 1, rejected: 0, rejections: [] });
      expect(calls().map((c) => c.status)).toEqual([200, 200]);
      expect(stored()).toHaveLength(1);
    });

    it('counts a stale lower version as written and superseded, keeping the newer record', async () => {
      const { sink, stored, calls } = freshSink();
      const newer = resultRecord({ version: 5 });
      await sink.write([newer]);
      const stale = { ...newer, version: 2, stats: { ...newer.stats, count: 1 } };
      const report = await sink.write([stale]);
      expect(calls().at(-1)?.status).toBe(419);
      expect(report).toMatchObject({ written: 1, superseded: 1, rejected: 0, rejections: [] });
      expect(stored()[0]).toMatchObject({ version: 5, measures: { count: { value: '12' } } });
    });

    it('counts an equal version with other values as written and superseded (first write wins)', async () => {
      const { sink, stored } = freshSink();
      const record = resultRecord({ version: 3 });
      await sink.write([record]);
      const report = await sink.write([{ ...record, stats: { ...record.stats, sum: 30.500000000000004 } }]);
      expect(report).toMatchObject({ written: 1, superseded: 1, rejected: 0 });
      expect(stored()[0]?.measures.sum?.value).toBe('30.5');
    });
  });

  describe('Method: write (rejections)', () => {
    it('reports a record refused for another reason with its reason, and stores the rest of the call', async () => {
      const now = Date.now();
      const table = `t${++tableCounter}`;
      fake.createTable(DB, table, { memoryStoreRetentionMs: 3_600_000 });
      const sink = new TimestreamSink({ client, databaseName: DB, tableNameOf: () => table });
      const recent = resultRecords(5, { startMs: now - 120_000, endMs: now - 60_000 });
      const tooOld = resultRecord({ startMs: now - 7_200_000, endMs: now - 7_140_000 });
      const records = [...recent.slice(0, 2), tooOld, ...recent.slice(2)];
      const report = await sink.write(records);
      expect(report.written).toBe(5);
      expect(report.rejected).toBe(1);
      expect(report.rejections).toEqual([
        {
          index: 2,
          seriesId: tooOld.seriesId,
          reason: expect.stringMatching(
            /^The record timestamp is outside the time range \[.*\) of the memory store\.$/,
          ),
        },
      ]);
      expect(fake.stored(DB, table).map((r) => r.dimensions.series_id)).toEqual(
        recent.map((r) => r.seriesId),
      );
    });

    it('with magnetic-store writes on (as deployed), a correction older than the memory store lands there, versioned', async () => {
      const now = Date.now();
      const table = `t${++tableCounter}`;
      // tier_1m as deployed: 1 h of memory store (table-retention.ts), magnetic-store writes on.
      fake.createTable(DB, table, { memoryStoreRetentionMs: 3_600_000, magneticStoreWrites: true });
      const sink = new TimestreamSink({ client, databaseName: DB, tableNameOf: () => table });
      const old = resultRecord({ startMs: now - 7_200_000, endMs: now - 7_140_000, version: 5 });
      expect(await sink.write([old])).toMatchObject({ written: 1, rejected: 0 });
      const corrected = { ...old, version: 6, stats: { ...old.stats, count: old.stats.count + 1 } };
      expect(await sink.write([corrected])).toMatchObject({ written: 1, rejected: 0 });
      expect(await sink.write([old])).toMatchObject({ rejected: 0 }); // a lower version: kept out
      const stored = fake.stored(DB, table);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.version).toBe(6);
    });

    it('reports records the rules refuse without sending them (version 0, a count that is not an integer)', async () => {
      const { sink, stored, calls } = freshSink();
      const good = resultRecord();
      const report = await sink.write([
        resultRecord({ version: 0 }),
        good,
        resultRecord({ stats: { count: 1.5 } }),
      ]);
      expect(report.written).toBe(1);
      expect(report.rejections.map((r) => [r.index, r.reason])).toEqual([
        [0, expect.stringContaining('Version 0 is not an integer ≥ 1')],
        [2, expect.stringContaining('count 1.5 is not an integer')],
      ]);
      expect(calls().map((c) => c.records)).toEqual([1]);
      expect(stored().map((r) => r.dimensions.series_id)).toEqual([good.seriesId]);
    });

    it('reports a window more than 15 minutes ahead of the clock without sending it', async () => {
      const { sink, calls } = freshSink({ clock: { nowMs: () => WINDOW_START - 16 * 60_000 } });
      const report = await sink.write([resultRecord()]);
      expect(report.rejections[0]?.reason).toMatch(/more than 15 minutes ahead/);
      expect(calls()).toEqual([]);
    });
  });

  describe('Method: write (attribute policy against the fake)', () => {
    const write = async (records: ResultRecord[]) => {
      const { sink, stored, calls } = freshSink();
      const report = await sink.write(records);
      return { report, stored: stored(), calls: calls() };
    };

    it('takes 10,000 attributes: 128 dimensions at most, the rest counted and partly kept as overflow', async () => {
      const attributes: Record<string, string> = {};
      for (let i = 0; i < 10_000; i++) attributes[`k${String(i).padStart(5, '0')}`] = `v${i}`;
      const { report, stored } = await write([resultRecord({ attributes })]);
      expect(report).toMatchObject({ written: 1, rejected: 0 });
      const [row] = stored;
      const dims = Object.keys(row?.dimensions ?? {});
      expect(dims.length).toBeLessThanOrEqual(128);
      // Point attributes come first in key order: the kept ones are a prefix of the sorted keys.
      expect(dims.slice(4, 8)).toEqual(['k00000', 'k00001', 'k00002', 'k00003']);
      const kept = dims.length - 4;
      expect(row?.measures.overflow_count?.value).toBe(String(10_000 + 2 - kept));
      const overflow = JSON.parse(row?.measures.overflow_attributes?.value ?? '{}') as Record<string, string>;
      expect(Object.keys(overflow).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(overflow)) expect(attributes[k] ?? v).toBe(v);
      expect(report.overflowAttributes).toBe(10_000 + 2 - kept);
    });

    it('cuts 3 KB values to a prefix and a hash; different long values stay different', async () => {
      const a = 'a'.repeat(3000);
      const { report, stored } = await write([
        resultRecord({ attributes: { big: a } }),
        resultRecord({ attributes: { big: `${a}b` } }),
      ]);
      expect(report).toMatchObject({ written: 2, rejected: 0, cutValues: 2 });
      const [x, y] = stored.map((r) => r.dimensions.big ?? '');
      expect(Buffer.byteLength(x ?? '')).toBe(256);
      expect(x).toMatch(/^a{247}~[0-9a-f]{8}$/);
      expect(x).not.toBe(y);
    });

    it("renames keys with ':', reserved names and prefixes, and names windrow uses, with a hash suffix", async () => {
      const { report, stored } = await write([
        resultRecord({
          attributes: {
            'k8s:pod': 'p-1',
            time: 't',
            measure_name: 'm',
            'measure_value::double': 'd',
            ts_shard: 's',
            TIME: 'T',
            count: 'c',
            tenant: 'other',
            'resource.service.name': 'spoof',
            p99_9: 'q',
            '': 'empty key',
          },
        }),
      ]);
      expect(report).toMatchObject({ written: 1, rejected: 0 });
      const dims = stored[0]?.dimensions ?? {};
      expect(dims.tenant).toBe('acme');
      expect(dims['resource.service.name']).toBe('checkout');
      const renamed = Object.entries(dims).filter(([k]) => /_[0-9a-f]{8}$/.test(k));
      expect(renamed.map(([, v]) => v).sort()).toEqual(
        ['p-1', 't', 'm', 'd', 's', 'T', 'c', 'other', 'spoof', 'q', 'empty key'].sort(),
      );
      expect(Object.keys(dims).find((k) => k.startsWith('k8s_pod_'))).toBeDefined();
      expect(Object.keys(dims).find((k) => k.startsWith('attr_ts_shard_'))).toBeDefined();
    });

    it('leaves out empty and null values and renders other values as JSON text', async () => {
      const { report, stored } = await write([
        resultRecord({
          attributes: { empty: '', nothing: null, n: 1.5, yes: true, list: [1, 'a'], obj: { b: 1, a: 2 } },
        }),
      ]);
      expect(report).toMatchObject({ written: 1, rejected: 0 });
      const dims = stored[0]?.dimensions ?? {};
      expect(dims).not.toHaveProperty('empty');
      expect(dims).not.toHaveProperty('nothing');
      expect(dims).toMatchObject({ n: '1.5', yes: 'true', list: '[1,"a"]', obj: '{"a":2,"b":1}' });
    });

    it('omits buckets that do not fit in the record and says so (buckets_omitted = 1)', async () => {
      const counts = Array.from({ length: 600 }, (_, i) => i);
      const { report, stored } = await write([
        resultRecord({
          metricKind: 'exponentialHistogram',
          stats: {
            count: 1,
            expBuckets: {
              scale: 0,
              zeroCount: 0,
              positive: { offset: 0, counts },
              negative: { offset: 0, counts: [] },
            },
          },
        }),
      ]);
      expect(report).toMatchObject({ written: 1, rejected: 0, bucketsOmitted: 1 });
      expect(stored[0]?.measures).not.toHaveProperty('buckets');
      expect(stored[0]?.measures.buckets_omitted).toEqual({ type: 'BIGINT', value: '1' });
    });
  });
});
