/**
 * Timestream faults while closing: the close use case writes through the real `TimestreamSink` and
 * the real `@aws-sdk/client-timestream-write` client to the protocol-level fake, which throttles,
 * answers 500s and resets sockets at random (and once long enough to exhaust the sink's budget, so
 * the close job fails and runs again), and rejects records for reasons other than versions:
 *
 * - a schema conflict (a dimension name the table already has as a measure), for some series of a
 *   call while the rest of the call is stored;
 * - timestamps outside the memory store's retention, for a whole tier; once the retention allows
 *   them (the fake's clock moved), a re-close writes them with a higher version.
 *
 * Checked against the oracle of the raw points: what the fake stores equals it for every record not
 * rejected, rejected records are reported (SinkReport.rejections, the close outcome's `rejected`),
 * one for one, and none is stored or counted in secret.
 */
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TimestreamSink,
  type TimestreamSinkReport,
  timestreamTableName,
} from '#adapters/timestream/index.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import {
  type FakeTimestream,
  fakeTimestreamClient,
  type StoredRecord,
  startFakeTimestream,
} from '../support/fake-timestream.js';
import { oracle, workload } from '../support/fault-world.js';
import { exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:40.000Z');
const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'timestream',
});
const TIER_1S = timestreamTableName('1s', 'tier');
const TIER_10S = timestreamTableName('10s', 'tier');

let fake: FakeTimestream;
/** The fake's clock: the harness clock plus `skewMs`. */
let fakeNow = () => T0;
let skewMs = 0;

beforeAll(async () => {
  fake = await startFakeTimestream({ now: () => fakeNow() + skewMs });
});
afterAll(() => fake?.stop());

/** A harness whose results go to `database` through the real sink, with instant backoff and the reports kept. */
function timestreamHarness(database: string) {
  const harness = new CloseHarness(config, T0);
  fakeNow = () => harness.clock.now;
  skewMs = 0;
  const client = fakeTimestreamClient(fake);
  const random = seededRandom(5);
  const sink = new TimestreamSink({
    client,
    databaseName: database,
    retry: { sleep: () => new Promise<void>((resolve) => setImmediate(resolve)), random },
  });
  const reports: { records: readonly ResultRecord[]; report: TimestreamSinkReport }[] = [];
  harness.resultSink = {
    write: async (records) => {
      const report = await sink.write(records);
      reports.push({ records, report });
      return report;
    },
    supersede: (results) => sink.supersede(results),
  };
  return { harness, client, reports };
}

/** Sends the workload second by second, ticking after each. */
async function runLive(harness: CloseHarness, points: readonly RawPoint[], toMs: number) {
  await harness.tick();
  for (let now = T0 + 1_000; now <= toMs; now += 1_000) {
    harness.clock.now = now;
    const due = points.filter((p) => p.t >= now - 1_000 && p.t < now);
    if (due.length > 0) await harness.send(due);
    await harness.tick();
  }
}

function storedKey(r: StoredRecord): string {
  return `${r.dimensions.metric}|${r.dimensions.host}|${Number(r.time)}`;
}

/** The stored records equal `expected` (same windows, each with its count, sum, min and max). */
function expectStored(stored: readonly StoredRecord[], expected: Map<string, number[]>, what: string) {
  const byKey = new Map(stored.map((r) => [storedKey(r), r]));
  expect(byKey.size, `${what}: one record per series and window`).toBe(stored.length);
  expect([...byKey.keys()].sort(), what).toEqual([...expected.keys()].sort());
  for (const [key, values] of expected) {
    const m = byKey.get(key)?.measures;
    expect(
      [m?.count?.value, m?.sum?.value, m?.min?.value, m?.max?.value].map(Number),
      `${what} ${key}`,
    ).toEqual([values.length, exactSum(values), Math.min(...values), Math.max(...values)]);
  }
}

/** Random throttling (35%), 500s and socket resets (10% each) on every WriteRecords call. */
function flakyPlan(random: () => number) {
  return () => {
    const r = random();
    if (r < 0.35) return { kind: 'throttle' } as const;
    if (r < 0.45) return { kind: 'internal' } as const;
    if (r < 0.55) return { kind: 'reset' } as const;
    return undefined;
  };
}

