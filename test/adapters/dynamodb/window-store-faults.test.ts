import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  QueryCommand,
  RequestLimitExceeded,
  ThrottlingException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnwrittenItemsError } from '#adapters/dynamodb/batch-writer.js';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DEFAULT_RETRY } from '#adapters/dynamodb/retry.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import type { PartialWrite } from '#app/ports.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { type Fault, injectFaults, instantRetry } from './faults.js';

const TABLE = 'window-state';
const WINDOW = 1_700_000_040_000;
const TTL = 1_800_000_000;
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

let shardCounter = 0;

/** `count` partials in a shard of their own (so tests do not see each other's items). */
function partials(count: number): PartialWrite[] {
  const shard = ++shardCounter;
  return Array.from({ length: count }, (_, i) => ({
    tier: 0,
    windowStartMs: WINDOW,
    shard,
    partialId: `r${String(i).padStart(3, '0')}`,
    chunk: 0,
    data: new Uint8Array(64).fill(i),
    expiresAtSec: TTL,
  }));
}

/** A store on a fresh client with `plan` injected into its BatchWriteItem calls. */
function faultyStore(
  plan: (call: number, requests: readonly WriteRequest[]) => Fault | undefined,
  concurrency = 4,
  random?: number[],
) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const log = injectFaults(client, 'BatchWriteItemCommand', (call, input) => {
    const items = (input as { RequestItems?: Record<string, WriteRequest[]> }).RequestItems ?? {};
    return plan(call, Object.values(items).flat());
  });
  const retry = instantRetry(random);
  const store = new DynamoWindowStore({
    client,
    tableName: TABLE,
    retry: { sleep: retry.sleep, random: retry.random },
    concurrency,
  });
  return { store, log, delays: retry.delays };
}

async function storedSks(shard: number): Promise<string[]> {
  const out = await db.client.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `P#0#${WINDOW}#${String(shard).padStart(4, '0')}` } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => item.SK?.S ?? '');
}

function skOf(request: WriteRequest): string {
  return request.PutRequest?.Item?.SK?.S ?? '';
}

const throttle = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata });

