/**
 * The middy-wrapped query function: the HTTP contract is the query edge's
 * (test/adapters/http/query-edge.test.ts); here its log lines — one per request — and no EMF: the
 * query function emits no CloudWatch metric (windrow's only ones are the close worker's). The Lambda
 * module itself: test/functions/query/handler.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Checkpoint } from '#app/close-ports.js';
import type { ResultQuery, ResultRecord } from '#app/results.js';
import { createQueryHandler, QUERY_SERVICE } from '#compose/query/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { captureOutput, emf } from '../../support/lambda-output.js';

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
  beforeEach(() => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers through the query edge and logs one line per request: each query, each answer, each failure', async () => {
    const { call } = handler();
    const answers: number[] = [];
    const records = await captureOutput(async () => {
      answers.push((await call('GET', '/v1/query', 'metric=cpu&tier=1m&since=1h', 'acme')).statusCode ?? 0);
      answers.push((await call('POST', '/v1/query')).statusCode ?? 0);
      answers.push((await call('GET', '/v1/metrics')).statusCode ?? 0);
    });
    expect(answers).toEqual([200, 405, 200]);
    // No EMF: what were Requests (a line each) and QueryPoints (`points`) are in the log lines.
    expect(emf(records)).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'query',
        service: QUERY_SERVICE,
        tenant: 'acme',
        metric: 'cpu',
        tiers: ['1m'],
        series: 1,
        points: 1,
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({
        level: 'INFO',
        message: 'answered',
        service: QUERY_SERVICE,
        method: 'POST',
        path: '/v1/query',
        status: 405,
      }),
      expect.objectContaining({ message: 'answered', method: 'GET', path: '/v1/metrics', status: 200 }),
    ]);

    const broken = handler(async () => {
      throw new Error('secret internals');
    });
    const failed = await captureOutput(async () => {
      expect((await broken.call('GET', '/v1/query', 'metric=cpu&tier=1m')).statusCode).toBe(500);
    });
    expect(failed).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'query failed',
        error: expect.objectContaining({ message: 'secret internals' }),
      }),
    ]);
    expect(emf(failed)).toEqual([]);
  });
});