describe('Timestream faults while closing', () => {
  it('retries throttled calls; records refused for a schema conflict are reported one for one, the rest equal the oracle', async () => {
    const database = 'schema';
    fake.createDatabase(database);
    for (const tier of config.tiers) fake.createTable(database, timestreamTableName(tier.name, 'tier'));
    const { harness, client, reports } = timestreamHarness(database);
    // Someone wrote `zone` as a measure to the 1s table: Timestream now refuses it as a dimension there.
    await client.send(
      new WriteRecordsCommand({
        DatabaseName: database,
        TableName: TIER_1S,
        Records: [
          {
            Dimensions: [{ Name: 'origin', Value: 'another writer' }],
            MeasureName: 'other',
            MeasureValueType: 'MULTI',
            MeasureValues: [{ Name: 'zone', Value: 'x', Type: 'VARCHAR' }],
            Time: String(T0),
          },
        ],
      }),
    );
    const random = seededRandom(31);
    // One host of three also carries a `zone` attribute (a dimension of its own).
    const points = workload(21, T0, 8_000).map((p) =>
      p.attributes?.host === 'h2' ? { ...p, attributes: { ...p.attributes, zone: 'eu-1' } } : p,
    );
    fake.faultPlan = flakyPlan(random);
    fake.throttleNext(1);
    fake.failNext(1, { kind: 'reset' });
    fake.failNext(1, { kind: 'internal' });
    let burst = false;
    const send = harness.send.bind(harness);
    harness.send = async (due) => {
      // Once, a throttling storm longer than the sink's budget of 8 attempts: the close job fails.
      if (!burst && harness.clock.now >= T0 + 4_000) {
        burst = true;
        fake.throttleNext(12);
      }
      return send(due);
    };
    await runLive(harness, points, T0 + 22_000);
    fake.clearFaults();
    await harness.tick();

    // Throttling, 500s and resets were retried; the storm failed at least one job, which ran again.
    const statuses = fake.calls.filter((c) => c.database === database).map((c) => c.status);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(15);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 0).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 419).length).toBeGreaterThan(0);
    expect(harness.failures.length).toBeGreaterThan(0);
    expect(harness.failures.every((f) => f.error instanceof StoreUnavailableError)).toBe(true);
    expect(harness.queue.jobs).toEqual([]);

    const zoned = (p: RawPoint) => p.attributes?.zone !== undefined;
    // 1s: the zone series are refused, everything else is stored and exact.
    expectStored(
      fake.stored(database, TIER_1S).filter((r) => r.dimensions.origin === undefined),
      oracle(
        points.filter((p) => !zoned(p)),
        1_000,
      ),
      '1s',
    );
    // 10s: no conflict there, everything stored.
    expectStored(fake.stored(database, TIER_10S), oracle(points, 10_000), '10s');

    // Every refused record is reported, once, with Timestream's reason, and nothing else is.
    const rejected = reports.flatMap(({ records, report }) =>
      report.rejections.map((r) => ({ record: records[r.index], reason: r.reason })),
    );
    const expectedRejected = oracle(points.filter(zoned), 1_000);
    expect(
      rejected.map((r) => `${r.record?.metric}|${r.record?.attributes.host}|${r.record?.startMs}`).sort(),
    ).toEqual([...expectedRejected.keys()].sort());
    expect(
      rejected.every((r) => r.record?.window === '1s' && /is a measure of this table/.test(r.reason)),
    ).toBe(true);
    expect(reports.every(({ records, report }) => report.written + report.rejected === records.length)).toBe(
      true,
    );
    const outcomes = harness.outcomes.filter((o) => o.job.tier === 0);
    expect(outcomes.reduce((n, o) => n + o.rejected, 0)).toBe(expectedRejected.size);
    client.destroy();
  });

  it('records outside the memory store are reported, and a re-close writes them with a higher version once Timestream takes them', async () => {
    const database = 'retention';
    fake.createDatabase(database);
    // A short memory store on the 10s table: its records are older than that by the time they close.
    fake.createTable(database, TIER_1S);
    fake.createTable(database, TIER_10S, { memoryStoreRetentionMs: 6_000 });
    const { harness, client, reports } = timestreamHarness(database);
    const points = workload(22, T0, 8_000);
    fake.faultPlan = flakyPlan(seededRandom(41));
    await runLive(harness, points, T0 + 22_000);

    expectStored(fake.stored(database, TIER_1S), oracle(points, 1_000), '1s');
    expect(fake.stored(database, TIER_10S)).toEqual([]);
    const refused = harness.outcomes.filter((o) => o.job.tier === 1 && o.rejected > 0);
    const tenSecond = oracle(points, 10_000);
    expect(refused.reduce((n, o) => n + o.rejected, 0)).toBe(tenSecond.size);
    expect(refused.every((o) => o.status === 'closed' && o.records === o.rejected)).toBe(true);
    expect(
      reports.flatMap((r) => r.report.rejections).every((r) => /outside the time range/.test(r.reason)),
    ).toBe(true);

    // The memory store takes them now; re-close the windows whose records were refused.
    skewMs = -60_000;
    await harness.store.markCorrections(
      refused.map((o) => ({
        tier: 1,
        windowStartMs: o.job.windowStartMs,
        shard: o.job.shard,
        expiresAtSec: 2e9,
      })),
    );
    await harness.tick();
    fake.clearFaults();
    await harness.tick();
    expect(harness.queue.jobs).toEqual([]);
    expectStored(fake.stored(database, TIER_10S), tenSecond, '10s after the re-close');
    const firstVersion = new Map(refused.map((o) => [`${o.job.windowStartMs}`, o.version ?? 0]));
    for (const r of fake.stored(database, TIER_10S)) {
      expect(r.version).toBeGreaterThan(firstVersion.get(r.time) ?? Number.POSITIVE_INFINITY);
    }
    // The 1s records were not touched by the 10s re-close.
    expectStored(fake.stored(database, TIER_1S), oracle(points, 1_000), '1s after');
    client.destroy();
  });
});
