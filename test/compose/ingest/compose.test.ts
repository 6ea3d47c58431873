/**
 * Cold-start wiring of ingest: the environment read once, the real use case bound to its ports, and
 * composed on a DynamoDB client (dynalite). The Lambda module itself: test/functions/ingest/handler.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { bindIngest, composeIngest, readIngestEnvironment } from '#compose/ingest/compose.js';
import { createIngestHandler } from '#compose/ingest/create-handler.js';
import { ConfigError } from '#core/errors.js';
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

describe('Function: bindIngest', () => {
  it('binds the real use case to the ports: a fixture export becomes packed partials and catalog entries', async () => {
    const environment = readIngestEnvironment({ WINDROW_STATE_TABLE: 't' });
    const store = new MemoryWindowStore();
    const catalog = new MemorySeriesCatalog();
    const ingest = bindIngest(environment.config, { store, catalog }, new ManualClock(FIXTURE_NOW_MS));
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

describe('Function: composeIngest', () => {
  it('builds the DynamoDB ports on the given client, with the given clock', async () => {
    const db = await startDynalite();
    try {
      await createWindowStateTable(db.client, 'compose-ingest');
      const environment = readIngestEnvironment({ WINDROW_STATE_TABLE: 'compose-ingest' });
      const ingest = composeIngest(environment, { dynamo: db.client }, new ManualClock(FIXTURE_NOW_MS));
      const result = await ingest({ tenant: 'acme', format: 'otlp-protobuf', body: fixture('metrics.pb') });
      expect(result.accepted).toBeGreaterThan(0);
      expect(result.rejected).toBe(0);
      const keys = (await scanAll(db.client, 'compose-ingest')).map((item) => item.PK?.S ?? '');
      expect(keys.filter((k) => k.startsWith('P#')).length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.startsWith('S#acme#')).length).toBeGreaterThan(5);
    } finally {
      await db.stop();
    }
  });
});
