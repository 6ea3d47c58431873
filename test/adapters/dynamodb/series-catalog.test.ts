import { GetItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { seriesKeyOf } from '#adapters/dynamodb/keys.js';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import type { SeriesMeta } from '#app/ports.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { injectFaults, instantRetry } from './faults.js';

const TABLE = 'window-state';
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

let idCounter = 0;
function series(tenant = 'acme', over: Partial<SeriesMeta> = {}): SeriesMeta {
  const seriesId = (++idCounter).toString(16).padStart(32, '0');
  return {
    tenant,
    seriesId,
    metric: {
      name: 'http.server.duration',
      unit: 'ms',
      description: '',
      kind: 'histogram',
      temporality: 1,
      monotonic: false,
    },
    resource: { 'service.name': 'checkout', 'big.int': '9007199254740993' },
    scope: { name: 'io.opentelemetry.http', version: '1.2.0' },
    attributes: { 'http.route': '/pay', code: 200, tags: ['a', 'b'] },
    ...over,
  };
}

/** A catalog on its own client, counting PutItem calls; `clock` moves on every call to nowMs. */
function catalog(options: { cacheSize?: number; throttleFirst?: number; startMs?: number } = {}) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  clients.push(client);
  const log = injectFaults(client, 'PutItemCommand', (call) =>
    call < (options.throttleFirst ?? 0)
      ? { throw: new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }) }
      : undefined,
  );
  let now = options.startMs ?? 1_700_000_000_000;
  const retry = instantRetry();
  const c = new DynamoSeriesCatalog({
    client,
    tableName: TABLE,
    clock: { nowMs: () => now++ },
    retry,
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  });
  return { catalog: c, log, delays: retry.delays };
}

async function stored(meta: SeriesMeta) {
  const key = seriesKeyOf(meta.tenant, meta.seriesId);
  const out = await db.client.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { PK: { S: key.pk }, SK: { S: key.sk } },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

describe('Class: DynamoSeriesCatalog', () => {
  describe('Method: ensure', () => {
    it('writes each new series once with its readable identity', async () => {
      const { catalog: c, log } = catalog();
      const a = series();
      const b = series('globex');
      expect((await c.ensure([a, b, a])).length).toBe(2);
      expect(log.calls).toHaveLength(2);
      const item = await stored(a);
      expect(item).toEqual({
        PK: { S: `S#acme#${a.seriesId}` },
        SK: { S: 'meta' },
        tenant: { S: 'acme' },
        seriesId: { S: a.seriesId },
        name: { S: 'http.server.duration' },
        kind: { S: 'histogram' },
        unit: { S: 'ms' },
        description: { S: '' },
        temporality: { N: '1' },
        monotonic: { BOOL: false },
        resource: { S: JSON.stringify(a.resource) },
        scope: { S: JSON.stringify(a.scope) },
        attributes: { S: JSON.stringify(a.attributes) },
        firstSeenMs: { N: expect.stringMatching(/^17000000000\d\d$/) },
      });
      expect(JSON.parse(item?.attributes?.S ?? 'null')).toEqual(a.attributes);
      expect(await stored(b)).toBeDefined();
    });

    it('costs nothing for series it knows (warm cache)', async () => {
      const { catalog: c, log } = catalog();
      const known = [series(), series()];
      expect((await c.ensure(known)).length).toBe(2);
      expect((await c.ensure(known)).length).toBe(0);
      expect((await c.ensure([])).length).toBe(0);
      expect(log.calls).toHaveLength(2);
    });

    it('a cold catalog does not rewrite an existing series: firstSeenMs is kept', async () => {
      const meta = series();
      expect((await catalog({ startMs: 1_000 }).catalog.ensure([meta])).length).toBe(1);
      const before = await stored(meta);
      const { catalog: cold, log } = catalog({ startMs: 9_000 });
      expect((await cold.ensure([meta])).length).toBe(0);
      expect(log.calls).toHaveLength(1); // one conditional put, refused
      expect(await stored(meta)).toEqual(before);
      expect(before?.firstSeenMs).toEqual({ N: '1000' });
      expect((await cold.ensure([meta])).length).toBe(0);
      expect(log.calls).toHaveLength(1); // now cached
    });

    it('clears a full cache wholesale and stays correct', async () => {
      const { catalog: c, log } = catalog({ cacheSize: 2 });
      const three = [series(), series(), series()];
      expect((await c.ensure(three)).length).toBe(3);
      expect((await c.ensure(three)).length).toBe(0); // some were forgotten: puts again, none written
      expect(log.calls.length).toBeGreaterThan(3);
    });

    it('retries throttled puts with backoff', async () => {
      const { catalog: c, log, delays } = catalog({ throttleFirst: 3 });
      const meta = series();
      expect((await c.ensure([meta])).length).toBe(1);
      expect(log.calls).toHaveLength(4);
      expect(delays).toHaveLength(3);
      expect(await stored(meta)).toBeDefined();
    });

    it('throws StoreUnavailableError when throttling outlasts the budget, and caches nothing unwritten', async () => {
      const { catalog: c } = catalog({ throttleFirst: 1_000 });
      const meta = series();
      await expect(c.ensure([meta])).rejects.toThrow(StoreUnavailableError);
      expect(await stored(meta)).toBeUndefined();
    });

    it('refuses a tenant that cannot be a key', async () => {
      await expect(catalog().catalog.ensure([series('a#b')])).rejects.toThrow(StoreRequestError);
    });
  });
});
