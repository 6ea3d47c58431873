/**
 * `GET /v1/metrics` and `GET /v1/query` against the local stack: every parameter, `tier=auto`, point
 * and resource filters, sliding and session windows, tenants (through the authorizer context), and
 * every bad parameter answered 400 with its name — after points went in over HTTP and closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { ingest } from '#app/ingest.js';
import { composeQuery } from '#compose/query/compose.js';
import { createQueryHandler } from '#compose/query/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { SeriesIdCache } from '#core/series/id.js';
import { type LocalStack, RESULTS_TABLE, STATE_TABLE, startLocalStack } from '#local/stack.js';
import { httpEvent, lambdaContext } from '../support/apigw.js';
import { exactSum } from '../support/oracles.js';

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  shards: 2,
  sliding: [{ size: '3s', slide: '1s' }],
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'dynamodb',
});

let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
let t0 = 0;

interface Point {
  metric: string;
  t: number;
  value: number;
  host: string;
  service: string;
}
const points: Point[] = [];

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** OTLP/JSON gauges, so points carry a resource (service.name). */
function otlpJson(list: Point[]): string {
  const byService = groupBy(list, (p) => p.service);
  return JSON.stringify({
    resourceMetrics: [...byService].map(([service, ps]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeMetrics: [
        {
          scope: { name: 'test' },
          metrics: [...groupBy(ps, (p) => p.metric)].map(([metric, mps]) => ({
            name: metric,
            unit: 'ms',
            gauge: {
              dataPoints: mps.map((p) => ({
                timeUnixNano: String(BigInt(p.t) * 1_000_000n),
                asDouble: p.value,
                attributes: [{ key: 'host', value: { stringValue: p.host } }],
              })),
            },
          })),
        },
      ],
    })),
  });
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Series = {
  resource: Record<string, string>;
  attributes: Record<string, string>;
  points: Record<string, number | string>[];
};

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock });
  await stack.closer.tick();
  t0 = Math.ceil((clock.nowMs() + 2_000) / 60_000) * 60_000; // a fresh minute ahead
  offsetMs = t0 - Date.now();
  for (let i = 0; i < 150; i++) {
    const t = t0 + i * 400; // 60 s of data, 2–3 points a second
    points.push({
      metric: 'api.latency',
      t,
      value: (i * 37) % 100,
      host: `h${i % 2}`,
      service: i % 3 === 0 ? 'cart' : 'shop',
    });
    if (i < 10 || i > 20) points.push({ metric: 'checkout.ms', t, value: i, host: 'h0', service: 'shop' });
  }
  for (let i = 0; i < points.length; i += 100) {
    const response = await fetch(`${stack.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: otlpJson(points.slice(i, i + 100)),
    });
    expect(response.status).toBe(200);
  }
  while (clock.nowMs() < t0 + 63_000) {
    offsetMs += 1_000;
    await stack.closer.tick();
  }
  // The clock jumped up to a minute ahead at first: the planner catches up 60 windows per run, so a
  // few more runs close whatever is still behind (and each tier one run after its last child).
  for (let i = 0; i < 5; i++) await stack.closer.tick();
}, 60_000);
afterAll(() => stack?.stop());

const range = () => `from=${t0}&to=${t0 + 60_000}`;

describe('GET /v1/metrics', () => {
  it('lists the tenant metrics with type, unit and series count', async () => {
    const { status, body } = await get('/v1/metrics');
    expect(status).toBe(200);
    expect(body.metrics).toEqual([
      { name: 'api.latency', type: 'gauge', unit: 'ms', series: 4 },
      { name: 'checkout.ms', type: 'gauge', unit: 'ms', series: 1 },
    ]);
  });
});

describe('GET /v1/query', () => {
  it('answers each tier with points equal to the raw values, sorted by start', async () => {
    for (const [tier, size] of [
      ['1s', 1_000],
      ['10s', 10_000],
      ['1m', 60_000],
    ] as const) {
      const { status, body } = await get(
        `/v1/query?metric=api.latency&tier=${tier}&${range()}&attr.host=h1&resource.service.name=shop`,
      );
      expect(status, tier).toBe(200);
      expect(body).toMatchObject({ metric: 'api.latency', tier, window: 'tumbling', tiers: [tier] });
      const series = body.series as Series[];
      expect(series).toHaveLength(1);
      expect(series[0]?.attributes).toEqual({ host: 'h1' });
      expect(series[0]?.resource).toEqual({ 'service.name': 'shop' });
      const mine = points.filter(
        (p) => p.metric === 'api.latency' && p.host === 'h1' && p.service === 'shop',
      );
      const windows = groupBy(mine, (p) => Math.floor(p.t / size) * size);
      const got = series[0]?.points ?? [];
      expect(got.map((p) => Date.parse(String(p.start)))).toEqual([...windows.keys()].sort((a, b) => a - b));
      for (const p of got) {
        const values = (windows.get(Date.parse(String(p.start))) ?? []).map((x) => x.value);
        expect(p.count).toBe(values.length);
        expect(p.sum).toBe(exactSum(values));
        expect(p.max).toBe(Math.max(...values));
        expect(Date.parse(String(p.end)) - Date.parse(String(p.start))).toBe(size);
        expect(typeof p.p99).toBe('number');
        expect(typeof p.version).toBe('number');
      }
    }
  });

  it('tier=auto takes the coarsest tier with about 100 points, finer tiers where coarse windows are open', async () => {
    // 100 s → 1s (100 windows); 20 min → 10s (120 windows); 2 h → 1m (120 windows)… where closed.
    const short = await get(`/v1/query?metric=api.latency&from=${t0}&to=${t0 + 100_000}`);
    expect(short.body.tiers).toEqual(['1s']);
    const long = await get(
      `/v1/query?metric=api.latency&tier=auto&from=${t0 - 10 * 60_000}&to=${t0 + 10 * 60_000}`,
    );
    expect(long.body.tier).toBe('10s');
    // The 10s tier is closed up to t0 + 60 s; after that, the 1s tier fills in (nothing closed there: no points).
    const series = long.body.series as Series[];
    const all = series.flatMap((s) => s.points);
    expect(all.every((p) => p.tier === '10s' || p.tier === '1s')).toBe(true);
    expect(all.reduce((a, p) => a + Number(p.count), 0)).toBe(
      points.filter((p) => p.metric === 'api.latency').length,
    );
  });

  it('defaults to the last hour, takes RFC 3339 and epoch milliseconds, and since=', async () => {
    const rfc = await get(
      `/v1/query?metric=api.latency&tier=1m&from=${new Date(t0).toISOString()}&to=${new Date(t0 + 60_000).toISOString()}`,
    );
    const epoch = await get(`/v1/query?metric=api.latency&tier=1m&${range()}`);
    expect(rfc.body.series).toEqual(epoch.body.series);
    const dflt = await get('/v1/query?metric=api.latency&tier=1m');
    expect((dflt.body.series as Series[]).length).toBe(4);
    const since = await get('/v1/query?metric=api.latency&tier=1m&since=2h');
    expect(since.body.series).toEqual(dflt.body.series);
  });

  it('serves sliding and session windows', async () => {
    const sliding = await get(`/v1/query?metric=api.latency&window=sliding&${range()}&attr.host=h0`);
    expect(sliding.status).toBe(200);
    expect(sliding.body.tier).toBe('3s/1s');
    const sp = (sliding.body.series as Series[]).flatMap((s) => s.points);
    expect(sp.length).toBeGreaterThan(50);
    expect(sp.every((p) => Date.parse(String(p.end)) - Date.parse(String(p.start)) === 3_000)).toBe(true);
    const sessions = await get(
      `/v1/query?metric=checkout.ms&window=session&tier=session:2s&from=${t0 - 1_000}&to=${t0 + 70_000}`,
    );
    const ss = (sessions.body.series as Series[]).flatMap((s) => s.points);
    // A 4.4 s silence (i = 10…20) splits the run in two.
    expect(ss.map((p) => p.count)).toEqual([10, 129]);
  });

  it('answers an empty series list when nothing matches', async () => {
    for (const q of [
      'metric=nope',
      'metric=api.latency&attr.host=zz',
      'metric=api.latency&resource.service.name=zz',
    ]) {
      const { status, body } = await get(`/v1/query?${q}&tier=1m&${range()}`);
      expect(status, q).toBe(200);
      expect(body.series, q).toEqual([]);
    }
  });

  it.each([
    ['', 'metric'],
    ['metric=', 'metric'],
    ['metric=a&metric=b', 'metric'],
    [`metric=${'x'.repeat(300)}`, 'metric'],
    ['metric=a%00b', 'metric'],
    ['metric=a&tier=5m', 'tier'],
    ['metric=a&tier=1s&tier=1m', 'tier'],
    ['metric=a&window=hopping', 'window'],
    ['metric=a&window=session&tier=1m', 'tier'],
    ['metric=a&from=yesterday', 'from'],
    ['metric=a&to=2026-13-45T99:00:00Z', 'to'],
    ['metric=a&from=2000&to=1000', 'from'],
    ['metric=a&from=0&to=40000000000000', 'to'],
    ['metric=a&from=0&to=1795633200000', 'from'],
    ['metric=a&since=6 hours', 'since'],
    ['metric=a&since=1h&from=0', 'since'],
    ['metric=a&bogus=1', 'bogus'],
    ['metric=a&attr.=x', 'attr.'],
    ['metric=a&attr.host=a&attr.host=b', 'attr.host'],
    [`metric=a&attr.k=${'v'.repeat(5000)}`, 'attr.k'],
    [`${Array.from({ length: 21 }, (_, i) => `attr.k${i}=v`).join('&')}&metric=a`, 'attr.k20'],
  ])('GET /v1/query?%s → 400 naming %s', async (q, param) => {
    const { status, body } = await get(`/v1/query?${q}`);
    expect(status).toBe(400);
    expect(body.param).toBe(param);
    expect(String(body.error)).toContain(param);
  });

  it('keeps tenants apart: each sees only its own series (authorizer context)', async () => {
    const client = stack.db.client;
    const catalog = new DynamoSeriesCatalog({ client, tableName: STATE_TABLE });
    const store = new DynamoWindowStore({ client, tableName: STATE_TABLE, clock });
    const body = new TextEncoder().encode(
      JSON.stringify({
        points: [{ metric: 'api.latency', timestamp: t0 + 500, value: 7, attributes: { host: 'acme-1' } }],
      }),
    );
    await ingest(
      { tenant: 'acme', format: 'points', body },
      { store, catalog, clock, config, ids: new SeriesIdCache(config.shards) },
    );
    for (let i = 0; i < 4; i++) await stack.closer.tick(); // the late point re-closes its windows
    const handler = createQueryHandler(
      composeQuery(
        { tableName: STATE_TABLE, config, sink: { kind: 'dynamodb', resultsTable: RESULTS_TABLE } },
        { dynamo: client },
        { clock },
      ),
    );
    const ask = async (tenant: string | undefined, path: string, rawQueryString = '') => {
      const event = { ...httpEvent({ method: 'GET', path, ...(tenant ? { tenant } : {}) }), rawQueryString };
      const response = await handler(event, lambdaContext());
      return JSON.parse(String(response.body)) as Record<string, unknown>;
    };
    const acme = await ask('acme', '/v1/query', `metric=api.latency&tier=1m&${range()}`);
    expect((acme.series as Series[]).map((s) => s.attributes.host)).toEqual(['acme-1']);
    const dflt = await ask(undefined, '/v1/query', `metric=api.latency&tier=1m&${range()}`);
    expect((dflt.series as Series[]).map((s) => s.attributes.host).sort()).toEqual(['h0', 'h0', 'h1', 'h1']);
    expect(await ask('acme', '/v1/metrics')).toEqual({
      metrics: [{ name: 'api.latency', type: 'gauge', unit: '', series: 1 }],
    });
    const bad = await handler(
      httpEvent({ method: 'GET', path: '/v1/metrics', authorizer: { lambda: { tenant: 'a#b' } } }),
      lambdaContext(),
    );
    expect(bad.statusCode).toBe(403);
  });
});
