import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import {
  closedStateChunkKey,
  closedStatePk,
  closedStateSk,
  parseCheckpointSk,
  parseClosedStateSk,
} from '#adapters/dynamodb/keys.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import type { ClosedStateWrite } from '#app/close-ports.js';
import { StoreRequestError } from '#app/errors.js';
import type { PartialWrite } from '#app/ports.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { injectFaults, instantRetry } from './faults.js';

const TABLE = 'window-state';
const WINDOW = 1_700_000_040_000;
const NOW_MS = WINDOW + 90_000;
const NOW_SEC = Math.floor(NOW_MS / 1000);
const TTL = NOW_SEC + 3600;
const VERSION = 1_700_000_100_000;

let db: Dynalite;
let nowMs = NOW_MS;
const clock = { nowMs: () => nowMs };

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
});
afterAll(() => db.stop());

function store() {
  return new DynamoCloseStore({ client: db.client, tableName: TABLE, clock, retry: instantRetry() });
}

/** Each test works in a shard of its own. */
let shardCounter = 0;
const nextShard = () => ++shardCounter;

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

function closedWrite(shard: number, over: Partial<ClosedStateWrite> = {}): ClosedStateWrite {
  return {
    tier: 0,
    windowStartMs: WINDOW,
    shard,
    version: VERSION,
    chunks: [bytes(100, 1), bytes(200, 2), bytes(300, 3)],
    parentChunks: 2,
    expiresAtSec: TTL,
    ...over,
  };
}

async function closedSks(shard: number, tier = 0): Promise<string[]> {
  const out = await db.client.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: closedStatePk(tier, WINDOW, shard) } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => item.SK?.S ?? '');
}

/** A raw closed-state chunk, as a writer that crashed after it would have left it. */
async function rawChunk(shard: number, version: number, chunk: number, chunks: number, ttl = TTL) {
  const key = closedStateChunkKey(0, WINDOW, shard, version, chunk);
  await db.client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        PK: { S: key.pk },
        SK: { S: key.sk },
        data: { B: bytes(10, 9) },
        version: { N: String(version) },
        chunks: { N: String(chunks) },
        parentChunks: { N: '1' },
        ttl: { N: String(ttl) },
      },
    }),
  );
}

describe('Module: keys (closing side)', () => {
  it('spells closed-state SKs as <version 16>#<chunk 4> in (version, chunk) order and parses them back', () => {
    expect(closedStateChunkKey(0, WINDOW, 3, VERSION, 1)).toEqual({
      pk: 'C#0#1700000040000#0003',
      sk: '0001700000100000#0001',
    });
    expect(closedStateSk(Number.MAX_SAFE_INTEGER, 9999)).toBe('9007199254740991#9999');
    expect(closedStateSk(9, 0) < closedStateSk(10, 0)).toBe(true);
    expect(closedStateSk(10, 0) < closedStateSk(10, 1)).toBe(true);
    expect(parseClosedStateSk('0001700000100000#0002')).toEqual({ version: VERSION, chunk: 2 });
    expect(parseClosedStateSk('0002')).toBeUndefined();
    expect(parseClosedStateSk('9999999999999999#0000')).toBeUndefined(); // beyond 2^53
    expect(parseCheckpointSk('0042')).toBe(42);
    expect(parseCheckpointSk('42')).toBeUndefined();
    expect(() => closedStateSk(-1, 0)).toThrow(StoreRequestError);
    expect(() => closedStateSk(1.5, 0)).toThrow(StoreRequestError);
  });
});

