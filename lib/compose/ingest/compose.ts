/**
 * The ingest use case, composed once per Lambda container (and once per local stack): the
 * environment read and validated once, the use case's dependencies built once and kept warm (the
 * series-id cache above all) across requests.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeploymentStateStore } from '../../adapters/dynamodb/deployment-state-store.js';
import { DynamoSeriesBudget } from '../../adapters/dynamodb/series-budget.js';
import { DynamoSeriesCatalog } from '../../adapters/dynamodb/series-catalog.js';
import { DynamoWindowStore } from '../../adapters/dynamodb/window-store.js';
import type { IngestFn } from '../../adapters/http/ingest-edge.js';
import { DeploymentState } from '../../app/deployment-state.js';
import { ingest } from '../../app/ingest.js';
import {
  type Clock,
  type DeploymentStateStore,
  type SeriesBudget,
  type SeriesCatalog,
  systemClock,
  type WindowStore,
} from '../../app/ports.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { SeriesIdCache } from '../../core/series/id.js';
import { configFromEnv, type Environment, requireEnv, type StateEnvironment } from '../environment.js';

/** What the ingest Lambda reads from its environment. */
export type IngestEnvironment = StateEnvironment;

/**
 * Reads and validates the environment. Throws at cold start, so a misconfigured deploy fails its init
 * (visible in the Lambda console and logs) instead of answering every request with an error.
 *
 * @example readIngestEnvironment({ WINDROW_STATE_TABLE: 'windrow-state', WINDROW_CONFIG: '{"shards":4}' })
 * @throws {ConfigError} when the table name is missing or the configuration is not valid
 */
export function readIngestEnvironment(env: Environment): IngestEnvironment {
  return { tableName: requireEnv(env, 'WINDROW_STATE_TABLE'), config: configFromEnv(env) };
}

/** The clients ingest uses: DynamoDB (in AWS, or dynalite locally). */
export interface IngestClients {
  readonly dynamo: DynamoDBClient;
}

/** The use case's ports. */
export interface IngestPorts {
  readonly store: WindowStore;
  readonly catalog: SeriesCatalog;
  /** The cardinality guard's counter (`limits.maxNewSeriesPerWindow`). */
  readonly budget?: SeriesBudget;
  /** Where the shard layout lives (changes of `shards`); none: the configured count throughout. */
  readonly deploymentStore?: DeploymentStateStore;
}

/**
 * The ingest use case on the state table, for the Lambda and the local runner alike.
 *
 * @example export const handler = createIngestHandler({ config, ingest: composeIngest(environment, { dynamo }) });
 */
export function composeIngest(
  environment: IngestEnvironment,
  clients: IngestClients,
  clock: Clock = systemClock,
): IngestFn {
  const { tableName, config } = environment;
  const client = clients.dynamo;
  return bindIngest(
    config,
    {
      store: new DynamoWindowStore({ client, tableName, clock }),
      catalog: new DynamoSeriesCatalog({ client, tableName, clock }),
      budget: new DynamoSeriesBudget({ client, tableName }),
      deploymentStore: new DynamoDeploymentStateStore({ client, tableName }),
    },
    clock,
  );
}

/**
 * The use case bound to its ports (tests bind it to fakes and faulty clients): one warm
 * {@link SeriesIdCache} for the life of the container.
 */
export function bindIngest(config: WindrowConfig, ports: IngestPorts, clock: Clock = systemClock): IngestFn {
  const deps = {
    store: ports.store,
    catalog: ports.catalog,
    ...(ports.budget === undefined ? {} : { budget: ports.budget }),
    clock,
    config,
    ids: new SeriesIdCache(config.shards),
    deployment: new DeploymentState(config, clock, ports.deploymentStore),
  };
  return (request) => ingest(request, deps);
}
