/**
 * The planner Lambda, on an EventBridge Scheduler schedule (every minute): enqueues the close jobs
 * that are due (DESIGN.md §6) on the close queue. Built once at cold start.
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { createSqsClient } from '../../lib/adapters/sqs/client.js';
import { SqsCloseQueue } from '../../lib/adapters/sqs/close-queue.js';
import { LAMBDA_SDK_MAX_ATTEMPTS } from '../../lib/compose/environment.js';
import { composePlanner, readPlannerEnvironment } from '../../lib/compose/planner/compose.js';
import { createPlannerHandler } from '../../lib/compose/planner/create-handler.js';

const environment = readPlannerEnvironment(process.env);

export const handler = createPlannerHandler({
  plan: composePlanner(environment, {
    dynamo: createDynamoClient({ maxAttempts: LAMBDA_SDK_MAX_ATTEMPTS }),
    queue: new SqsCloseQueue({
      client: createSqsClient({ maxAttempts: LAMBDA_SDK_MAX_ATTEMPTS }),
      queueUrl: environment.queueUrl,
    }),
  }),
});
