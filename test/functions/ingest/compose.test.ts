/**
 * Cold-start wiring: the environment read once, the real use case bound to its ports, and the
 * deployed module itself against dynalite.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { ConfigError } from '#core/errors.js';
import { composeIngest, readIngestEnvironment } from '../../../functions/ingest/compose.js';
import { createIngestHandler } from '../../../functions/ingest/create-handler.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { startDynalite } from '../../support/dynalite.js';
import { FIXTURE_NOW_MS, fixture } from '../../support/ingest-fakes.js';
import { scanAll } from '../../support/local-store.js';
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

describe('Module: functions/ingest/handler', () => {
  it('fails its cold start on a missing table name', async () => {
    vi.stubEnv('WINDROW_STATE_TABLE', '');
    await expect(import('../../../functions/ingest/handler.js')).rejects.toThrow(
      /WINDROW_STATE_TABLE is not set/,
    );
  });

  it('wires the real DynamoDB ports from the environment (here: dynalite through AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const db = await startDynalite();
    try {
      await createWindowStateTable(db.client, 'windrow-handler-test');
      vi.stubEnv('WINDROW_STATE_TABLE', 'windrow-handler-test');
      vi.stubEnv('WINDROW_CONFIG', '{"shards":2}');
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.endpoint);
      vi.stubEnv('AWS_REGION', 'local');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
      vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
      const { handler } = await import('../../../functions/ingest/handler.js');

      const now = Date.now();
      const body = JSON.stringify({
        points: [
          { metric: 'queue.depth', timestamp: now - 2000, value: 3, attributes: { q: 'a' } },
          { metric: 'queue.depth', timestamp: now - 1000, value: 5, attributes: { q: 'b' } },
        ],
      });
      const json = { 'content-type': 'application/json' };
      const response: APIGatewayProxyStructuredResultV2 = await handler(
        httpEvent({ path: '/v1/points', headers: json, body, tenant: 'acme' }),
        lambdaContext('cold-1'),
      );
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body ?? '')).toEqual({ accepted: 2, rejected: 0, reasons: {}, errors: [] });

      const keys = (await scanAll(db.client, 'windrow-handler-test')).map((item) => item.PK?.S ?? '');
      expect(keys.filter((k) => k.startsWith('P#')).length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.startsWith('S#acme#'))).toHaveLength(2);

      const refused = await handler(
        httpEvent({ headers: { 'content-type': 'text/csv' }, body: 'a,b' }),
        lambdaContext(),
      );
      expect(refused.statusCode).toBe(415);
    } finally {
      await db.stop();
    }
  });
});
