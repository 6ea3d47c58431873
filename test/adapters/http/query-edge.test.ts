/**
 * The query edge's HTTP contract: routes, methods, the dashboard with its security headers, tenants
 * from the authorizer, 400 naming the parameter, 503 when the store is busy, and a generic 500 that
 * never carries exception text; the outcome tells the Lambda shell what to log.
 */
import { describe, expect, it } from 'vitest';
import { handleQueryEvent, MAX_ANSWER_BYTES, type QueryEdgeDeps } from '#adapters/http/query-edge.js';
import type { Checkpoint } from '#app/close-ports.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { ResultQuery, ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { httpEvent } from '../../support/apigw.js';

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

function edge(read: (q: ResultQuery) => Promise<ResultRecord[]> = async () => [record()]) {
  const queries: ResultQuery[] = [];
  const deps: QueryEdgeDeps = {
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
  };
  const serve = async (method: string, path: string, rawQueryString = '', tenant?: string) => {
    const event = { ...httpEvent({ method, path, ...(tenant ? { tenant } : {}) }), rawQueryString };
    return handleQueryEvent(event, deps);
  };
  const call = async (method: string, path: string, rawQueryString = '', tenant?: string) =>
    (await serve(method, path, rawQueryString, tenant)).response;
  return { call, serve, queries };
}

describe('Function: handleQueryEvent', () => {
  it('serves the dashboard with a strict CSP and its script', async () => {
    const { call } = edge();
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
    const { call, queries } = edge();
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
    const { call } = edge();
    expect((await call('POST', '/v1/query')).statusCode).toBe(405);
    expect((await call('GET', '/v2/nothing')).statusCode).toBe(404);
    expect((await call('GET', '/v1/query', 'metric=cpu', 'bad tenant')).statusCode).toBe(403);
  });

  it('writes its JSON answers with the same headers and bodies as before the edge moved', async () => {
    const { call } = edge();
    const json = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    expect(await call('DELETE', '/v1/query')).toEqual({
      statusCode: 405,
      headers: { ...json, allow: 'GET' },
      body: '{"error":"DELETE is not allowed on /v1/query"}',
    });
    expect(await call('HEAD', '/v2/nothing')).toEqual({
      statusCode: 404,
      headers: json,
      body: '{"error":"no route for GET /v2/nothing"}',
    });
    expect(await call('GET', '/v1/metrics', '', 'no/slash')).toEqual({
      statusCode: 403,
      headers: json,
      body: JSON.stringify({ error: 'the authorizer gave no valid tenant (1–64 of A–Z a–z 0–9 . _ -)' }),
    });
    const bad = await call('GET', '/v1/query', 'metric=cpu&tier=1m&since=x');
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(JSON.parse(String(bad.body)))).toEqual(['error', 'param']);
    // The dashboard is public: served before the tenant is looked at.
    expect((await call('GET', '/index.html', '', 'no/slash')).statusCode).toBe(200);
  });

  it('answers by with a 400 naming by, before reading, when the sink keeps no states (Timestream)', async () => {
    const { call, queries } = edge();
    const response = await call('GET', '/v1/query', 'metric=m&by=host');
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      param: 'by',
      error: expect.stringMatching(/view/),
    });
    expect(queries).toEqual([]);
  });

  it('keeps an answer under the Lambda response limit: the series that fit, truncated', async () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      record({
        seriesId: i.toString(16).padStart(32, '0'),
        attributes: { host: `h${i}`, pad: 'x'.repeat(20_000) },
      }),
    );
    const { call } = edge(async () => many);
    const response = await call('GET', '/v1/query', 'metric=m');
    expect(response.statusCode).toBe(200);
    expect(Buffer.byteLength(response.body ?? '')).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    const body = JSON.parse(response.body ?? '') as { series: unknown[]; truncated: boolean };
    expect(body.truncated).toBe(true);
    expect(body.series.length).toBeGreaterThan(200);
    expect(body.series.length).toBeLessThan(400);
    const small = await edge().call('GET', '/v1/query', 'metric=m');
    expect(JSON.parse(small.body ?? '')).toMatchObject({ truncated: false });
  });

  it('answers 404 for the dashboard when the build has none', async () => {
    const deps: QueryEdgeDeps = {
      config,
      deps: { reader: { read: async () => [] }, checkpoints: { readCheckpoints: async () => new Map() } },
      metrics: { listMetrics: async () => [] },
      clock: { nowMs: () => NOW },
    };
    for (const path of ['/', '/dashboard.js']) {
      const { response } = await handleQueryEvent(httpEvent({ method: 'GET', path }), deps);
      expect(response).toMatchObject({ statusCode: 404, body: '{"error":"no dashboard in this build"}' });
    }
  });

  it('says what happened: a query with its figures for the log, a failure with its error', async () => {
    const { serve } = edge(async () => [record(), record({ startMs: NOW - 60_000, endMs: NOW })]);
    const queried = await serve('GET', '/v1/query', 'metric=cpu&tier=1m&since=1h', 'acme');
    expect(queried).toMatchObject({
      kind: 'queried',
      log: { tenant: 'acme', metric: 'cpu', tiers: ['1m'], series: 1, points: 2 },
    });
    expect(queried.kind === 'queried' && Object.keys(queried.log)).toEqual([
      'tenant',
      'metric',
      'tiers',
      'series',
      'points',
      'durationMs',
    ]);
    expect((await serve('GET', '/v1/metrics', '', 'acme')).kind).toBe('answered');
    expect((await serve('GET', '/v1/query', 'metric=cpu&tier=9m')).kind).toBe('answered');
    const error = new Error('boom');
    const failed = await edge(async () => {
      throw error;
    }).serve('GET', '/v1/query', 'metric=cpu&tier=1m');
    expect(failed).toMatchObject({ kind: 'failed', error, response: { statusCode: 500 } });
    expect(failed.response.body).toBe('{"error":"internal error"}');
  });

  it('answers 400 naming the parameter, and never reads the store for it', async () => {
    const { call, queries } = edge();
    const bad = await call('GET', '/v1/query', "metric=cpu&tier=1m'--");
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(String(bad.body)).param).toBe('tier');
    expect(queries).toEqual([]);
  });

  it('answers 503 with Retry-After when the store is busy, and a bare 500 otherwise', async () => {
    const busy = edge(async () => {
      throw new StoreUnavailableError('throttled', 2);
    });
    const r503 = await busy.call('GET', '/v1/query', 'metric=cpu&tier=1m');
    expect(r503.statusCode).toBe(503);
    expect(r503.headers?.['retry-after']).toBe('2');
    const broken = edge(async () => {
      throw new Error('secret internals at /var/task/x.js');
    });
    const r500 = await broken.call('GET', '/v1/query', 'metric=cpu&tier=1m');
    expect(r500.statusCode).toBe(500);
    expect(String(r500.body)).not.toContain('secret');
  });
});
