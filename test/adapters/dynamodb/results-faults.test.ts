import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { DynamoResultsSink } from '#adapters/dynamodb/results-sink.js';
import { DEFAULT_RETRY } from '#adapters/dynamodb/retry.js';
import { createResultsTable } from '#adapters/dynamodb/table.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import type { ResultRecord } from '#app/results.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { type Fault, injectFaults, instantRetry } from './faults.js';

const TABLE = 'results';
const T0 = 1_767_225_600_000;
const MINUTE = 60_000;
const $metadata = {};

let db: Dynalite;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  db = await startDynalite();
  await createResultsTable(db.client, TABLE);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => db.stop());

let tenantCounter = 0;

function records(tenant: string, count: number, over: Partial<ResultRecord> = {}): ResultRecord[] {
  return Array.from({ length: count }, (_, n) => ({
    tenant,
    seriesId: `${n.toString(16).padStart(8, '0')}${'e'.repeat(24)}`,
    metric: 'queue.depth',
    unit: '1',
    metricKind: 'gauge',
    attributes: { queue: `q${n}` },
    resource: {},
    window: '1m',
    windowKind: 'tier',
    startMs: T0 + (n % 3) * MINUTE,
    endMs: T0 + ((n % 3) + 1) * MINUTE,
    version: 1,
    stats: { count: n, sum: n / 3 },
    ...over,
  }));
}

const query = (tenant: string) => ({
  tenant,
  metric: 'queue.depth',
  window: '1m',
  fromMs: T0,
  toMs: T0 + 3 * MINUTE,
});

/** A client with `plan` injected into its `command` calls, and sink and reader on it. */
function faulty(command: string, plan: (call: number) => Fault | undefined) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const log = injectFaults(client, command, (call) => plan(call));
  const retry = instantRetry();
  const sink = new DynamoResultsSink({
    client,
    tableName: TABLE,
    groupOf: () => 0,
    retry: { sleep: retry.sleep, random: retry.random },
    concurrency: 1,
  });
  const reader = new DynamoResultsReader({
    client,
    tableName: TABLE,
    clock: { nowMs: () => T0 },
    retry: { sleep: retry.sleep, random: retry.random },
  });
  return { sink, reader, log, delays: retry.delays };
}

const plainSink = () => new DynamoResultsSink({ client: db.client, tableName: TABLE, groupOf: () => 0 });
const plainReader = () =>
  new DynamoResultsReader({
    client: db.client,
    tableName: TABLE,
    clock: { nowMs: () => T0 },
    consistentRead: true,
  });

const throttle = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata });
const validation = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'refused',
  });

