/**
 * Closing into Timestream: the close use case writes through the real Timestream sink and the real
 * `@aws-sdk/client-timestream-write` to the protocol-level fake, which enforces Timestream's rules
 * (≤ 100 records a call, dimension limits, versions, HTTP 419 rejections). What the fake holds equals
 * the raw values per window; a late point re-closes with a higher Version that Timestream accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimestreamSink, timestreamTableName } from '#adapters/timestream/index.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import {
  type FakeTimestream,
  fakeTimestreamClient,
  startFakeTimestream,
} from '../support/fake-timestream.js';
import { exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const DB = 'windrow';
const config = parseConfig({ tiers: ['1s', '10s'], allowedLateness: '1s', shards: 2, sink: 'timestream' });
let fake: FakeTimestream;

beforeAll(async () => {
  fake = await startFakeTimestream({ now: () => T0 + 30_000 });
  fake.createDatabase(DB);
  for (const tier of config.tiers) fake.createTable(DB, timestreamTableName(tier.name, 'tier'));
});
afterAll(() => fake?.stop());

describe('closeWindow → TimestreamSink → fake Timestream', () => {
  it('stores one multi-measure record per series-window equal to the raw values, and re-closes with a higher Version', async () => {
    const harness = new CloseHarness(config, T0);
    harness.resultSink = new TimestreamSink({ client: fakeTimestreamClient(fake), databaseName: DB });
    const random = seededRandom(4);
    // 150 series in one second: more than 100 records per window, so calls are split.
    const points: RawPoint[] = [];
    for (let i = 0; i < 600; i++) {
      points.push({
        metric: 'queue.depth',
        t: T0 + 100 + Math.floor(random() * 800),
        value: Math.floor(random() * 50),
        attributes: { queue: `q${i % 150}`, 'k8s:pod': 'p-1' },
      });
    }
    await harness.tick();
    harness.clock.now = T0 + 1_000;
    await harness.send(points);
    await harness.runUntil(T0 + 12_000, 1_000);
    expect(harness.failures).toEqual([]);

    const stored = fake.stored(DB, timestreamTableName('1s', 'tier'));
    expect(stored).toHaveLength(150);
    for (const record of stored) {
      const values = points
        .filter((p) => p.attributes?.queue === record.dimensions.queue)
        .map((p) => p.value);
      expect(record.measures.count?.value, record.dimensions.queue).toBe(String(values.length));
      expect(Number(record.measures.sum?.value)).toBe(exactSum(values));
      expect(Number(record.measures.max?.value)).toBe(Math.max(...values));
      expect(Object.keys(record.dimensions).some((d) => d.includes(':'))).toBe(false);
    }
    expect(fake.stored(DB, timestreamTableName('10s', 'tier'))).toHaveLength(150);

    const before = fake
      .stored(DB, timestreamTableName('10s', 'tier'))
      .find((r) => r.dimensions.queue === 'q7');
    await harness.send([
      { metric: 'queue.depth', t: T0 + 500, value: 1_000, attributes: { queue: 'q7', 'k8s:pod': 'p-1' } },
    ]);
    for (let i = 0; i < 3; i++) await harness.tick();
    const after = fake
      .stored(DB, timestreamTableName('10s', 'tier'))
      .find((r) => r.dimensions.queue === 'q7');
    expect(Number(after?.measures.max?.value)).toBe(1_000);
    expect(after?.version ?? 0).toBeGreaterThan(before?.version ?? Number.POSITIVE_INFINITY);
  });
});
