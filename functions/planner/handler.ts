/**
 * The planner Lambda, on an EventBridge Scheduler schedule (every minute): enqueues the close jobs
 * that are due (DESIGN.md §6) on the close queue. Built once at cold start.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { DynamoCloseStore } from '../../lib/adapters/dynamodb/close-store.js';
import { DynamoDeploymentStateStore } from '../../lib/adapters/dynamodb/deployment-state-store.js';
import { SqsCloseQueue } from '../../lib/adapters/sqs/close-queue.js';
import { DeploymentState } from '../../lib/app/deployment-state.js';
import { planCloses } from '../../lib/app/plan-closes.js';
import { systemClock } from '../../lib/app/ports.js';
import { configFromEnv, requireEnv } from '../shared/environment.js';
import { createPlannerHandler } from './create-handler.js';

const config = configFromEnv(process.env);
const dynamo = createDynamoClient({ maxAttempts: 2 });
const store = new DynamoCloseStore({
  client: dynamo,
  tableName: requireEnv(process.env, 'WINDROW_STATE_TABLE'),
});
const queue = new SqsCloseQueue({
  client: new SQSClient({}),
  queueUrl: requireEnv(process.env, 'WINDROW_CLOSE_QUEUE_URL'),
});

const deployment = new DeploymentState(
  config,
  systemClock,
  new DynamoDeploymentStateStore({
    client: dynamo,
    tableName: requireEnv(process.env, 'WINDROW_STATE_TABLE'),
  }),
);

export const handler = createPlannerHandler({
  plan: () => planCloses({ store, queue, clock: systemClock, config, deployment }),
});