describe('Class: DynamoCloseStore', () => {
  describe('Method: readClosedState / writeClosedState', () => {
    it('round-trips several chunks (across 1 MB query pages) in order', async () => {
      const shard = nextShard();
      const chunks = [1, 2, 3, 4].map((i) => bytes(300_000, i));
      await store().writeClosedState(closedWrite(shard, { chunks, parentChunks: 3 }));
      const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
      const log = injectFaults(client, 'QueryCommand', () => undefined);
      const reader = new DynamoCloseStore({ client, tableName: TABLE, clock });
      const read = await reader.readClosedState(0, WINDOW, shard);
      client.destroy();
      expect(log.calls.length).toBeGreaterThan(1); // 1.2 MB: more than one page
      expect(read?.version).toBe(VERSION);
      expect(read?.parentChunks).toBe(3);
      expect(read?.chunks.map((c) => [c.length, c[0]])).toEqual(chunks.map((c) => [c.length, c[0]]));
      expect(await store().readClosedState(0, WINDOW + 60_000, shard)).toBeUndefined();
    });

    it('a newer version with fewer chunks is read alone and the older one is deleted', async () => {
      const shard = nextShard();
      const s = store();
      await s.writeClosedState(closedWrite(shard));
      const newer = VERSION + 5_000;
      await s.writeClosedState(
        closedWrite(shard, { version: newer, chunks: [bytes(50, 7)], parentChunks: 1 }),
      );
      expect(await s.readClosedState(0, WINDOW, shard)).toEqual({
        version: newer,
        chunks: [bytes(50, 7)],
        parentChunks: 1,
      });
      expect(await closedSks(shard)).toEqual([closedStateSk(newer, 0)]);
      // Re-writing the same version is idempotent.
      await s.writeClosedState(
        closedWrite(shard, { version: newer, chunks: [bytes(50, 7)], parentChunks: 1 }),
      );
      expect(await closedSks(shard)).toEqual([closedStateSk(newer, 0)]);
    });

    it('an older version written late (a racing closer) leaves the newer one in force', async () => {
      const shard = nextShard();
      const s = store();
      await s.writeClosedState(closedWrite(shard, { version: VERSION + 1 }));
      await s.writeClosedState(closedWrite(shard, { version: VERSION, chunks: [bytes(5, 5)] }));
      expect((await s.readClosedState(0, WINDOW, shard))?.version).toBe(VERSION + 1);
    });

    it('an incomplete newer version (crashed writer) falls back to the older complete one', async () => {
      const shard = nextShard();
      const s = store();
      await s.writeClosedState(closedWrite(shard));
      await rawChunk(shard, VERSION + 1, 0, 3); // chunk 0 of 3, then the crash
      const read = await s.readClosedState(0, WINDOW, shard);
      expect(read?.version).toBe(VERSION);
      expect(read?.chunks).toEqual(closedWrite(shard).chunks);
      // The re-run of the crashed close completes it; the older version goes.
      await s.writeClosedState(
        closedWrite(shard, { version: VERSION + 1, chunks: [bytes(1, 1), bytes(2, 2)] }),
      );
      expect((await s.readClosedState(0, WINDOW, shard))?.chunks).toEqual([bytes(1, 1), bytes(2, 2)]);
      expect(await closedSks(shard)).toEqual([closedStateSk(VERSION + 1, 0), closedStateSk(VERSION + 1, 1)]);
    });

    it('an incomplete only version reads as never closed', async () => {
      const shard = nextShard();
      await rawChunk(shard, VERSION, 1, 2);
      expect(await store().readClosedState(0, WINDOW, shard)).toBeUndefined();
    });

    it('ignores chunks past their ttl (an expired newer version falls back, an expired only one is none)', async () => {
      const shard = nextShard();
      const s = store();
      await s.writeClosedState(closedWrite(shard, { expiresAtSec: NOW_SEC + 100 }));
      await rawChunk(shard, VERSION + 1, 0, 1, NOW_SEC - 1); // newer, already expired
      expect((await s.readClosedState(0, WINDOW, shard))?.version).toBe(VERSION);
      nowMs = (NOW_SEC + 101) * 1000; // now > ttl
      try {
        expect(await s.readClosedState(0, WINDOW, shard)).toBeUndefined();
        nowMs = (NOW_SEC + 100) * 1000 + 999; // now = ttl: still live
        expect((await s.readClosedState(0, WINDOW, shard))?.version).toBe(VERSION);
      } finally {
        nowMs = NOW_MS;
      }
    });

    it('refuses what cannot be stored before writing anything', async () => {
      const shard = nextShard();
      const s = store();
      await expect(s.writeClosedState(closedWrite(shard, { chunks: [] }))).rejects.toThrow(StoreRequestError);
      await expect(s.writeClosedState(closedWrite(shard, { version: -1 }))).rejects.toThrow(
        StoreRequestError,
      );
      await expect(s.writeClosedState(closedWrite(shard, { version: 2 ** 53 }))).rejects.toThrow(
        StoreRequestError,
      );
      await expect(s.writeClosedState(closedWrite(shard, { parentChunks: 0.5 }))).rejects.toThrow(
        StoreRequestError,
      );
      await expect(s.writeClosedState(closedWrite(shard, { expiresAtSec: 0 }))).rejects.toThrow(
        StoreRequestError,
      );
      await expect(
        s.writeClosedState(closedWrite(shard, { chunks: [bytes(410 * 1024, 1)] })),
      ).rejects.toThrow(StoreRequestError);
      expect(await closedSks(shard)).toEqual([]);
    });
  });

  describe('Method: initCheckpoint / readCheckpoints / advanceCheckpoint', () => {
    it('two concurrent inits get the same checkpoint, the first one written', async () => {
      const tier = 1;
      const shard = nextShard();
      const [a, b] = await Promise.all([
        store().initCheckpoint({ tier, shard, closedThroughMs: 1000 }),
        store().initCheckpoint({ tier, shard, closedThroughMs: 2000 }),
      ]);
      expect(a).toEqual(b);
      expect([1000, 2000]).toContain(a.closedThroughMs);
      const again = await store().initCheckpoint({ tier, shard, closedThroughMs: 3000 });
      expect(again).toEqual(a);
      expect((await store().readCheckpoints(tier)).get(shard)).toEqual(a);
    });

    it('advances once from the value in force, never from a stale one', async () => {
      const tier = 2;
      const shard = nextShard();
      const s = store();
      await s.initCheckpoint({ tier, shard, closedThroughMs: WINDOW - 60_000 });
      expect(await s.advanceCheckpoint(tier, shard, WINDOW - 60_000, WINDOW)).toBe(true);
      expect(await s.advanceCheckpoint(tier, shard, WINDOW - 60_000, WINDOW)).toBe(false);
      expect(await s.advanceCheckpoint(tier, shard, WINDOW, WINDOW + 60_000)).toBe(true);
      expect(await s.advanceCheckpoint(tier, nextShard(), 0, 60_000)).toBe(false); // none yet
      expect((await s.readCheckpoints(tier)).get(shard)).toEqual({
        tier,
        shard,
        closedThroughMs: WINDOW + 60_000,
      });
    });

    it('of concurrent advances from one value exactly one wins', async () => {
      const tier = 3;
      const shard = nextShard();
      await store().initCheckpoint({ tier, shard, closedThroughMs: 0 });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store().advanceCheckpoint(tier, shard, 0, 60_000 * (i + 1))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store().readCheckpoints(tier)).get(shard)?.closedThroughMs).toBe(60_000 * (winner + 1));
    });

    it('reads every shard of a tier and nothing of another', async () => {
      const tier = 4;
      const s = store();
      const shards = [nextShard(), nextShard(), nextShard()];
      for (const [i, shard] of shards.entries()) await s.initCheckpoint({ tier, shard, closedThroughMs: i });
      await s.initCheckpoint({ tier: 5, shard: shards[0] ?? 0, closedThroughMs: 99 });
      const read = await s.readCheckpoints(tier);
      expect([...read.keys()].sort((a, b) => a - b)).toEqual(shards);
      expect(read.get(shards[2] ?? -1)).toEqual({ tier, shard: shards[2], closedThroughMs: 2 });
      expect((await s.readCheckpoints(6)).size).toBe(0);
      await expect(s.advanceCheckpoint(tier, shards[0] ?? 0, 0, 0.5)).rejects.toThrow(StoreRequestError);
    });
  });

  describe('Method: listCorrectionMarks / clearCorrectionMark', () => {
    it('lists live marks in window order up to the limit, across pages, and clears them', async () => {
      const tier = 7;
      const s = store();
      const marks = [
        { windowStartMs: WINDOW + 120_000, shard: 1 },
        { windowStartMs: WINDOW, shard: 12 },
        { windowStartMs: WINDOW + 60_000, shard: 0 },
        { windowStartMs: WINDOW, shard: 2 },
        { windowStartMs: WINDOW + 60_000, shard: 3, expiresAtSec: NOW_SEC - 1 }, // expired
      ].map((m) => ({ tier, expiresAtSec: TTL, ...m }));
      const many = Array.from({ length: 40 }, (_, i) => ({
        tier,
        windowStartMs: WINDOW + 600_000 + i * 60_000,
        shard: 0,
        expiresAtSec: TTL,
      }));
      await s.markCorrections([...marks, ...many]);
      await s.markCorrections([{ tier: 8, windowStartMs: 0, shard: 0, expiresAtSec: TTL }]);

      const first = await s.listCorrectionMarks(tier, 3);
      expect(first).toEqual([
        { tier, windowStartMs: WINDOW, shard: 2, expiresAtSec: TTL },
        { tier, windowStartMs: WINDOW, shard: 12, expiresAtSec: TTL },
        { tier, windowStartMs: WINDOW + 60_000, shard: 0, expiresAtSec: TTL },
      ]);
      const all = await s.listCorrectionMarks(tier, 1000);
      expect(all).toHaveLength(44);
      expect(all.map((m) => m.windowStartMs)).toEqual(
        [...all.map((m) => m.windowStartMs)].sort((a, b) => a - b),
      );
      expect(await s.listCorrectionMarks(tier, 0)).toEqual([]);

      await s.clearCorrectionMark(tier, WINDOW, 2);
      await s.clearCorrectionMark(tier, WINDOW, 2); // already gone: fine
      expect((await s.listCorrectionMarks(tier, 2)).map((m) => m.shard)).toEqual([12, 0]);
    });
  });

  describe('Method: readPartialData / writePartials / deletePartials', () => {
    it('reads back written partials and deletes the given chunks (more than one batch)', async () => {
      const shard = nextShard();
      const s = store();
      const partials: PartialWrite[] = Array.from({ length: 30 }, (_, i) => ({
        tier: 1,
        windowStartMs: WINDOW,
        shard,
        partialId: '~1700000000000',
        chunk: i,
        data: bytes(20, i),
        expiresAtSec: TTL,
      }));
      const report = await s.writePartials(partials);
      expect(report.items).toBe(30);
      const read = async () => {
        const out: number[] = [];
        for await (const page of s.readPartialData(1, WINDOW, shard))
          out.push(...page.map((d) => d[0] ?? -1));
        return out;
      };
      expect(await read()).toEqual(partials.map((_, i) => i));

      const doomed = partials.slice(2).map(({ tier, windowStartMs, partialId, chunk }) => ({
        tier,
        windowStartMs,
        shard,
        partialId,
        chunk,
      }));
      await s.deletePartials([...doomed, ...doomed.slice(0, 3)]); // duplicates collapse
      await s.deletePartials([]);
      expect(await read()).toEqual([0, 1]);
    });
  });
});

