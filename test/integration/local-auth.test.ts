/**
 * API keys on the local stack (`npm start -- --auth`), as API Gateway enforces them with the Lambda
 * authorizer: 401 without a key, 403 with a malformed, unknown or revoked key — and nothing stored;
 * each tenant sees and changes only its own data, through every route and parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '#app/auth/manage-keys.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { scanAll, snapshot } from '../support/local-store.js';

const config = parseConfig({ tiers: ['1s', '10s'], allowedLateness: '1s', shards: 2, sink: 'dynamodb' });
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
let keyA = '';
let keyB = '';
let revoked = '';
let t0 = 0;

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock, auth: true });
  await stack.closer.tick();
  keyA = (await createApiKey(stack.keys, 'acme', 'a', clock.nowMs())).key;
  keyB = (await createApiKey(stack.keys, 'beta', 'b', clock.nowMs())).key;
  const old = await createApiKey(stack.keys, 'acme', 'old', clock.nowMs());
  revoked = old.key;
  await stack.keys.revoke('acme', old.record.keyId, clock.nowMs());
  t0 = Math.ceil((clock.nowMs() + 1_000) / 10_000) * 10_000;
  offsetMs = t0 - Date.now();
});
afterAll(() => stack?.stop());

const body = (value: number, host = 'h') =>
  JSON.stringify({ points: [{ metric: 'shared.metric', timestamp: t0 + 500, value, attributes: { host } }] });

async function post(key: string | undefined, payload: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}/v1/points`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...extra,
    },
    body: payload,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(key: string | undefined, path: string) {
  const response = await fetch(`${stack.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('API keys on the local stack', () => {
  it('refuses missing, malformed, unknown and revoked keys on every data route, storing nothing', async () => {
    const before = snapshot(await scanAll(stack.db.client));
    const cases: [string | undefined, number][] = [
      [undefined, 401],
      ['not-a-key', 403],
      [`wr_${'A'.repeat(43)}`, 403],
      [revoked, 403],
    ];
    for (const [key, status] of cases) {
      expect((await post(key, body(1))).status, String(key)).toBe(status);
      const metrics = await fetch(`${stack.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: '{"resourceMetrics":[]}',
      });
      expect(metrics.status).toBe(status);
      expect((await get(key, '/v1/metrics')).status).toBe(status);
      expect((await get(key, '/v1/query?metric=shared.metric')).status).toBe(status);
    }
    const raw = await fetch(`${stack.url}/v1/points`, {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      body: body(1),
    });
    expect(raw.status).toBe(403);
    expect(snapshot(await scanAll(stack.db.client))).toEqual(before);
    // The dashboard page itself is open; its API calls carry the key.
    expect((await fetch(`${stack.url}/`)).status).toBe(200);
  });

  it('keeps tenants apart through every route and parameter', async () => {
    // The same body from both tenants: content-derived partial ids include the tenant, so neither
    // overwrites the other.
    expect((await post(keyA, body(10))).status).toBe(200);
    expect((await post(keyB, body(10))).status).toBe(200);
    expect((await post(keyB, body(99, 'b-only'))).status).toBe(200);
    // A header or parameter cannot choose the tenant.
    expect(
      (await post(keyB, body(1_000, 'spoof'), { 'x-tenant': 'acme', 'x-windrow-tenant': 'acme' })).status,
    ).toBe(200);
    while (clock.nowMs() < t0 + 15_000) {
      offsetMs += 1_000;
      await stack.closer.tick();
    }
    for (let i = 0; i < 3; i++) await stack.closer.tick();

    const range = `from=${t0}&to=${t0 + 10_000}&tier=10s`;
    const a = await get(keyA, `/v1/query?metric=shared.metric&${range}`);
    const seriesA = a.body.series as {
      attributes: { host: string };
      points: { count: number; sum: number }[];
    }[];
    expect(seriesA.map((s) => s.attributes.host)).toEqual(['h']);
    expect(seriesA[0]?.points[0]).toMatchObject({ count: 1, sum: 10 });
    const b = await get(keyB, `/v1/query?metric=shared.metric&${range}`);
    const hostsB = (b.body.series as { attributes: { host: string } }[]).map((s) => s.attributes.host).sort();
    expect(hostsB).toEqual(['b-only', 'h', 'spoof']);
    expect((await get(keyA, '/v1/metrics')).body.metrics).toEqual([
      { name: 'shared.metric', type: 'gauge', unit: '', series: 1 },
    ]);
    expect((await get(keyB, '/v1/metrics')).body.metrics).toEqual([
      { name: 'shared.metric', type: 'gauge', unit: '', series: 3 },
    ]);
    // No parameter names a tenant: trying one is refused, not honoured.
    for (const param of ['tenant=acme', 'attr.tenant=acme', 'resource.tenant=acme']) {
      const r = await get(keyB, `/v1/query?metric=shared.metric&${range}&${param}`);
      if (r.status === 200) expect((r.body.series as unknown[]).length).toBe(0);
      else expect(r.status).toBe(400);
    }
  });
});