describe('Class: DynamoResultsSink (faults)', () => {
  it.each([
    ['ProvisionedThroughputExceededException', throttle],
    ['ThrottlingException', () => new ThrottlingException({ message: 'throttled', $metadata })],
    [
      'InternalServerError (500)',
      () => new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }),
    ],
    ['ECONNRESET', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s with backoff, then every record is stored', async (_, error) => {
    const tenant = `f${++tenantCounter}`;
    const input = records(tenant, 9);
    const { sink, log, delays } = faulty('PutItemCommand', (call) =>
      call < 3 ? { throw: error() } : undefined,
    );
    await expect(sink.write(input)).resolves.toMatchObject({ written: 9, rejected: 0 });
    expect(log.calls).toHaveLength(3 + 3); // 3 packs (one per window start), the first tried 4 times
    expect(delays).toHaveLength(3);
    expect(await plainReader().read(query(tenant))).toHaveLength(9);
  });

  it('persistent throttling: StoreUnavailableError after the retry budget, with a Retry-After', async () => {
    const tenant = `f${++tenantCounter}`;
    const { sink, log } = faulty('PutItemCommand', () => ({ throw: throttle() }));
    const error = await sink.write(records(tenant, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as Error).cause).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(log.calls).toHaveLength(DEFAULT_RETRY.maxAttempts); // no new put after the failure
  });

  it('does not retry a ValidationException: StoreRequestError, one call', async () => {
    const { sink, log } = faulty('PutItemCommand', () => ({ throw: validation() }));
    const error = await sink.write(records(`f${++tenantCounter}`, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreRequestError);
    expect(log.calls).toHaveLength(1);
  });

  it('re-throws an unknown error as it is', async () => {
    const weird = new Error('something else');
    const { sink } = faulty('PutItemCommand', () => ({ throw: weird }));
    await expect(sink.write(records(`f${++tenantCounter}`, 1))).rejects.toBe(weird);
  });

  it('treats ConditionalCheckFailedException as "a newer version is stored": written, not retried', async () => {
    const ccf = () => new ConditionalCheckFailedException({ message: 'newer', $metadata });
    const { sink, log } = faulty('PutItemCommand', () => ({ throw: ccf() }));
    await expect(sink.write(records(`f${++tenantCounter}`, 3))).resolves.toMatchObject({ written: 3 });
    expect(log.calls).toHaveLength(3);
  });

  it('retries a throttled stale-chunk delete; when throttling lasts, reports it and still succeeds', async () => {
    const tenant = `f${++tenantCounter}`;
    const window = { startMs: T0, endMs: T0 + MINUTE };
    const smallChunks = (client = db.client) =>
      new DynamoResultsSink({
        client,
        tableName: TABLE,
        groupOf: () => 0,
        chunkBytes: 100,
        retry: instantRetry(),
      });
    await smallChunks().write(records(tenant, 40, { ...window, version: 1 }));

    const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
    clients.push(client);
    const log = injectFaults(client, 'DeleteItemCommand', (call) =>
      call < 2 ? { throw: throttle() } : undefined,
    );
    const v2 = records(tenant, 1, { ...window, version: 2 });
    await smallChunks(client).write(v2);
    expect(log.calls.length).toBeGreaterThan(2);
    expect(await plainReader().read(query(tenant))).toEqual(v2);

    await smallChunks().write(records(tenant, 40, { ...window, version: 3 }));
    const stuck = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
    clients.push(stuck);
    injectFaults(stuck, 'DeleteItemCommand', () => ({ throw: throttle() }));
    const warnings: string[] = [];
    const v4 = records(tenant, 1, { ...window, version: 4 });
    const sink = new DynamoResultsSink({
      client: stuck,
      tableName: TABLE,
      groupOf: () => 0,
      chunkBytes: 100,
      retry: instantRetry(),
      concurrency: 1,
      onStaleChunkError: (message, cause) => {
        expect(cause).toBeInstanceOf(StoreUnavailableError);
        warnings.push(message);
      },
    });
    await expect(sink.write(v4)).resolves.toMatchObject({ written: 1 });
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(w).toMatch(
        new RegExp(`^stale results chunk ${tenant}#1m#queue\\.depth / ${T0}#0000#\\d{4} not deleted$`),
      );
    }
    expect(await plainReader().read(query(tenant))).toEqual(v4);
  });
});

describe('Class: DynamoResultsReader (faults)', () => {
  it('retries a throttled or failing Query page, then reads everything', async () => {
    const tenant = `f${++tenantCounter}`;
    const input = records(tenant, 6);
    await plainSink().write(input);
    const { reader, log } = faulty('QueryCommand', (call) =>
      call === 0
        ? { throw: throttle() }
        : call === 1
          ? { throw: new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }) }
          : undefined,
    );
    expect(await reader.read(query(tenant))).toHaveLength(6);
    expect(log.calls).toHaveLength(3);
  });

  it('persistent throttling on reads: StoreUnavailableError', async () => {
    const { reader, log } = faulty('QueryCommand', () => ({ throw: throttle() }));
    await expect(reader.read(query('acme'))).rejects.toThrow(StoreUnavailableError);
    expect(log.calls).toHaveLength(DEFAULT_RETRY.maxAttempts);
  });

  it('a refused Query is a StoreRequestError, not retried', async () => {
    const { reader, log } = faulty('QueryCommand', () => ({ throw: validation() }));
    await expect(reader.read(query('acme'))).rejects.toThrow(StoreRequestError);
    expect(log.calls).toHaveLength(1);
  });

  it('a missing table is a StoreRequestError', async () => {
    const reader = new DynamoResultsReader({ client: db.client, tableName: 'nope', retry: instantRetry() });
    await expect(reader.read(query('acme'))).rejects.toThrow(StoreRequestError);
    const sink = new DynamoResultsSink({ client: db.client, tableName: 'nope', groupOf: () => 0 });
    await expect(sink.write(records('acme', 1))).rejects.toThrow(StoreRequestError);
  });
});
