/**
 * The close worker's use case, composed once per Lambda container (and once per local stack): the
 * state table's ports on the DynamoDB client, the sink the configuration names (sinks/), and
 * `closeWindow` bound to them.
 */
import { DynamoCloseStore } from '../../adapters/dynamodb/close-store.js';
import { DynamoDeploymentStateStore } from '../../adapters/dynamodb/deployment-state-store.js';
import { DynamoSeriesLookup } from '../../adapters/dynamodb/series-lookup.js';
import { DynamoSessionStore } from '../../adapters/dynamodb/session-store.js';
import type { CloseJob, CloseStore, SeriesLookup, SessionStore } from '../../app/close-ports.js';
import { type CloseOutcome, closeWindow } from '../../app/close-window.js';
import { DeploymentState } from '../../app/deployment-state.js';
import { type Clock, systemClock } from '../../app/ports.js';
import type { ResultSink } from '../../app/results.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { configFromEnv, type Environment, requireEnv, type StateEnvironment } from '../environment.js';
import { readSinkSettings, type SinkSettings } from '../sinks/settings.js';
import { resultSink, type SinkWriterClients } from '../sinks/writer.js';

export interface CloseEnvironment extends StateEnvironment {
  /** Where results go: `WINDROW_RESULTS_TABLE` or `WINDROW_TIMESTREAM_DATABASE`, by `config.sink`. */
  readonly sink: SinkSettings;
}

/**
 * @example readCloseEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: 'r' })
 * @throws {ConfigError} naming the missing variable or the bad configuration
 */
export function readCloseEnvironment(env: Environment): CloseEnvironment {
  const config = configFromEnv(env);
  const tableName = requireEnv(env, 'WINDROW_STATE_TABLE');
  return { tableName, config, sink: readSinkSettings(env, config) };
}

/** The clients the close worker uses: DynamoDB for the state table, and the sink's. */
export type CloseClients = SinkWriterClients;

export interface ClosePorts {
  readonly store: CloseStore;
  readonly sessions: SessionStore;
  readonly lookup: SeriesLookup;
  readonly sink: ResultSink;
  /** The shard layout (changes of `shards`), shared with the sink's grouping; none: the configured count. */
  readonly deployment?: DeploymentState;
}

export type CloseFn = (job: CloseJob) => Promise<CloseOutcome>;

/**
 * The close use case on the state table and the configured sink, for the Lambda and the local runner
 * alike.
 *
 * @example export const handler = createCloseWorkerHandler({ close: composeClose(environment, { dynamo }), tierNames });
 */
export function composeClose(
  environment: CloseEnvironment,
  clients: CloseClients,
  clock: Clock = systemClock,
): CloseFn {
  const { tableName, config } = environment;
  const client = clients.dynamo;
  const deployment = new DeploymentState(
    config,
    clock,
    new DynamoDeploymentStateStore({ client, tableName }),
  );
  return bindClose(
    config,
    {
      store: new DynamoCloseStore({ client, tableName, clock }),
      sessions: new DynamoSessionStore({ client, tableName }),
      lookup: new DynamoSeriesLookup({ client, tableName }),
      sink: resultSink(environment.sink, clients, config, deployment),
      deployment,
    },
    clock,
  );
}

/** `closeWindow` bound to its ports (tests bind it to fakes and faulty clients). */
export function bindClose(config: WindrowConfig, ports: ClosePorts, clock: Clock = systemClock): CloseFn {
  const deps = { ...ports, clock, config };
  return (job) => closeWindow(job, deps);
}
