/**
 * The query function's use cases, composed once per Lambda container (and once per local stack):
 * the reader of the configured sink (sinks/), checkpoints and the metric index in the state table,
 * and the dashboard with the configured windows.
 */
import { DynamoCloseStore } from '../../adapters/dynamodb/close-store.js';
import { DynamoMetricCatalog } from '../../adapters/dynamodb/metric-index.js';
import type { DashboardAssets, QueryEdgeDeps } from '../../adapters/http/query-edge.js';
import { type Clock, systemClock } from '../../app/ports.js';
import { configureDashboard } from '../../dashboard/assets.js';
import { configFromEnv, type Environment, requireEnv, type StateEnvironment } from '../environment.js';
import { resultReader, type SinkReaderClients } from '../sinks/reader.js';
import { readSinkSettings, type SinkSettings } from '../sinks/settings.js';

export interface QueryEnvironment extends StateEnvironment {
  /** Where results are read: `WINDROW_RESULTS_TABLE` or `WINDROW_TIMESTREAM_DATABASE`, by `config.sink`. */
  readonly sink: SinkSettings;
}

/**
 * @example readQueryEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: 'r' })
 * @throws {ConfigError} naming the missing variable or the bad configuration
 */
export function readQueryEnvironment(env: Environment): QueryEnvironment {
  const config = configFromEnv(env);
  const tableName = requireEnv(env, 'WINDROW_STATE_TABLE');
  return { tableName, config, sink: readSinkSettings(env, config) };
}

/** The clients the query function uses: DynamoDB for the state table, and the sink's. */
export type QueryClients = SinkReaderClients;

export interface QueryOptions {
  readonly clock?: Clock;
  /**
   * The dashboard's page and script: the generated module in the Lambda, a build on first request
   * locally (see `configureDashboard`); none: 404 for the page.
   */
  readonly dashboard?: DashboardAssets | (() => DashboardAssets);
}

/**
 * What the query edge serves with, for the Lambda and the local runner alike.
 *
 * @example export const handler = createQueryHandler(composeQuery(environment, { dynamo }, { dashboard }));
 */
export function composeQuery(
  environment: QueryEnvironment,
  clients: QueryClients,
  options: QueryOptions = {},
): QueryEdgeDeps {
  const { tableName, config } = environment;
  const client = clients.dynamo;
  const clock = options.clock ?? systemClock;
  return {
    config,
    deps: {
      reader: resultReader(environment.sink, clients, tableName, clock, config),
      checkpoints: new DynamoCloseStore({ client, tableName, clock }),
    },
    metrics: new DynamoMetricCatalog({ client, tableName }),
    dashboard: options.dashboard && configureDashboard(options.dashboard, config),
    clock,
  };
}
