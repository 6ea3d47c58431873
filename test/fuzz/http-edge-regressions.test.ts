/**
 * Regressions found by the HTTP edge fuzz tests (http-edge.test.ts), as fixed cases on the local stack.
 *
 * 1. A request-target that is not a valid URL relative to `http://localhost` (`//[`, `//a:99999/`,
 *    absolute-form `http://[::1/…`) made `new URL` throw in the bridge: a 500. Origin-form targets
 *    starting with `//` were also read as a host (`//x/v1/metrics` routed as `/v1/metrics`, not as
 *    the path API Gateway passes in `rawPath`).
 * 2. A client that went away before its body was complete (a Content-Length longer than what it
 *    sent, then the connection closed) sent the bridge to its last resort: a logged "request failed"
 *    and an attempted 500 on a dead connection.
 * 3. A metric name or unit that cannot be the metric index's readable SK made the index update fail
 *    after the catalog put (and the partials): a 500 for points that were stored all the same. Too
 *    long (`encodeURIComponent(name)#kind#encodeURIComponent(unit)` over DynamoDB's 1,024-byte SK
 *    limit: ~1,000 ASCII characters, or ~110 CJK ones), or a lone surrogate (`"\ud800"` in
 *    OTLP/JSON or /v1/points), on which `encodeURIComponent` throws. Such metrics are now keyed by a hash.
 * 4. A series whose metadata made its catalog item larger than DynamoDB's 400 KB item limit — 100
 *    attributes of 4,096 characters (both within the request limits), or a 450 KB description — was
 *    a 500 (`catalog put … Item size has exceeded the maximum allowed size`). Fixed: ingest refuses
 *    series whose identity is over MAX_SERIES_IDENTITY_CHARS (points rejected, attribute_limit) and
 *    keeps only the first 1,024 characters of a description in the catalog.
 */
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { requestUrl } from '#local/apigw-bridge.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { FIXTURE_NOW_MS } from '../support/ingest-fakes.js';
import { encodeRequest, FIXTURES, type RawRequest, StoreWatch, sendRaw } from './http-fuzz-support.js';

let stack: LocalStack;
let port = 0;
let watch: StoreWatch;
let consoleError: MockInstance<typeof console.error>;

beforeAll(async () => {
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  stack = await startLocalStack({
    config: parseConfig({ sink: 'dynamodb' }),
    port: 0,
    quiet: true,
    clock: { nowMs: () => FIXTURE_NOW_MS },
    dashboard: { html: '<!doctype html>', js: '//' },
  });
  port = Number(new URL(stack.url).port);
  watch = new StoreWatch(stack.db.client);
  const seed = await sendRaw(
    port,
    encodeRequest({
      method: 'POST',
      target: '/v1/metrics',
      headers: [['Content-Type', 'application/x-protobuf']],
      body: FIXTURES.pb,
    }),
  );
  expect(seed.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  consoleError?.mockRestore();
});

const lastResortCalls = () =>
  consoleError.mock.calls.filter((args) => String(args[0]).startsWith('windrow local:'));

async function send(request: RawRequest, waitMs?: number, mayWrite = false) {
  consoleError.mockClear();
  return watch.run(request.method, mayWrite, () => sendRaw(port, encodeRequest(request), waitMs));
}

const NANOS = `${BigInt(FIXTURE_NOW_MS - 10_000) * 1_000_000n}`;

/** One OTLP/JSON gauge point with the given metric fields and `attributes` attributes of `valueLength` characters. */
function gauge(
  name: string,
  fields: { unit?: string; description?: string; attributes?: number; valueLength?: number } = {},
) {
  const attributes = Array.from({ length: fields.attributes ?? 0 }, (_, i) => ({
    key: `k${i}`,
    value: { stringValue: 'v'.repeat(fields.valueLength ?? 1) },
  }));
  const metric = { name, unit: fields.unit ?? '', description: fields.description ?? '' };
  const dataPoints = [{ timeUnixNano: NANOS, asDouble: 1, attributes }];
  return JSON.stringify({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ ...metric, gauge: { dataPoints } }] }] }],
  });
}

function postJson(target: string, body: string): RawRequest {
  return {
    method: 'POST',
    target,
    headers: [['Content-Type', 'application/json']],
    body: new TextEncoder().encode(body),
  };
}

async function listedMetrics(): Promise<{ name: string; unit: string }[]> {
  const response = await sendRaw(port, encodeRequest({ method: 'GET', target: '/v1/metrics', headers: [] }));
  expect(response.status).toBe(200);
  return (JSON.parse(response.body.toString('utf8')) as { metrics: { name: string; unit: string }[] })
    .metrics;
}

