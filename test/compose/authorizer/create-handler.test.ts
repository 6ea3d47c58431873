/**
 * The authorizer: its decision (401 without a key, 403 unknown/revoked/malformed, tenant otherwise,
 * cached per key hash for its TTL) against the DynamoDB key store on dynalite, and the Lambda
 * handler's simple responses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '#adapters/dynamodb/api-keys.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { bearerKey, generateApiKey, hashApiKey } from '#app/auth/api-keys.js';
import { createAuthorizer } from '#app/auth/authorize.js';
import { createApiKey } from '#app/auth/manage-keys.js';
import { createAuthorizerHandler } from '#compose/authorizer/create-handler.js';
import { lambdaContext } from '../../support/apigw.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { scanAll } from '../../support/local-store.js';

let db: Dynalite;
let store: DynamoApiKeyStore;
beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, 'keys');
  store = new DynamoApiKeyStore({ client: db.client, tableName: 'keys' });
});
afterAll(() => db?.stop());

describe('API keys', () => {
  it('are 256-bit Bearer tokens stored only as their SHA-256', async () => {
    const { key, record } = await createApiKey(store, 'acme', 'ci', 1_000);
    expect(key).toMatch(/^wr_[A-Za-z0-9_-]{43}$/);
    expect(record.keyHash).toBe(hashApiKey(key));
    const dump = JSON.stringify(await scanAll(db.client, 'keys'));
    expect(dump).not.toContain(key);
    expect(dump).toContain(record.keyHash);
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    expect(bearerKey(`bearer   ${key}  `)).toBe(key);
    for (const bad of [key, `Basic ${key}`, `Bearer ${key}x`, `Bearer ${key} extra`, 'Bearer', '']) {
      expect(bearerKey(bad), bad).toBeUndefined();
    }
    expect(generateApiKey()).not.toBe(generateApiKey());
  });

  it('authorize: 401 without a key, 403 malformed/unknown/revoked, the tenant otherwise; cached for the TTL', async () => {
    const { key, record } = await createApiKey(store, 'beta', '', 1_000);
    const clock = {
      now: 0,
      nowMs() {
        return this.now;
      },
    };
    const authorizer = createAuthorizer(store, clock, 60_000);
    expect(await authorizer.authorize(undefined)).toMatchObject({ ok: false, status: 401 });
    expect(await authorizer.authorize('  ')).toMatchObject({ ok: false, status: 401 });
    expect(await authorizer.authorize('Bearer nope')).toMatchObject({ ok: false, status: 403 });
    expect(await authorizer.authorize(`Bearer ${generateApiKey()}`)).toMatchObject({
      ok: false,
      status: 403,
      reason: 'unknown API key',
    });
    expect(await authorizer.authorize(`Bearer ${key}`)).toEqual({ ok: true, tenant: 'beta' });
    expect(await store.revoke('beta', record.keyId, 2_000)).toBe(true);
    expect(await store.revoke('acme', record.keyId, 2_000)).toBe(false); // another tenant's key id
    // Still cached within the TTL, refused after it.
    expect(await authorizer.authorize(`Bearer ${key}`)).toEqual({ ok: true, tenant: 'beta' });
    clock.now = 60_001;
    expect(await authorizer.authorize(`Bearer ${key}`)).toMatchObject({
      ok: false,
      status: 403,
      reason: 'revoked API key',
    });
    expect((await store.list('beta'))[0]?.revokedMs).toBe(2_000);
  });

  it('the Lambda authorizer answers simple responses with the tenant in the context', async () => {
    const { key } = await createApiKey(store, 'gamma', '', 1_000);
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const handler = createAuthorizerHandler({ authorizer: createAuthorizer(store, { nowMs: () => 0 }) });
    const event = (authorization?: string) =>
      ({
        version: '2.0',
        type: 'REQUEST',
        routeArn: 'arn',
        identitySource: authorization === undefined ? [] : [authorization],
        routeKey: 'POST /v1/metrics',
        rawPath: '/v1/metrics',
        rawQueryString: '',
        headers: authorization === undefined ? {} : { authorization },
        requestContext: { http: { sourceIp: '192.0.2.1' } },
      }) as never;
    expect(await handler(event(`Bearer ${key}`), lambdaContext())).toEqual({
      isAuthorized: true,
      context: { tenant: 'gamma' },
    });
    expect((await handler(event('Bearer wr_nope'), lambdaContext())).isAuthorized).toBe(false);
    expect((await handler(event(undefined), lambdaContext())).isAuthorized).toBe(false);
  });
});
