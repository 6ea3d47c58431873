import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePartialSk } from '#adapters/dynamodb/keys.js';
import { createResultsTable, createWindowStateTable, windowStateTable } from '#adapters/dynamodb/table.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { StoreRequestError } from '#app/errors.js';
import type { PartialWrite } from '#app/ports.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { instantRetry } from './faults.js';

const TABLE = 'window-state';
const WINDOW = 1_700_000_040_000;
const NOW_MS = WINDOW + 90_000;
const TTL = Math.floor(NOW_MS / 1000) + 3600;
const clock = { nowMs: () => NOW_MS };

let db: Dynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
});
afterAll(() => db.stop());

/** A partial with `bytes` bytes of data, each byte the low bits of `fill`. */
function partial(over: Partial<PartialWrite> & { bytes?: number; fill?: number } = {}): PartialWrite {
  const { bytes = 100, fill = 1, ...rest } = over;
  return {
    tier: 0,
    windowStartMs: WINDOW,
    shard: 0,
    partialId: 'p',
    chunk: 0,
    data: new Uint8Array(bytes).fill(fill),
    expiresAtSec: TTL,
    ...rest,
  };
}

function store(tableName = TABLE) {
  return new DynamoWindowStore({ client: db.client, tableName, clock, retry: instantRetry() });
}

async function readAll(s: DynamoWindowStore, tier: number, windowStartMs: number, shard: number) {
  const items: { sk: string; data: Uint8Array }[] = [];
  let pages = 0;
  for await (const page of s.readPartials(tier, windowStartMs, shard)) {
    pages++;
    items.push(...page);
  }
  return { items, pages };
}

