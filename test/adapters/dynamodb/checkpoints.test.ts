/**
 * Checkpoints (`K#<tier>` / `<shard>`) on dynalite: created once whoever races, moved only from the
 * value a mover read, read back by shard.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoints } from '#adapters/dynamodb/checkpoints.js';
import { resolveRetry } from '#adapters/dynamodb/retry.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { StateCodecError } from '#core/errors.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { instantRetry } from './faults.js';

const TABLE = 'checkpoints-test';
let db: Dynalite;
let checkpoints: Checkpoints;

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
  checkpoints = new Checkpoints({ client: db.client, tableName: TABLE, retry: resolveRetry(instantRetry()) });
});
afterAll(() => db?.stop());

describe('Checkpoints', () => {
  it('creates a checkpoint once: concurrent inits all get the first one stored', async () => {
    const inits = await Promise.all(
      [1000, 2000, 3000, 4000].map((closedThroughMs) =>
        checkpoints.init({ tier: 0, shard: 7, closedThroughMs }),
      ),
    );
    const stored = (await checkpoints.read(0)).get(7);
    expect(stored).toBeDefined();
    for (const c of inits) expect(c).toEqual(stored);
  });

  it('moves only from the value the mover read', async () => {
    await checkpoints.init({ tier: 1, shard: 0, closedThroughMs: 60_000 });
    expect(await checkpoints.advance(1, 0, 60_000, 120_000)).toBe(true);
    // A second mover that read the old value loses, and the stored value stays.
    expect(await checkpoints.advance(1, 0, 60_000, 120_000)).toBe(false);
    expect(await checkpoints.advance(1, 0, 0, 999_999)).toBe(false);
    expect((await checkpoints.read(1)).get(0)?.closedThroughMs).toBe(120_000);
    // A shard without a checkpoint is never created by a move.
    expect(await checkpoints.advance(1, 5, 0, 60_000)).toBe(false);
    expect((await checkpoints.read(1)).has(5)).toBe(false);
  });

  it('reads every shard of a tier and nothing of another', async () => {
    for (const shard of [0, 3, 12]) await checkpoints.init({ tier: 4, shard, closedThroughMs: shard * 10 });
    await checkpoints.init({ tier: 5, shard: 1, closedThroughMs: 1 });
    const read = await checkpoints.read(4);
    expect([...read.entries()].sort(([a], [b]) => a - b)).toEqual([
      [0, { tier: 4, shard: 0, closedThroughMs: 0 }],
      [3, { tier: 4, shard: 3, closedThroughMs: 30 }],
      [12, { tier: 4, shard: 12, closedThroughMs: 120 }],
    ]);
  });

  it('refuses a malformed item instead of guessing', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { PK: { S: 'K#9' }, SK: { S: '0001' }, closedThroughMs: { S: 'x' } },
      }),
    );
    await expect(checkpoints.read(9)).rejects.toBeInstanceOf(StateCodecError);
  });
});
