/**
 * The query function's HTTP contract: routes, methods, the dashboard with its security headers,
 * tenants from the authorizer, 400 naming the parameter, 503 when the store is busy, and a generic
 * 500 that never carries exception text. Then the Lambda module itself, wired from its environment
 * against dynalite.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import type { Checkpoint } from '#app/close-ports.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { ResultQuery, ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { createQueryHandler } from '../../../functions/query/create-handler.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';

const config = parseConfig({ tiers: ['1m', '1h'], sink: 'dynamodb', shards: 1 });
const NOW = Date.parse('2026-11-25T12:00:00Z');

function record(over: Partial<ResultRecord> = {}): ResultRecord {
  return {
    tenant: 'default',
    seriesId: 'a'.repeat(32),
    metric: 'cpu',
    unit: 'ms',
    metricKind: 'gauge',
    attributes: { host: 'a' },
    resource: { 'service.name': 'api' },
    window: '1m',
    windowKind: 'tier',
    startMs: NOW - 120_000,
    endMs: NOW - 60_000,
    version: 5,
    stats: { count: 2, sum: 3, min: 1, max: 2, avg: 1.5, percentiles: { p50: 1.5 } },
    ...over,
  };
}

function handler(read: (q: ResultQuery) => Promise<ResultRecord[]> = async () => [record()]) {
  const queries: ResultQuery[] = [];
  const h = createQueryHandler({
    config,
    deps: {
      reader: {
        read: async (q) => {
          queries.push(q);
          return read(q);
        },
      },
      checkpoints: { readCheckpoints: async () => new Map<number, Checkpoint>() },
    },
    metrics: { listMetrics: async (tenant) => [{ name: `m-${tenant}`, type: 'gauge', unit: '', series: 1 }] },
    dashboard: { html: '<!doctype html><title>windrow</title>', js: 'console.log(1)' },
    clock: { nowMs: () => NOW },
  });
  const call = async (method: string, path: string, rawQueryString = '', tenant?: string) => {
    const event = { ...httpEvent({ method, path, ...(tenant ? { tenant } : {}) }), rawQueryString };
    return h(event, lambdaContext());
  };
  return { call, queries };
}

describe('Function: createQueryHandler', () => {
  it('serves the dashboard with a strict CSP and its script', async () => {
    const { call } = handler();
    const page = await call('GET', '/');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/text\/html/);
    expect(String(page.headers?.['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers?.['x-content-type-options']).toBe('nosniff');
    const js = await call('GET', '/dashboard.js');
    expect(js.headers?.['content-type']).toMatch(/javascript/);
    expect(js.body).toBe('console.log(1)');
  });

  it('lists the caller tenant metrics and queries with the tenant from the authorizer', async () => {
    const { call, queries } = handler();
    expect(JSON.parse(String((await call('GET', '/v1/metrics', '', 'acme')).body))).toEqual({
      metrics: [{ name: 'm-acme', type: 'gauge', unit: '', series: 1 }],
    });
    const answer = await call('GET', '/v1/query', 'metric=cpu&tier=1m&since=1h', 'acme');
    expect(answer.statusCode).toBe(200);
    expect(queries[0]).toMatchObject({ tenant: 'acme', metric: 'cpu', window: '1m', toMs: NOW });
    const body = JSON.parse(String(answer.body));
    expect(body.series[0].points[0]).toEqual({
      start: new Date(NOW - 120_000).toISOString(),
      end: new Date(NOW - 60_000).toISOString(),
      count: 2,
      sum: 3,
      min: 1,
      max: 2,
      avg: 1.5,
      p50: 1.5,
      version: 5,
    });
  });

  it('answers 405 to other methods, 404 to unknown paths, 403 to a bad authorizer tenant', async () => {
    const { call } = handler();
    expect((await call('POST', '/v1/query')).statusCode).toBe(405);
    expect((await call('GET', '/v2/nothing')).statusCode).toBe(404);
    expect((await call('GET', '/v1/query', 'metric=cpu', 'bad tenant')).statusCode).toBe(403);
  });

  it('answers 400 naming the parameter, and never reads the store for it', async () => {
    const { call, queries } = handler();
    const bad = await call('GET', '/v1/query', "metric=cpu&tier=1m'--");
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(String(bad.body)).param).toBe('tier');
    expect(queries).toEqual([]);
  });

  it('answers 503 with Retry-After when the store is busy, and a bare 500 otherwise', async () => {
    const busy = handler(async () => {
      throw new StoreUnavailableError('throttled', 2);
    });
    const r503 = await busy.call('GET', '/v1/query', 'metric=cpu&tier=1m');
    expect(r503.statusCode).toBe(503);
    expect(r503.headers?.['retry-after']).toBe('2');
    const broken = handler(async () => {
      throw new Error('secret internals at /var/task/x.js');
    });
    const r500 = await broken.call('GET', '/v1/query', 'metric=cpu&tier=1m');
    expect(r500.statusCode).toBe(500);
    expect(String(r500.body)).not.toContain('secret');
  });
});

describe('The query Lambda module (functions/query/handler.ts)', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
    await createWindowStateTable(db.client, 'state');
    await createResultsTable(db.client, 'results');
  });
  afterAll(() => db?.stop());

  it('wires itself from the environment and answers against DynamoDB', async () => {
    vi.resetModules();
    vi.stubEnv('WINDROW_STATE_TABLE', 'state');
    vi.stubEnv('WINDROW_RESULTS_TABLE', 'results');
    vi.stubEnv('WINDROW_CONFIG', JSON.stringify({ sink: 'dynamodb', tiers: ['1m', '1h'] }));
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    try {
      const { handler: lambda } = await import('../../../functions/query/handler.js');
      const page = await lambda(httpEvent({ method: 'GET', path: '/' }), lambdaContext());
      expect(page.statusCode).toBe(200);
      expect(String(page.body)).toContain('dashboard.js');
      const metrics = await lambda(httpEvent({ method: 'GET', path: '/v1/metrics' }), lambdaContext());
      expect(JSON.parse(String(metrics.body))).toEqual({ metrics: [] });
      const event = {
        ...httpEvent({ method: 'GET', path: '/v1/query' }),
        rawQueryString: 'metric=cpu&since=1h',
      };
      const answer = await lambda(event, lambdaContext());
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(String(answer.body)).series).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
