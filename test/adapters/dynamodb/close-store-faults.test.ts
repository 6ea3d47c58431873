import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  QueryCommand,
  ThrottlingException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnwrittenItemsError } from '#adapters/dynamodb/batch-writer.js';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { partialPk } from '#adapters/dynamodb/keys.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import type { ClosedStateWrite } from '#app/close-ports.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { type Fault, injectFaults, instantRetry } from './faults.js';

const TABLE = 'window-state';
const WINDOW = 1_700_000_040_000;
const NOW_MS = WINDOW + 90_000;
const TTL = Math.floor(NOW_MS / 1000) + 3600;
const VERSION = 1_700_000_100_000;
const $metadata = {};

let db: Dynalite;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => db.stop());

let shardCounter = 100;
const nextShard = () => ++shardCounter;

const throttle = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata });

/** A store on a fresh client with `plan` injected into one command's calls. */
function faulty(
  command: string,
  plan: (call: number, input: unknown) => Fault | undefined,
  options: { maxAttempts?: number; tableName?: string } = {},
) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const log = injectFaults(client, command, plan);
  const retry = instantRetry();
  const store = new DynamoCloseStore({
    client,
    tableName: options.tableName ?? TABLE,
    clock: { nowMs: () => NOW_MS },
    retry: { sleep: retry.sleep, random: retry.random, maxAttempts: options.maxAttempts ?? 8 },
  });
  return { store, log, delays: retry.delays };
}

const healthy = () =>
  new DynamoCloseStore({ client: db.client, tableName: TABLE, clock: { nowMs: () => NOW_MS } });

function closedWrite(shard: number, version: number, fill: number): ClosedStateWrite {
  return {
    tier: 0,
    windowStartMs: WINDOW,
    shard,
    version,
    chunks: [new Uint8Array(10).fill(fill), new Uint8Array(10).fill(fill)],
    parentChunks: 1,
    expiresAtSec: TTL,
  };
}

describe('Class: DynamoCloseStore (faults)', () => {
  it('retries a throttled read, then gives up with StoreUnavailableError after the budget', async () => {
    const shard = nextShard();
    await healthy().writeClosedState(closedWrite(shard, VERSION, 1));

    const recovers = faulty('QueryCommand', (call) => (call < 3 ? { throw: throttle() } : undefined));
    expect((await recovers.store.readClosedState(0, WINDOW, shard))?.version).toBe(VERSION);
    expect(recovers.delays).toHaveLength(3);

    const never = faulty('QueryCommand', () => ({ throw: throttle() }), { maxAttempts: 5 });
    for (const call of [
      () => never.store.readClosedState(0, WINDOW, shard),
      () => never.store.readCheckpoints(0),
      () => never.store.listCorrectionMarks(0, 10),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).retryAfterSeconds).toBe(1);
    }
    expect(never.log.calls).toHaveLength(15);
    expect(never.delays).toHaveLength(12);
  });

  it('a closed-state write that runs out of budget leaves the version in force readable', async () => {
    const shard = nextShard();
    await healthy().writeClosedState(closedWrite(shard, VERSION, 1));
    // The first chunk lands, the second is held back until the budget runs out.
    const { store } = faulty(
      'BatchWriteItemCommand',
      () => ({ hold: (r: WriteRequest) => r.PutRequest?.Item?.SK?.S?.endsWith('#0001') === true }),
      { maxAttempts: 3 },
    );
    await expect(store.writeClosedState(closedWrite(shard, VERSION + 1, 2))).rejects.toThrow(
      UnwrittenItemsError,
    );
    const read = await healthy().readClosedState(0, WINDOW, shard);
    expect(read?.version).toBe(VERSION);
    expect(read?.chunks[0]?.[0]).toBe(1);
  });

  it('re-sends unprocessed partial deletes until they are gone; gives up with UnwrittenItemsError', async () => {
    const shard = nextShard();
    const partials = Array.from({ length: 30 }, (_, chunk) => ({
      tier: 0,
      windowStartMs: WINDOW,
      shard,
      partialId: 'p',
      chunk,
      data: new Uint8Array([chunk]),
      expiresAtSec: TTL,
    }));
    await healthy().writePartials(partials);
    const odd = (r: WriteRequest) => Number(r.DeleteRequest?.Key?.SK?.S?.slice(-1)) % 2 === 1;
    const { store, log } = faulty('BatchWriteItemCommand', (call) => (call < 2 ? { hold: odd } : undefined));
    await store.deletePartials(partials.slice(0, 28));
    expect(log.calls.map((c) => c.requests)).toEqual([25, 3, 12, 2]);
    const left = await db.client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: partialPk(0, WINDOW, shard) } },
        ConsistentRead: true,
      }),
    );
    expect((left.Items ?? []).map((i) => i.SK?.S)).toEqual(['p#0028', 'p#0029']);

    const stuck = faulty('BatchWriteItemCommand', () => ({ hold: () => true }), { maxAttempts: 2 });
    const error = await stuck.store.deletePartials(partials.slice(28)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnwrittenItemsError);
    expect((error as UnwrittenItemsError).unwritten).toBe(2);
  });

  it('checkpoint writes retry 5xx and throttling; a refused request is StoreRequestError', async () => {
    const shard = nextShard();
    const init = faulty('PutItemCommand', (call) =>
      call === 0 ? { throw: new InternalServerError({ message: 'oops', $metadata }) } : undefined,
    );
    expect(await init.store.initCheckpoint({ tier: 0, shard, closedThroughMs: 0 })).toEqual({
      tier: 0,
      shard,
      closedThroughMs: 0,
    });
    const advance = faulty('UpdateItemCommand', (call) =>
      call < 2 ? { throw: new ThrottlingException({ message: 'slow', $metadata }) } : undefined,
    );
    expect(await advance.store.advanceCheckpoint(0, shard, 0, 60_000)).toBe(true);
    expect(advance.log.calls).toHaveLength(3);

    const missing = faulty('UpdateItemCommand', () => undefined, { tableName: 'no-such-table' });
    await expect(missing.store.advanceCheckpoint(0, shard, 0, 60_000)).rejects.toThrow(StoreRequestError);
    await expect(missing.store.clearCorrectionMark(0, WINDOW, shard)).rejects.toThrow(StoreRequestError);
    expect(missing.log.calls).toHaveLength(1);
  });

  it('an advance whose first response was lost reads as not moved by this call (false), the move stands', async () => {
    const shard = nextShard();
    await healthy().initCheckpoint({ tier: 0, shard, closedThroughMs: 0 });
    // The first attempt reaches DynamoDB, then the connection drops before the answer.
    const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
    clients.push(client);
    let calls = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UpdateItemCommand' || calls++ > 0) return next(args);
        await next(args);
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      { step: 'initialize', name: 'loseResponse' },
    );
    const retry = instantRetry();
    const store = new DynamoCloseStore({ client, tableName: TABLE, retry });
    expect(await store.advanceCheckpoint(0, shard, 0, 60_000)).toBe(false);
    expect((await healthy().readCheckpoints(0)).get(shard)?.closedThroughMs).toBe(60_000);
  });
});
