/**
 * The close worker Lambda: SQS batches of close jobs from the planner, each closed with
 * `closeWindow`; failed jobs are reported as partial batch failures and come back after the
 * visibility timeout (then to the dead-letter queue). Built once at cold start: one DynamoDB client
 * for the state table (and the results table when the sink is DynamoDB), a Timestream write client
 * when it is Timestream, one PostgreSQL connection when it is PostgreSQL. Region and credentials from the Lambda environment;
 * `AWS_ENDPOINT_URL_DYNAMODB` / `…_TIMESTREAM_WRITE` are honoured by the SDK (tests).
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { createTimestreamWriteClient } from '../../lib/adapters/timestream/client.js';
import { composeClose, readCloseEnvironment } from '../../lib/compose/close-worker/compose.js';
import { createCloseWorkerHandler } from '../../lib/compose/close-worker/create-handler.js';
import { LAMBDA_SDK_MAX_ATTEMPTS } from '../../lib/compose/environment.js';
import { postgresClient } from '../../lib/compose/sinks/postgres-client.js';

const environment = readCloseEnvironment(process.env);
const maxAttempts = LAMBDA_SDK_MAX_ATTEMPTS;

export const handler = createCloseWorkerHandler({
  close: composeClose(environment, {
    dynamo: createDynamoClient({ maxAttempts }),
    timestreamWrite:
      environment.sink.kind === 'timestream' ? createTimestreamWriteClient({ maxAttempts }) : undefined,
    // One connection per container, reused across invocations; the schema is migrated at first use.
    postgres: postgresClient(environment.sink, environment.config),
  }),
  tierNames: environment.config.tiers.map((t) => t.name),
});
