/**
 * Cold-start wiring of the ingest Lambda: the environment is read and validated once, the use case's
 * dependencies are built once and stay warm (the series-id cache above all) across requests.
 */

import type { IngestFn } from '../../lib/adapters/http/ingest-edge.js';
import { DeploymentState } from '../../lib/app/deployment-state.js';
import { ingest } from '../../lib/app/ingest.js';
import {
  type Clock,
  type DeploymentStateStore,
  type SeriesBudget,
  type SeriesCatalog,
  systemClock,
  type WindowStore,
} from '../../lib/app/ports.js';
import type { WindrowConfig } from '../../lib/core/config/config.js';
import { SeriesIdCache } from '../../lib/core/series/id.js';
import { configFromEnv, type Environment, requireEnv } from '../shared/environment.js';

/** What the ingest Lambda reads from its environment. */
export interface IngestEnvironment {
  /** `WINDROW_STATE_TABLE`: the DynamoDB window-state table. */
  readonly tableName: string;
  /** `WINDROW_CONFIG`: the configuration JSON (DESIGN.md §10); defaults when unset. */
  readonly config: WindrowConfig;
}

/** The use case's ports, built from the environment (DynamoDB clients in AWS, dynalite locally). */
export interface IngestPorts {
  readonly store: WindowStore;
  readonly catalog: SeriesCatalog;
  /** The cardinality guard's counter (`limits.maxNewSeriesPerWindow`). */
  readonly budget?: SeriesBudget;
  /** Where the shard layout lives (changes of `shards`); none: the configured count throughout. */
  readonly deploymentStore?: DeploymentStateStore;
}

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

/**
 * The use case with its dependencies bound: one warm {@link SeriesIdCache} for the life of the
 * Lambda container.
 */
export function composeIngest(
  environment: IngestEnvironment,
  ports: IngestPorts,
  clock: Clock = systemClock,
): IngestFn {
  const { config } = environment;
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
