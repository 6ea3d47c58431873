/** The authorizer's composition: keys in the state table, decisions cached as asked. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '#adapters/dynamodb/api-keys.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { keyIdOf } from '#app/auth/api-keys.js';
import { createApiKey } from '#app/auth/manage-keys.js';
import { composeAuthorizer, readAuthorizerEnvironment } from '#compose/authorizer/compose.js';
import { ConfigError } from '#core/errors.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { ManualClock } from '../../support/memory-ports.js';

describe('Function: readAuthorizerEnvironment', () => {
  it('reads the state table only', () => {
    expect(readAuthorizerEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{' })).toEqual({
      tableName: 's',
    });
    expect(() => readAuthorizerEnvironment({})).toThrow(ConfigError);
  });
});

describe('Function: composeAuthorizer', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
    await createWindowStateTable(db.client, 'keys');
  });
  afterAll(() => db?.stop());

  it('decides from the keys in the state table, caching for the minute by default and not at all with 0', async () => {
    const clock = new ManualClock(1_000);
    const store = new DynamoApiKeyStore({ client: db.client, tableName: 'keys' });
    const { key, record } = await createApiKey(store, 'acme', 'test', clock.nowMs());
    const cached = composeAuthorizer({ tableName: 'keys' }, { dynamo: db.client }, { clock });
    const uncached = composeAuthorizer({ tableName: 'keys' }, { dynamo: db.client }, { clock, cacheMs: 0 });
    for (const authorizer of [cached, uncached]) {
      expect(await authorizer.authorize(`Bearer ${key}`)).toEqual({ ok: true, tenant: 'acme' });
    }
    await store.revoke('acme', keyIdOf(record.keyHash), clock.nowMs());
    expect(await cached.authorize(`Bearer ${key}`)).toEqual({ ok: true, tenant: 'acme' });
    expect(await uncached.authorize(`Bearer ${key}`)).toMatchObject({ ok: false, status: 403 });
    clock.now += 60_001;
    expect(await cached.authorize(`Bearer ${key}`)).toMatchObject({ ok: false, status: 403 });
  });
});
