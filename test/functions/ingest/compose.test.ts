/**
 * Cold-start wiring: the environment read once, the real use case bound to its ports, lazy wiring
 * that retries after a failure, and the deployed module itself.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IngestFn } from '#app/edge/ingest-edge.js';
import { ConfigError } from '#core/errors.js';
import { composeIngest, lazyIngest, readIngestEnvironment } from '../../../functions/ingest/compose.js';
import { createIngestHandler } from '../../../functions/ingest/create-handler.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { FIXTURE_NOW_MS, fixture, ingestResult } from '../../support/ingest-fakes.js';
import { ManualClock, MemorySeriesCatalog, MemoryWindowStore } from '../../support/memory-ports.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('Function: readIngestEnvironment', () => {
  it('reads the table and the configuration JSON', () => {
    const env = readIngestEnvironment({
      WINDROW_STATE_TABLE: 'windrow-state',
      WINDROW_CONFIG: '{"shards":4}',
    });
    expect(env.tableName).toBe('windrow-state');
    expect(env.config.shards).toBe(4);
  });

  it('uses the default configuration when WINDROW_CONFIG is unset or blank', () => {
    for (const WINDROW_CONFIG of [undefined, '', '  ']) {
      expect(readIngestEnvironment({ WINDROW_STATE_TABLE: 't', WINDROW_CONFIG }).config.shards).toBe(8);
    }
  });

  it.each([
    [{}, /WINDROW_STATE_TABLE is not set/],
    [{ WINDROW_STATE_TABLE: ' ' }, /WINDROW_STATE_TABLE is not set/],
    [{ WINDROW_STATE_TABLE: 't', WINDROW_CONFIG: '{shards:4}' }, /WINDROW_CONFIG is not valid JSON/],
    [{ WINDROW_STATE_TABLE: 't', WINDROW_CONFIG: '{"shard":4}' }, /unknown key "shard"/],
    [{ WINDROW_STATE_TABLE: 't', WINDROW_CONFIG: '[]' }, /must be a JSON object/],
  ])('refuses %j with a ConfigError', (env, message) => {
    expect(() => readIngestEnvironment(env)).toThrow(ConfigError);
    expect(() => readIngestEnvironment(env)).toThrow(message);
  });
});

describe('Function: composeIngest', () => {
  it('binds the real use case to the ports: a fixture export becomes packed partials and catalog entries', async () => {
    const environment = readIngestEnvironment({ WINDROW_STATE_TABLE: 't' });
    const store = new MemoryWindowStore();
    const catalog = new MemorySeriesCatalog();
    const ingest = composeIngest(environment, { store, catalog }, new ManualClock(FIXTURE_NOW_MS));
    const handler = createIngestHandler({ ingest, config: environment.config });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const response = await handler(
      httpEvent({
        headers: { 'content-type': 'application/x-protobuf' },
        body: fixture('metrics.pb'),
        tenant: 'acme',
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    expect(store.partials.size).toBeGreaterThan(0);
    expect([...catalog.series.values()].every((s) => s.tenant === 'acme')).toBe(true);
    expect(catalog.series.size).toBeGreaterThan(5);
  });
});

describe('Function: lazyIngest', () => {
  it('wires once for concurrent first requests', async () => {
    const load = vi.fn(async (): Promise<IngestFn> => async () => ingestResult({ accepted: 1 }));
    const ingest = lazyIngest(load);
    const request = { tenant: 'default', format: 'points' as const, body: new Uint8Array(0) };
    await Promise.all([ingest(request), ingest(request), ingest(request)]);
    await ingest(request);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not cache a failed wiring: the next request tries again', async () => {
    let attempts = 0;
    const ingest = lazyIngest(async () => {
      attempts++;
      if (attempts === 1) throw new Error('SDK import failed');
      return async () => ingestResult({ accepted: 2 });
    });
    const request = { tenant: 'default', format: 'points' as const, body: new Uint8Array(0) };
    await expect(ingest(request)).rejects.toThrow('SDK import failed');
    await expect(ingest(request)).resolves.toMatchObject({ accepted: 2 });
    expect(attempts).toBe(2);
  });
});

describe('Module: functions/ingest/handler', () => {
  it('fails its cold start on a missing table name', async () => {
    vi.stubEnv('WINDROW_STATE_TABLE', '');
    await expect(import('../../../functions/ingest/handler.js')).rejects.toThrow(
      /WINDROW_STATE_TABLE is not set/,
    );
  });

  it('builds the handler from the environment; unwired ports answer a generic 500, never crash', async () => {
    vi.stubEnv('WINDROW_STATE_TABLE', 'windrow-state');
    vi.stubEnv('WINDROW_CONFIG', '{"shards":2}');
    const { handler } = await import('../../../functions/ingest/handler.js');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const response: APIGatewayProxyStructuredResultV2 = await handler(
      httpEvent({ headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' }),
      lambdaContext('cold-1'),
    );
    // Bad input is still refused at the edge without any wiring.
    const refused = await handler(
      httpEvent({ headers: { 'content-type': 'text/csv' }, body: 'a,b' }),
      lambdaContext(),
    );
    expect(refused.statusCode).toBe(415);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({ code: 13, message: 'internal error (request cold-1)' });
  });
});
