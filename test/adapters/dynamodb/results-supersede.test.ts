import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { DynamoResultsSink, groupByShard } from '#adapters/dynamodb/results-sink.js';
import { createResultsTable } from '#adapters/dynamodb/table.js';
import type { ResultRecord, SupersededResult } from '#app/results.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';

const TABLE = 'results-supersede';
const T0 = 1_767_225_600_000;
let db: Dynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createResultsTable(db.client, TABLE);
});
afterAll(() => db.stop());

function session(n: number, startMs: number, version: number, bytes = 10): ResultRecord {
  return {
    tenant: 'acme',
    seriesId: n.toString(16).padStart(32, '0'),
    metric: 'checkout.ms',
    unit: 'ms',
    metricKind: 'gauge',
    attributes: {
      host: `h${n}`,
      note: Array.from({ length: bytes }, (_, i) => ((i * 7_919) % 97).toString(36)).join(''),
    },
    resource: {},
    window: 'session:5m',
    windowKind: 'session',
    startMs,
    endMs: startMs + 400_000,
    version,
    stats: { count: 3, sum: 6, min: 1, max: 3 },
  };
}

function superseded(r: ResultRecord, version: number): SupersededResult {
  const { stats: _stats, ...rest } = r;
  return { ...rest, version };
}

async function stored(): Promise<string[]> {
  const out = await db.client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  return (out.Items ?? []).map((i) => `${i.SK?.S}@${i.version?.N}`).sort();
}

describe('DynamoResultsSink.supersede', () => {
  it('deletes every chunk of a session result stored with a lower or equal version, keeps newer ones', async () => {
    // Small chunks: a session's pack spans several items, every one of which must go.
    const s = new DynamoResultsSink({
      client: db.client,
      tableName: TABLE,
      groupOf: groupByShard(2),
      chunkBytes: 64,
    });
    const a = session(1, T0, 10, 400);
    const b = session(2, T0 + 60_000, 10);
    const c = session(3, T0 + 120_000, 30);
    await s.write([a, b, c]);
    const before = await stored();
    expect(before.filter((k) => k.includes(a.seriesId)).length).toBeGreaterThan(3);
    const report = await s.supersede([superseded(a, 20), superseded(b, 10), superseded(c, 20)]);
    expect(report).toMatchObject({ written: 3, rejected: 0 });
    // a (10 ≤ 20) and b (10 ≤ 10) are gone, every chunk; c (30 > 20) stays.
    expect(await stored()).toEqual(before.filter((k) => k.includes(c.seriesId)));
    const reader = new DynamoResultsReader({
      client: db.client,
      tableName: TABLE,
      consistentRead: true,
      clock: { nowMs: () => T0 },
    });
    const read = await reader.read({
      tenant: 'acme',
      metric: 'checkout.ms',
      window: 'session:5m',
      fromMs: 0,
      toMs: T0 + 1e9,
    });
    expect(read.map((r) => r.seriesId)).toEqual([c.seriesId]);
    // Again (a retried close): nothing to delete, nothing refused.
    expect(await s.supersede([superseded(a, 20)])).toMatchObject({ written: 1, rejected: 0 });
  });

  it('refuses to supersede a tier or sliding result (those are replaced by their re-close)', async () => {
    const s = new DynamoResultsSink({ client: db.client, tableName: TABLE, groupOf: groupByShard(2) });
    const tier = { ...superseded(session(4, T0, 1), 2), window: '1m', windowKind: 'tier' as const };
    const report = await s.supersede([tier]);
    expect(report).toMatchObject({ written: 0, rejected: 1 });
    expect(report.rejections[0]?.reason).toMatch(/only session results/);
  });
});