describe('HTTP edge regressions', () => {
  it.each([
    ['GET', '//[/v1/metrics', 404],
    ['GET', '//a:99999/', 404],
    ['POST', '//[/v1/metrics', 404],
    ['GET', 'http://[::1/v1/metrics', 400],
    ['POST', 'http://[::1/v1/points', 400],
    ['OPTIONS', '*', 400],
  ])('%s %s is a %i, not a 500', async (method, target, status) => {
    const response = await send({
      method,
      target,
      headers: [['Content-Type', 'application/x-protobuf']],
      ...(method === 'POST' ? { body: FIXTURES.pb } : {}),
    });
    expect(response.status).toBe(status);
    expect(response.body.toString()).toMatch(status === 400 ? /request target/ : /route/);
    expect(lastResortCalls()).toEqual([]);
    await watch.flush();
  });

  it('reads an origin-form target starting with // as a path, as API Gateway does', async () => {
    expect(requestUrl('//fuzz.local/v1/metrics?x=1')?.pathname).toBe('//fuzz.local/v1/metrics');
    expect(requestUrl('/v1/query?metric=a')?.search).toBe('?metric=a');
    expect(requestUrl('http://fuzz.local/v1/points')?.pathname).toBe('/v1/points');
    expect(requestUrl('*')).toBeUndefined();
    // Not the ingest route, so nothing is stored.
    const response = await send({
      method: 'POST',
      target: '//fuzz.local/v1/metrics',
      headers: [['Content-Type', 'application/x-protobuf']],
      body: FIXTURES.pb,
    });
    expect(response.status).toBe(404);
    await watch.flush();
  });

  it('a client that leaves before its body is complete gets no 500 and the bridge logs no failure', async () => {
    for (const declared of ['5000', '10485761', '99999999999']) {
      const response = await send(
        {
          method: 'POST',
          target: '/v1/points',
          headers: [['Content-Type', 'application/json']],
          body: FIXTURES.json.subarray(0, 100),
          contentLength: declared,
        },
        100,
      );
      expect(response.status).not.toBe(500);
      expect(lastResortCalls()).toEqual([]);
    }
    await watch.flush();
    const health = await sendRaw(port, encodeRequest({ method: 'GET', target: '/v1/metrics', headers: [] }));
    expect(health.status).toBe(200);
  });

  it.each([
    ['a 255-character name', 'n'.repeat(255), ''],
    ['a 255-character CJK name', '\u4e2d'.repeat(255), ''],
    ['a 63-character unit', 'long.unit', 'u'.repeat(63)],
  ])(
    'OTLP/JSON with %s (at the limits) is accepted (200) and listed, not a 500',
    async (_label, name, unit) => {
      const response = await send(postJson('/v1/metrics', gauge(name, { unit })), undefined, true);
      expect(response.status).toBe(200);
      expect(response.body.toString()).toBe('{}');
      expect(lastResortCalls()).toEqual([]);
      expect((await listedMetrics()).some((m) => m.name === name && m.unit === unit)).toBe(true);
    },
  );

  it.each([
    ['a 1,100-character name', 'm'.repeat(1_100), ''],
    ['a 300-character CJK name', '\u6587'.repeat(300), ''],
    ['a 1,100-character unit', 'longer.unit', 'u'.repeat(1_100)],
  ])('OTLP/JSON with %s is a 200 refusing the point (name_limit), not a 500', async (_label, name, unit) => {
    const response = await send(postJson('/v1/metrics', gauge(name, { unit })), undefined, true);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: expect.stringContaining('1 name_limit') },
    });
    expect(lastResortCalls()).toEqual([]);
    expect((await listedMetrics()).some((m) => m.name === name)).toBe(false);
  });

  it.each([
    ['a lone surrogate in the name', 'bad\ud800name', ''],
    ['a lone surrogate in the unit', 'bad.unit', '\udfff'],
  ])(
    'OTLP/JSON with %s is a 200 refusing the point (invalid_field), not a 500',
    async (_label, name, unit) => {
      // Unpaired surrogates are not Unicode text: ingest refuses such series (lib/app/ingest.ts).
      const response = await send(postJson('/v1/metrics', gauge(name, { unit })), undefined, true);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString())).toMatchObject({
        partialSuccess: { rejectedDataPoints: '1' },
      });
      expect(lastResortCalls()).toEqual([]);
      expect((await listedMetrics()).some((m) => m.name === name)).toBe(false);
    },
  );

  it('/v1/points with a lone surrogate or a 2,000-character metric name is a 200 refusing it, not a 500', async () => {
    for (const [metric, accepted] of [
      ['\ud800', 0],
      ['p'.repeat(2_000), 0],
      ['p'.repeat(255), 1],
    ] as const) {
      const body = JSON.stringify({ points: [{ metric, timestamp: FIXTURE_NOW_MS - 5_000, value: 1 }] });
      const response = await send(postJson('/v1/points', body), undefined, true);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString())).toMatchObject({ accepted, rejected: 1 - accepted });
    }
  });

  // Open: see 4. above. The catalog item (lib/adapters/dynamodb/series-catalog.ts `put`) holds the
  // resource, scope and point attributes as JSON plus name, unit and description, none bounded in
  // total; the request limits (128 attributes of 4,096 characters, 6 MB bodies) allow far more than
  // 400 KB. Expected: a 200 (the point accepted, or refused with a reason), never a 500.
  it.each([
    ['100 attributes of 4,096 characters', gauge('wide.series', { attributes: 100, valueLength: 4_096 })],
    ['a 450 KB description', gauge('long.description', { description: 'd'.repeat(450_000) })],
  ])('OTLP/JSON with %s is answered 200, not 500 (catalog item over 400 KB)', async (_label, body) => {
    const response = await send(postJson('/v1/metrics', body), undefined, true);
    expect(response.status).toBe(200);
  });
});
