import {
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  PutItemCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { seriesKeyOf } from '#adapters/dynamodb/keys.js';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { DynamoSeriesLookup } from '#adapters/dynamodb/series-lookup.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import type { SeriesMeta } from '#app/ports.js';
import { StateCodecError } from '#core/errors.js';
import { MetricKind } from '#core/point.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { instantRetry } from './faults.js';

const TABLE = 'window-state';
const KINDS = Object.values(MetricKind);

let db: Dynalite;
const clients: DynamoDBClient[] = [];
const written: SeriesMeta[] = [];

function meta(i: number): SeriesMeta {
  return {
    tenant: i % 3 === 0 ? 'acme' : 'globex.prod',
    seriesId: (i + 1).toString(16).padStart(32, '0'),
    metric: {
      name: `metric.${i % 7}`,
      unit: i % 2 === 0 ? 'ms' : '',
      description: i % 5 === 0 ? 'Zeit in µs — "quoted"' : '',
      kind: KINDS[i % KINDS.length] ?? 'gauge',
      temporality: i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 2,
      monotonic: i % 2 === 1,
    },
    resource: { 'service.name': `svc-${i % 4}`, 'host.id': '9223372036854775807', pid: i },
    scope: { name: 'io.opentelemetry.http', version: i % 2 === 0 ? '1.2.0' : '' },
    attributes: {
      'http.route': `/r/${i}`,
      big: '-9007199254740993',
      ratio: i / 7,
      ok: i % 2 === 0,
      none: null,
      tags: ['a', String(i), [1, { deep: true }]],
      kv: { nested: { list: [{ k: 'v' }, 3.5e-7], empty: {} }, n: -0.5 },
    },
  };
}

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
  written.push(...Array.from({ length: 250 }, (_, i) => meta(i)));
  const catalog = new DynamoSeriesCatalog({ client: db.client, tableName: TABLE, retry: instantRetry() });
  expect((await catalog.ensure(written)).length).toBe(250);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => db.stop());

const ids = (metas: readonly SeriesMeta[]) => metas.map(({ tenant, seriesId }) => ({ tenant, seriesId }));

/**
 * A lookup on its own client. `hold(call, key)` keeps a key out of that BatchGetItem call and
 * reports it as `UnprocessedKeys`; `fail(call)` throws instead.
 */
function lookupWith(
  options: {
    hold?: (call: number, pk: string) => boolean;
    fail?: (call: number) => unknown;
    cacheSize?: number;
    maxAttempts?: number;
    tableName?: string;
  } = {},
) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const calls: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      const call = calls.length;
      const input = args.input as BatchGetItemCommandInput;
      const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      const keys = request?.Keys ?? [];
      calls.push(keys.length);
      const failure = options.fail?.(call);
      if (failure !== undefined) throw failure;
      if (table === undefined || request === undefined || options.hold === undefined) return next(args);
      const held = keys.filter((k) => options.hold?.(call, k.PK?.S ?? '') === true);
      const sent = keys.filter((k) => options.hold?.(call, k.PK?.S ?? '') !== true);
      const result =
        sent.length > 0
          ? await next({ ...args, input: { RequestItems: { [table]: { ...request, Keys: sent } } } })
          : { output: { $metadata: {}, Responses: { [table]: [] } }, response: {} };
      const output: BatchGetItemCommandOutput = {
        ...(result.output as BatchGetItemCommandOutput),
        UnprocessedKeys: held.length > 0 ? { [table]: { ...request, Keys: held } } : {},
      };
      return { ...result, output };
    },
    { step: 'initialize', name: 'testBatchGetFaults' },
  );
  const retry = instantRetry();
  const lookup = new DynamoSeriesLookup({
    client,
    tableName: options.tableName ?? TABLE,
    retry: { sleep: retry.sleep, random: retry.random, maxAttempts: options.maxAttempts ?? 8 },
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  });
  return { lookup, calls, delays: retry.delays };
}