describe('Class: DynamoWindowStore (faults)', () => {
  describe('Method: writePartials', () => {
    it('re-sends UnprocessedItems until every item is written', async () => {
      const input = partials(60);
      // The first 3 calls leave every other item unprocessed.
      const { store, log, delays } = faultyStore((call) =>
        call < 3 ? { hold: (r) => Number(skOf(r).slice(1, 4)) % 2 === 1 } : undefined,
      );
      const report = await store.writePartials(input);
      expect(report.items).toBe(60);
      expect(await storedSks(input[0]?.shard ?? -1)).toHaveLength(60);
      expect(log.calls.length).toBe(6); // 3 batches + 3 re-sends of their held-back halves
      expect(
        log.calls
          .slice(3)
          .map((c) => c.requests)
          .sort(),
      ).toEqual([12, 13, 5]); // odd ids among r000–r024, r025–r049, r050–r059
      expect(delays).toHaveLength(3);
    });

    it.each([
      ['ProvisionedThroughputExceededException', throttle],
      ['ThrottlingException', () => new ThrottlingException({ message: 'throttled', $metadata })],
      ['RequestLimitExceeded', () => new RequestLimitExceeded({ message: 'account limit', $metadata })],
      [
        'InternalServerError (500)',
        () => new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }),
      ],
      [
        'an unmodeled 503',
        () =>
          new DynamoDBServiceException({
            name: 'ServiceUnavailable',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
            message: 'unavailable',
          }),
      ],
      ['ECONNRESET', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      ['TimeoutError', () => Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ])('retries %s with backoff until every item is written', async (_, error) => {
      const input = partials(30);
      const { store, log, delays } = faultyStore((call) => (call < 4 ? { throw: error() } : undefined), 1);
      await expect(store.writePartials(input)).resolves.toMatchObject({ items: 30 });
      expect(await storedSks(input[0]?.shard ?? -1)).toHaveLength(30);
      expect(log.calls.map((c) => c.requests)).toEqual([25, 25, 25, 25, 25, 5]);
      expect(delays).toHaveLength(4);
    });

    it('backs off with full jitter under a capped exponential', async () => {
      const random = [0.999, 0.5, 0.25, 0.999, 0, 0.999, 0.75];
      const { store, delays } = faultyStore(() => ({ throw: throttle() }), 1, random);
      await expect(store.writePartials(partials(3))).rejects.toThrow(StoreUnavailableError);
      // 8 attempts → 7 delays, each floor(random · min(1000, 25 · 2^retry)).
      const ceilings = [25, 50, 100, 200, 400, 800, 1000];
      expect(delays).toEqual(ceilings.map((c, i) => Math.floor((random[i] ?? 0) * c)));
      expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(2600);
    });

    it('spreads delays with the default random (no two clients retry in step)', async () => {
      const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
      clients.push(client);
      injectFaults(client, 'BatchWriteItemCommand', () => ({ throw: throttle() }));
      const delays: number[] = [];
      const store = new DynamoWindowStore({
        client,
        tableName: TABLE,
        retry: { maxAttempts: 40, sleep: async (ms) => void delays.push(ms) },
      });
      await expect(store.writePartials(partials(1))).rejects.toThrow(StoreUnavailableError);
      expect(delays).toHaveLength(39);
      for (const [i, d] of delays.entries()) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** i));
      }
      expect(new Set(delays.slice(6)).size).toBeGreaterThan(10); // jittered, not a fixed schedule
    });

    it('gives up on items that stay unprocessed, naming how many, and reports nothing else as lost', async () => {
      const input = partials(60);
      const stuck = new Set(['r030#0000', 'r031#0000', 'r040#0000', 'r041#0000', 'r049#0000']);
      const { store, log } = faultyStore(() => ({ hold: (r) => stuck.has(skOf(r)) }));
      const error = await store.writePartials(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnwrittenItemsError);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      const unwritten = error as UnwrittenItemsError;
      expect(unwritten.unwritten).toBe(5);
      expect(unwritten.written).toBe(55);
      expect(unwritten.retryAfterSeconds).toBeGreaterThan(0);
      expect(unwritten.message).toMatch(/5 of 60 item\(s\) not written/);
      const stored = await storedSks(input[0]?.shard ?? -1);
      expect(stored).toHaveLength(55);
      expect(stored.filter((sk) => stuck.has(sk))).toEqual([]);
      // The stuck batch was tried 8 times, never more.
      expect(log.calls.filter((c) => c.requests === 5)).toHaveLength(7);
    });

    it('persistent throttling: every item counted as unwritten, no new batch started after the failure', async () => {
      const input = partials(60);
      const { store, log } = faultyStore(() => ({ throw: throttle() }), 1);
      const error = (await store.writePartials(input).catch((e: unknown) => e)) as UnwrittenItemsError;
      expect(error).toBeInstanceOf(UnwrittenItemsError);
      expect([error.written, error.unwritten]).toEqual([0, 60]);
      expect(error.cause).toBeInstanceOf(ProvisionedThroughputExceededException);
      expect(log.calls).toHaveLength(DEFAULT_RETRY.maxAttempts);
      expect(await storedSks(input[0]?.shard ?? -1)).toEqual([]);
    });

    it('with batches in flight, those that succeed count as written, the failed one does not', async () => {
      const input = partials(100); // 4 batches, all in flight
      const firstBatch = new Set(input.slice(0, 25).map((p) => `${p.partialId}#0000`));
      const { store, log } = faultyStore((_, requests) =>
        requests.some((r) => firstBatch.has(skOf(r))) ? { throw: throttle() } : undefined,
      );
      const error = (await store.writePartials(input).catch((e: unknown) => e)) as UnwrittenItemsError;
      expect(error).toBeInstanceOf(UnwrittenItemsError);
      expect([error.written, error.unwritten]).toEqual([75, 25]);
      expect(await storedSks(input[0]?.shard ?? -1)).toHaveLength(75);
      expect(log.calls).toHaveLength(3 + DEFAULT_RETRY.maxAttempts);
    });

    it('a refused batch stops the retries of the batches in flight', async () => {
      const input = partials(50); // 2 batches
      const validation = new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'refused',
      });
      const firstBatch = new Set(input.slice(0, 25).map((p) => `${p.partialId}#0000`));
      const { store, log } = faultyStore((_, requests) => ({
        throw: requests.some((r) => firstBatch.has(skOf(r))) ? validation : throttle(),
      }));
      const error = await store.writePartials(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect((error as Error).message).toMatch(/50 of 50 item\(s\) not written/);
      expect(log.calls).toHaveLength(2); // the throttled batch did not go on retrying
    });

    it('does not retry a ValidationException: StoreRequestError, one call', async () => {
      const validation = new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Item size has exceeded the maximum allowed size',
      });
      const { store, log } = faultyStore(() => ({ throw: validation }), 1);
      const error = await store.writePartials(partials(3)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect((error as Error).cause).toBe(validation);
      expect(log.calls).toHaveLength(1);
    });

    it('re-throws an unknown error as it is, without retrying', async () => {
      const weird = new Error('something else');
      const { store, log } = faultyStore(() => ({ throw: weird }), 1);
      await expect(store.writePartials(partials(3))).rejects.toBe(weird);
      expect(log.calls).toHaveLength(1);
    });
  });

  describe('Method: readPartials', () => {
    it('retries a throttled Query page, then reads everything', async () => {
      const input = partials(5);
      await new DynamoWindowStore({ client: db.client, tableName: TABLE }).writePartials(input);
      const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
      clients.push(client);
      const log = injectFaults(client, 'QueryCommand', (call) =>
        call < 2 ? { throw: throttle() } : undefined,
      );
      const store = new DynamoWindowStore({ client, tableName: TABLE, retry: instantRetry() });
      const read: string[] = [];
      for await (const page of store.readPartials(0, WINDOW, input[0]?.shard ?? -1))
        read.push(...page.map((p) => p.sk));
      expect(read).toHaveLength(5);
      expect(log.calls).toHaveLength(3);
    });

    it('persistent throttling on reads: StoreUnavailableError', async () => {
      const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
      clients.push(client);
      injectFaults(client, 'QueryCommand', () => ({ throw: throttle() }));
      const store = new DynamoWindowStore({ client, tableName: TABLE, retry: instantRetry() });
      const read = async () => {
        for await (const _ of store.readPartials(0, WINDOW, 0)) {
          // drain
        }
      };
      await expect(read()).rejects.toThrow(StoreUnavailableError);
    });
  });
});
