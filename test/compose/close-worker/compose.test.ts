/**
 * Cold-start wiring of the close worker: the environment read once (the sink decides which further
 * variable is required), the real use case bound to its ports, and composed on a DynamoDB client
 * with the sink the settings name. The Lambda module itself: test/functions/close-worker/handler.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { bindClose, composeClose, readCloseEnvironment } from '#compose/close-worker/compose.js';
import { composeIngest } from '#compose/ingest/compose.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { CloseHarness } from '../../support/close-harness.js';
import { startDynalite } from '../../support/dynalite.js';
import { MemoryLookup } from '../../support/memory-close.js';
import { ManualClock } from '../../support/memory-ports.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('Function: readCloseEnvironment', () => {
  it('with the DynamoDB sink: reads the state table, the configuration and WINDROW_RESULTS_TABLE', () => {
    const env = readCloseEnvironment({
      WINDROW_STATE_TABLE: 'windrow-state',
      WINDROW_CONFIG: '{"sink":"dynamodb","shards":4}',
      WINDROW_RESULTS_TABLE: 'windrow-results',
      WINDROW_TIMESTREAM_DATABASE: 'ignored',
    });
    expect(env).toMatchObject({ tableName: 'windrow-state' });
    expect(env.sink).toEqual({ kind: 'dynamodb', resultsTable: 'windrow-results' });
    expect(env.config.shards).toBe(4);
    expect(env.config.sink).toBe('dynamodb');
  });

  it('with the Timestream sink (the default): reads WINDROW_TIMESTREAM_DATABASE', () => {
    const env = readCloseEnvironment({
      WINDROW_STATE_TABLE: 'windrow-state',
      WINDROW_TIMESTREAM_DATABASE: 'windrow',
      WINDROW_RESULTS_TABLE: 'ignored',
    });
    expect(env).toMatchObject({ tableName: 'windrow-state' });
    expect(env.sink).toEqual({ kind: 'timestream', databaseName: 'windrow' });
    expect(env.config.sink).toBe('timestream');
  });

  it.each([
    [{ WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: 'r' }, /WINDROW_STATE_TABLE is not set/],
    [
      { WINDROW_STATE_TABLE: '  ', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: 'r' },
      /WINDROW_STATE_TABLE is not set/,
    ],
    [
      { WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_TIMESTREAM_DATABASE: 'db' },
      /WINDROW_RESULTS_TABLE is not set/,
    ],
    [
      { WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: '' },
      /WINDROW_RESULTS_TABLE is not set/,
    ],
    [
      { WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"timestream"}', WINDROW_RESULTS_TABLE: 'r' },
      /WINDROW_TIMESTREAM_DATABASE is not set/,
    ],
    [{ WINDROW_STATE_TABLE: 's' }, /WINDROW_TIMESTREAM_DATABASE is not set/],
    [{ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{sink:dynamodb}' }, /WINDROW_CONFIG is not valid JSON/],
    [
      { WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"s3"}' },
      /sink must be "timestream", "dynamodb" or "postgres"/,
    ],
    [{ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"tier":["1m"]}' }, /unknown key "tier"/],
  ])('refuses %j with a ConfigError', (env, message) => {
    expect(() => readCloseEnvironment(env)).toThrow(ConfigError);
    expect(() => readCloseEnvironment(env)).toThrow(message);
  });

  // The brief for this function: a bad WINDROW_CONFIG is a ConfigError *naming the variable*. Only
  // the not-JSON case does; a JSON value that is not a valid configuration is reported as
  // `invalid configuration: …` (lib/compose/environment.ts configFromEnv passes parseConfig's
  // error through), which does not say where the configuration came from.
  it('names WINDROW_CONFIG when it is JSON but not a valid configuration', () => {
    expect(() => readCloseEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"s3"}' })).toThrow(
      /WINDROW_CONFIG/,
    );
  });
});

describe('Function: bindClose', () => {
  it('binds closeWindow to the ports, the configuration and the clock', async () => {
    const config = parseConfig({ tiers: ['1m', '1h'], shards: 1, allowedLateness: '10s' });
    const t0 = Date.UTC(2026, 10, 25, 17, 0, 0);
    const h = new CloseHarness(config, t0 + 5_000);
    await h.send([
      { metric: 'queue.depth', t: t0 + 1_000, value: 3 },
      { metric: 'queue.depth', t: t0 + 2_000, value: 5 },
    ]);
    await h.store.initCheckpoint({ tier: 0, shard: 0, closedThroughMs: t0 - 60_000 });
    h.clock.now = t0 + 75_000;
    const close = bindClose(
      config,
      { store: h.store, sessions: h.sessions, lookup: new MemoryLookup(h.catalog), sink: h.sink },
      h.clock,
    );
    const outcome = await close({ tier: 0, windowStartMs: t0, shard: 0, correction: false });
    expect(outcome).toMatchObject({ status: 'closed', series: 1, records: 1, closeLagMs: 15_000 });
    expect(h.sink.of('1m').map((r) => [r.metric, r.stats.count, r.stats.sum, r.version])).toEqual([
      ['queue.depth', 2, 8, t0 + 75_000],
    ]);
    expect((await h.store.readCheckpoints(0)).get(0)?.closedThroughMs).toBe(t0);
  });
});

describe('Function: composeClose', () => {
  it('builds the state-table ports and the DynamoDB sink on the given client, with the given clock', async () => {
    const db = await startDynalite();
    try {
      const [state, results] = ['compose-close-state', 'compose-close-results'];
      await createWindowStateTable(db.client, state);
      await createResultsTable(db.client, results);
      const config = parseConfig({
        tiers: ['1m', '1h'],
        shards: 1,
        allowedLateness: '10s',
        sink: 'dynamodb',
      });
      const t0 = Date.UTC(2026, 10, 25, 17, 0, 0);
      const clock = new ManualClock(t0 + 5_000);
      const points = [
        { metric: 'queue.depth', timestamp: t0 + 1_000, value: 3 },
        { metric: 'queue.depth', timestamp: t0 + 2_000, value: 5 },
      ];
      const written = await composeIngest(
        { tableName: state, config },
        { dynamo: db.client },
        clock,
      )({
        tenant: 'acme',
        format: 'points',
        body: new TextEncoder().encode(JSON.stringify({ points })),
      });
      expect(written.accepted).toBe(2);
      await new DynamoCloseStore({ client: db.client, tableName: state }).initCheckpoint({
        tier: 0,
        shard: 0,
        closedThroughMs: t0 - 60_000,
      });

      clock.now = t0 + 75_000;
      const environment = {
        tableName: state,
        config,
        sink: { kind: 'dynamodb', resultsTable: results },
      } as const;
      const close = composeClose(environment, { dynamo: db.client }, clock);
      const outcome = await close({ tier: 0, windowStartMs: t0, shard: 0, correction: false });
      expect(outcome).toMatchObject({ status: 'closed', series: 1, records: 1, closeLagMs: 15_000 });
      const reader = new DynamoResultsReader({
        client: db.client,
        tableName: results,
        clock,
        consistentRead: true,
      });
      const rows = await reader.read({
        tenant: 'acme',
        metric: 'queue.depth',
        window: '1m',
        fromMs: t0,
        toMs: t0 + 60_000,
      });
      expect(rows.map((r) => [r.stats.count, r.stats.sum, r.version])).toEqual([[2, 8, t0 + 75_000]]);
    } finally {
      await db.stop();
    }
  });

  it('refuses a Timestream sink without its client at once', () => {
    const config = parseConfig({ sink: 'timestream' });
    const environment = {
      tableName: 's',
      config,
      sink: { kind: 'timestream', databaseName: 'windrow' },
    } as const;
    expect(() =>
      composeClose(environment, { dynamo: createLocalDynamoClient('http://127.0.0.1:9') }),
    ).toThrow(/the sink needs a Timestream write client/);
  });
});