describe('Correction mark causes (regression: a failed re-close must not lose its mark)', () => {
  it('clears only the causes a close saw; a cause added meanwhile keeps the mark', async () => {
    const db2 = await startDynalite();
    try {
      await createWindowStateTable(db2.client, 'marks');
      const s = new DynamoCloseStore({ client: db2.client, tableName: 'marks' });
      const mark = { tier: 0, windowStartMs: 1_700_000_040_000, shard: 1, expiresAtSec: 9_999_999_999 };
      await s.markCorrections([
        { ...mark, cause: 'a' },
        { ...mark, cause: 'b' },
      ]);
      const seen = await s.readCorrectionMark(0, mark.windowStartMs, 1);
      expect([...(seen ?? [])].sort()).toEqual(['a', 'b']);
      await s.markCorrections([{ ...mark, cause: 'c' }]); // a late write while the close runs
      await s.clearCorrectionMark(0, mark.windowStartMs, 1, seen);
      expect(await s.readCorrectionMark(0, mark.windowStartMs, 1)).toEqual(['c']);
      expect((await s.listCorrectionMarks(0, 10)).length).toBe(1);
      await s.clearCorrectionMark(0, mark.windowStartMs, 1, ['c']);
      expect(await s.readCorrectionMark(0, mark.windowStartMs, 1)).toBeUndefined();
      await s.clearCorrectionMark(0, mark.windowStartMs, 1, ['c']); // gone already: no error
      expect(await s.listCorrectionMarks(0, 10)).toEqual([]);
    } finally {
      await db2.stop();
    }
  });
});
