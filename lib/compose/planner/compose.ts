/**
 * The planner's use case, composed once per Lambda container (and once per local stack): the
 * checkpoints and the shard layout in the state table, the close queue (SQS in AWS, in-process
 * locally), and `planCloses` bound to them.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoCloseStore } from '../../adapters/dynamodb/close-store.js';
import { DynamoDeploymentStateStore } from '../../adapters/dynamodb/deployment-state-store.js';
import type { CloseQueue } from '../../app/close-ports.js';
import { DeploymentState } from '../../app/deployment-state.js';
import { type PlanReport, planCloses } from '../../app/plan-closes.js';
import { type Clock, systemClock } from '../../app/ports.js';
import { configFromEnv, type Environment, requireEnv, type StateEnvironment } from '../environment.js';

export interface PlannerEnvironment extends StateEnvironment {
  /** `WINDROW_CLOSE_QUEUE_URL`: the SQS close queue. */
  readonly queueUrl: string;
}

/**
 * @example readPlannerEnvironment({ WINDROW_STATE_TABLE: 's', WINDROW_CLOSE_QUEUE_URL: 'https://sqs…/windrow-close' })
 * @throws {ConfigError} naming the missing variable or the bad configuration
 */
export function readPlannerEnvironment(env: Environment): PlannerEnvironment {
  const config = configFromEnv(env);
  const tableName = requireEnv(env, 'WINDROW_STATE_TABLE');
  return { tableName, config, queueUrl: requireEnv(env, 'WINDROW_CLOSE_QUEUE_URL') };
}

export interface PlannerClients {
  readonly dynamo: DynamoDBClient;
  /** Where close jobs go: the SQS queue's adapter in AWS, the in-process queue locally. */
  readonly queue: CloseQueue;
}

export type PlanFn = () => Promise<PlanReport>;

/**
 * The planner's use case on the state table and the close queue, for the Lambda and the local runner
 * alike.
 *
 * @example export const handler = createPlannerHandler({ plan: composePlanner(environment, { dynamo, queue }) });
 */
export function composePlanner(
  environment: StateEnvironment,
  clients: PlannerClients,
  clock: Clock = systemClock,
): PlanFn {
  const { tableName, config } = environment;
  const client = clients.dynamo;
  const store = new DynamoCloseStore({ client, tableName, clock });
  const deployment = new DeploymentState(
    config,
    clock,
    new DynamoDeploymentStateStore({ client, tableName }),
  );
  return () => planCloses({ store, queue: clients.queue, clock, config, deployment });
}

/**
 * Whether the configuration can run on the deployment's recorded state (the planner's check, without
 * recording the change: the planner records it on its next run and acts on what it adds), for the
 * local runner to refuse at start a configuration its data directory cannot follow.
 *
 * @returns the shard count in force now (the configured one when nothing is recorded yet): when it
 *   differs from the configured `shards`, the planner will record the change from an epoch boundary
 * @throws {IncompatibleConfigError} when the configuration cannot run on the recorded state
 */
export async function checkDeployment(
  environment: StateEnvironment,
  clients: Pick<PlannerClients, 'dynamo'>,
  clock: Clock = systemClock,
): Promise<{ shardsInForce: number }> {
  const { tableName, config } = environment;
  const store = new DynamoDeploymentStateStore({ client: clients.dynamo, tableName });
  const layout = await new DeploymentState(config, clock, store).check();
  return { shardsInForce: layout?.shardsAt(clock.nowMs()) ?? config.shards };
}
