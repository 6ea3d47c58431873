/**
 * Cold-start wiring of the close worker (and the planner, which shares the state table and the
 * configuration): the environment is read once; ports are built by the caller (AWS clients in
 * `aws-ports.ts`, dynalite in the local stack).
 */
import type { CloseJob, CloseStore, SeriesLookup, SessionStore } from '../../lib/app/close-ports.js';
import { type CloseOutcome, closeWindow } from '../../lib/app/close-window.js';
import type { DeploymentState } from '../../lib/app/deployment-state.js';
import { type Clock, systemClock } from '../../lib/app/ports.js';
import type { ResultSink } from '../../lib/app/results.js';
import type { WindrowConfig } from '../../lib/core/config/config.js';
import { configFromEnv, type Environment, requireEnv } from '../shared/environment.js';

export interface CloseEnvironment {
  /** `WINDROW_STATE_TABLE` */
  readonly tableName: string;
  readonly config: WindrowConfig;
  /** `WINDROW_RESULTS_TABLE`: required when `config.sink` is `dynamodb`. */
  readonly resultsTable?: string;
  /** `WINDROW_TIMESTREAM_DATABASE`: required when `config.sink` is `timestream`. */
  readonly timestreamDatabase?: string;
}

/**
 * @example readCloseEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{"sink":"dynamodb"}', WINDROW_RESULTS_TABLE: 'r' })
 * @throws {ConfigError} naming the missing variable or the bad configuration
 */
export function readCloseEnvironment(env: Environment): CloseEnvironment {
  const config = configFromEnv(env);
  const tableName = requireEnv(env, 'WINDROW_STATE_TABLE');
  if (config.sink === 'dynamodb') {
    return { tableName, config, resultsTable: requireEnv(env, 'WINDROW_RESULTS_TABLE') };
  }
  return { tableName, config, timestreamDatabase: requireEnv(env, 'WINDROW_TIMESTREAM_DATABASE') };
}

export interface ClosePorts {
  readonly store: CloseStore;
  readonly sessions: SessionStore;
  readonly lookup: SeriesLookup;
  readonly sink: ResultSink;
  /** The shard layout (changes of `shards`), shared with the sink's grouping; none: the configured count. */
  readonly deployment?: DeploymentState;
}

export type CloseFn = (job: CloseJob) => Promise<CloseOutcome>;

export function composeClose(config: WindrowConfig, ports: ClosePorts, clock: Clock = systemClock): CloseFn {
  const deps = { ...ports, clock, config };
  return (job) => closeWindow(job, deps);
}