describe('Function: createWindowStateTable', () => {
  it('creates the table from its definition, ACTIVE, and is idempotent', async () => {
    const again = await createWindowStateTable(db.client, TABLE);
    expect(again.TableStatus).toBe('ACTIVE');
    expect(again.KeySchema).toEqual([
      { AttributeName: windowStateTable.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: windowStateTable.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(again.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    const [a, b] = await Promise.all([
      createResultsTable(db.client, 'results'),
      createResultsTable(db.client, 'results'),
    ]);
    expect([a.TableStatus, b.TableStatus]).toEqual(['ACTIVE', 'ACTIVE']);
  });
});

describe('Class: DynamoWindowStore', () => {
  describe('Method: writePartials', () => {
    it('writes every item across several batches, readable in key order', async () => {
      const partials = Array.from({ length: 60 }, (_, i) =>
        partial({
          windowStartMs: WINDOW + 60_000,
          shard: 1,
          partialId: `req${String(i % 20).padStart(2, '0')}`,
          chunk: Math.floor(i / 20),
          fill: i,
        }),
      );
      const report = await store().writePartials(partials);
      expect(report.items).toBe(60);

      const { items } = await readAll(store(), 0, WINDOW + 60_000, 1);
      expect(items).toHaveLength(60);
      const sks = items.map((i) => i.sk);
      expect(sks).toEqual([...sks].sort());
      for (const item of items) {
        const parsed = parsePartialSk(item.sk);
        if (parsed === undefined) throw new Error(`bad sk ${item.sk}`);
        const i = Number(parsed.partialId.slice(3)) + 20 * parsed.chunk;
        expect(item.data).toEqual(new Uint8Array(100).fill(i));
      }

      // The raw items are exactly {PK, SK, data: B, ttl: N}.
      const raw = await db.client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'P#0#1700000100000#0001' } },
          Limit: 1,
        }),
      );
      expect(raw.Items?.[0]).toEqual({
        PK: { S: 'P#0#1700000100000#0001' },
        SK: { S: 'req00#0000' },
        data: { B: new Uint8Array(100).fill(0) },
        ttl: { N: String(TTL) },
      });
    });

    it('overwrites the item with the same key (a retried request counts once)', async () => {
      const s = store();
      const first = partial({ shard: 2, partialId: 'same', fill: 1 });
      await s.writePartials([first, partial({ shard: 2, partialId: 'other' })]);
      await s.writePartials([{ ...first, data: new Uint8Array(50).fill(9) }]);
      const { items } = await readAll(s, 0, WINDOW, 2);
      expect(items.map((i) => i.sk)).toEqual(['other#0000', 'same#0000']);
      expect(items[1]?.data).toEqual(new Uint8Array(50).fill(9));
    });

    it('keeps the last of two partials with one key in one call (BatchWriteItem refuses duplicates)', async () => {
      const s = store();
      const report = await s.writePartials([
        partial({ shard: 3, fill: 1 }),
        partial({ shard: 3, partialId: 'q' }),
        partial({ shard: 3, fill: 2 }),
      ]);
      expect(report.items).toBe(2);
      const { items } = await readAll(s, 0, WINDOW, 3);
      expect(items.map((i) => [i.sk, i.data[0]])).toEqual([
        ['p#0000', 2],
        ['q#0000', 1],
      ]);
    });

    it('reports bytes and write units the way DynamoDB bills them', async () => {
      // PK 'P#0#1700000040000#0004' (2+22) + SK 'p#0000' (2+6) + data (4+n)
      // + ttl 1700003730 (3 + ⌈9 significant digits / 2⌉ + 1 = 3+6) = 45 + n
      expect(TTL).toBe(1_700_003_730);
      const overhead = 45;
      const sizes = [1024 - overhead, 1025 - overhead, 350 * 1024 - overhead, 1];
      const report = await store().writePartials(
        sizes.map((bytes, chunk) => partial({ shard: 4, chunk, bytes })),
      );
      // chunk 1..3 add nothing to the SK length ('p#0001'…)
      expect(report.itemSizes).toEqual([1024, 1025, 350 * 1024, overhead + 1]);
      expect(report.bytes).toBe(1024 + 1025 + 350 * 1024 + overhead + 1);
      expect(report.writeUnits).toBe(1 + 2 + 350 + 1);
      expect(report.items).toBe(4);
    });

    it('writes nothing and costs nothing for no partials', async () => {
      expect(await store().writePartials([])).toEqual({ items: 0, bytes: 0, writeUnits: 0, itemSizes: [] });
    });

    it('refuses an item over 400 KB before writing anything', async () => {
      const s = store();
      await expect(
        s.writePartials([partial({ shard: 5, partialId: 'ok' }), partial({ shard: 5, bytes: 400 * 1024 })]),
      ).rejects.toThrow(StoreRequestError);
      expect((await readAll(s, 0, WINDOW, 5)).items).toEqual([]);
    });

    it('translates a missing table into StoreRequestError', async () => {
      await expect(store('no-such-table').writePartials([partial()])).rejects.toThrow(StoreRequestError);
    });

    it('refuses a ttl that is not whole epoch seconds', async () => {
      await expect(store().writePartials([partial({ expiresAtSec: 1.5 })])).rejects.toThrow(
        StoreRequestError,
      );
    });
  });

  describe('Method: readPartials', () => {
    it('leaves out items past their ttl (DynamoDB deletes lazily, dynalite never)', async () => {
      const s = store();
      const nowSec = Math.floor(NOW_MS / 1000);
      await s.writePartials([
        partial({ shard: 6, partialId: 'expired', expiresAtSec: nowSec - 1 }),
        partial({ shard: 6, partialId: 'edge', expiresAtSec: nowSec }),
        partial({ shard: 6, partialId: 'live', expiresAtSec: nowSec + 60 }),
      ]);
      expect((await readAll(s, 0, WINDOW, 6)).items.map((i) => i.sk)).toEqual(['edge#0000', 'live#0000']);
    });

    it('follows pagination past 1 MB pages', async () => {
      const s = store();
      const partials = Array.from({ length: 5 }, (_, chunk) =>
        partial({ shard: 7, chunk, bytes: 300 * 1024, fill: chunk }),
      );
      await s.writePartials(partials);
      const { items, pages } = await readAll(s, 0, WINDOW, 7);
      expect(pages).toBeGreaterThan(1);
      expect(items.map((i) => i.sk)).toEqual(['p#0000', 'p#0001', 'p#0002', 'p#0003', 'p#0004']);
      expect(items.map((i) => i.data[0])).toEqual([0, 1, 2, 3, 4]);
    });

    it('yields nothing for an empty partition', async () => {
      expect(await readAll(store(), 2, WINDOW, 9)).toEqual({ items: [], pages: 0 });
    });
  });

  describe('Method: markCorrections', () => {
    it('writes D#<tier> / <windowStart>#<shard> marks with ttl and the set of causes, duplicates collapsed', async () => {
      const marks = [
        { tier: 1, windowStartMs: WINDOW + 60_000, shard: 2, expiresAtSec: TTL, cause: 'req-a' },
        { tier: 1, windowStartMs: WINDOW, shard: 3, expiresAtSec: TTL },
        { tier: 1, windowStartMs: WINDOW + 60_000, shard: 2, expiresAtSec: TTL, cause: 'req-a' },
      ];
      const report = await store().markCorrections(marks);
      expect(report).toMatchObject({ items: 2, writeUnits: 2 });
      const out = await db.client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'D#1' } },
        }),
      );
      expect(out.Items).toEqual([
        {
          PK: { S: 'D#1' },
          SK: { S: '1700000040000#0003' },
          ttl: { N: String(TTL) },
          causes: { SS: ['mark'] },
        },
        {
          PK: { S: 'D#1' },
          SK: { S: '1700000100000#0002' },
          ttl: { N: String(TTL) },
          causes: { SS: ['req-a'] },
        },
      ]);
      // A retried request adds the same cause: the item does not change.
      await store().markCorrections([marks[0] as (typeof marks)[0]]);
      const again = await db.client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'D#1' } },
        }),
      );
      expect(again.Items).toEqual(out.Items);
    });
  });
});