describe('Class: DynamoSeriesLookup', () => {
  describe('Method: lookup', () => {
    it('gives back 250 series exactly as the catalog wrote them, 100 keys a call, missing ones absent', async () => {
      const { lookup, calls } = lookupWith();
      const missing = { tenant: 'acme', seriesId: 'f'.repeat(32) };
      const found = await lookup.lookup([...ids(written), ...ids(written.slice(0, 30)), missing]);
      expect(found.size).toBe(250);
      for (const m of written) expect(found.get(m.seriesId)).toStrictEqual(m);
      expect(found.has(missing.seriesId)).toBe(false);
      expect(calls).toEqual([100, 100, 51]); // duplicates collapsed, the missing key asked once
      expect(await lookup.lookup([])).toEqual(new Map());
    });

    it('answers known series from its cache, least recently used dropped first', async () => {
      const { lookup, calls } = lookupWith({ cacheSize: 3 });
      const [a, b, c, d] = written;
      if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('setup');
      await lookup.lookup(ids([a, b, c]));
      expect(calls).toEqual([3]);
      await lookup.lookup(ids([a])); // a is now the most recent
      await lookup.lookup(ids([d])); // evicts b
      expect(calls).toEqual([3, 1]);
      const again = await lookup.lookup(ids([a, b, c, d]));
      expect(calls).toEqual([3, 1, 1]); // only b
      expect(again.get(b.seriesId)).toStrictEqual(b);
    });

    it('re-asks for UnprocessedKeys with backoff until every key is answered', async () => {
      const { lookup, calls, delays } = lookupWith({
        hold: (call, pk) => call < 3 && Number.parseInt(pk.slice(-4), 16) % 2 === 0,
      });
      const found = await lookup.lookup(ids(written.slice(0, 120)));
      expect(found.size).toBe(120);
      for (const m of written.slice(0, 120)) expect(found.get(m.seriesId)).toStrictEqual(m);
      expect(calls.slice(0, 2).sort()).toEqual([100, 20]);
      expect(calls.length).toBe(5); // 2 batches, 3 held back halves re-sent (the 3rd call holds again)
      expect(delays.length).toBe(3);
    });

    it('gives up with StoreUnavailableError when keys stay unprocessed past the budget', async () => {
      const { lookup, calls } = lookupWith({ hold: () => true, maxAttempts: 4 });
      await expect(lookup.lookup(ids(written.slice(0, 3)))).rejects.toThrow(StoreUnavailableError);
      expect(calls).toEqual([3, 3, 3, 3]);
    });

    it('retries throttling, then StoreUnavailableError after the budget', async () => {
      const throttle = () => new ThrottlingException({ message: 'slow down', $metadata: {} });
      const recovers = lookupWith({ fail: (call) => (call < 2 ? throttle() : undefined) });
      expect((await recovers.lookup.lookup(ids(written.slice(0, 5)))).size).toBe(5);
      expect(recovers.delays).toHaveLength(2);

      const never = lookupWith({ fail: () => throttle(), maxAttempts: 3 });
      const error = await never.lookup.lookup(ids(written.slice(0, 5))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).cause).toBeInstanceOf(ThrottlingException);
      expect(never.calls).toHaveLength(3);
    });

    it('refused requests are StoreRequestError, never retried', async () => {
      const { lookup, calls } = lookupWith({ tableName: 'no-such-table' });
      await expect(lookup.lookup(ids(written.slice(0, 2)))).rejects.toThrow(StoreRequestError);
      expect(calls).toHaveLength(1);
      await expect(lookupWith().lookup.lookup([{ tenant: 'a#b', seriesId: '0'.repeat(32) }])).rejects.toThrow(
        StoreRequestError,
      );
    });

    it('a catalog item it cannot parse is StateCodecError', async () => {
      const seriesId = 'e'.repeat(32);
      const key = seriesKeyOf('acme', seriesId);
      await db.client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: {
            PK: { S: key.pk },
            SK: { S: key.sk },
            tenant: { S: 'acme' },
            seriesId: { S: seriesId },
            name: { S: 'm' },
            kind: { S: 'gauge' },
            unit: { S: '' },
            description: { S: '' },
            temporality: { N: '0' },
            monotonic: { BOOL: false },
            resource: { S: '{not json' },
            scope: { S: '{"name":"s","version":""}' },
            attributes: { S: '{}' },
          },
        }),
      );
      await expect(lookupWith().lookup.lookup([{ tenant: 'acme', seriesId }])).rejects.toThrow(
        StateCodecError,
      );
    });
  });
});
