/** The query function's composition: its environment, and the edge's dependencies on dynalite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { handleQueryEvent } from '#adapters/http/query-edge.js';
import { composeQuery, readQueryEnvironment } from '#compose/query/compose.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { httpEvent } from '../../support/apigw.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { ManualClock } from '../../support/memory-ports.js';

describe('Function: readQueryEnvironment', () => {
  it('reads the configuration, the state table and the sink the configuration names', () => {
    const env = readQueryEnvironment({
      WINDROW_STATE_TABLE: 's',
      WINDROW_CONFIG: '{"sink":"dynamodb"}',
      WINDROW_RESULTS_TABLE: 'r',
    });
    expect(env).toMatchObject({ tableName: 's', sink: { kind: 'dynamodb', resultsTable: 'r' } });
    expect(() => readQueryEnvironment({ WINDROW_STATE_TABLE: 's' })).toThrow(
      /WINDROW_TIMESTREAM_DATABASE is not set/,
    );
    expect(() => readQueryEnvironment({ WINDROW_RESULTS_TABLE: 'r' })).toThrow(ConfigError);
  });
});

describe('Function: composeQuery', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
    await createWindowStateTable(db.client, 'state');
    await createResultsTable(db.client, 'results');
  });
  afterAll(() => db?.stop());

  const config = parseConfig({ tiers: ['1m', '1h'], sink: 'dynamodb' });
  const environment = {
    tableName: 'state',
    config,
    sink: { kind: 'dynamodb', resultsTable: 'results' },
  } as const;

  it('serves the state table and the results table, with the clock and the dashboard given', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
    const deps = composeQuery(
      environment,
      { dynamo: db.client },
      { clock, dashboard: () => ({ html: '<meta content="{{WINDROW_WINDOWS}}">', js: 'x()' }) },
    );
    expect(deps.clock).toBe(clock);
    const metrics = await handleQueryEvent(httpEvent({ method: 'GET', path: '/v1/metrics' }), deps);
    expect(metrics.response).toMatchObject({ statusCode: 200, body: '{"metrics":[]}' });
    const query = await handleQueryEvent(
      { ...httpEvent({ method: 'GET', path: '/v1/query' }), rawQueryString: 'metric=cpu&tier=1m&since=1h' },
      deps,
    );
    expect(query).toMatchObject({ kind: 'queried', log: { series: 0 }, response: { statusCode: 200 } });
    expect(deps.dashboard?.js).toBe('x()');
  });

  it('has no dashboard unless given one, and refuses Timestream without its client', () => {
    expect(composeQuery(environment, { dynamo: db.client }).dashboard).toBeUndefined();
    const dynamo = createLocalDynamoClient('http://127.0.0.1:9');
    expect(() =>
      composeQuery(
        { ...environment, config: parseConfig({}), sink: { kind: 'timestream', databaseName: 'd' } },
        { dynamo },
      ),
    ).toThrow(/Timestream query client/);
  });
});
