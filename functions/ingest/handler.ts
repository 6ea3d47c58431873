/**
 * The ingest Lambda: `POST /v1/metrics` (OTLP/HTTP) and `POST /v1/points`. Everything is built once at
 * cold start (the init phase, where Lambda gives full CPU): environment, DynamoDB client, the use case
 * with its warm series-id cache (lib/compose/ingest). The request path is in the HTTP edge.
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { LAMBDA_SDK_MAX_ATTEMPTS } from '../../lib/compose/environment.js';
import { composeIngest, readIngestEnvironment } from '../../lib/compose/ingest/compose.js';
import { createIngestHandler } from '../../lib/compose/ingest/create-handler.js';

const environment = readIngestEnvironment(process.env);

export const handler = createIngestHandler({
  config: environment.config,
  ingest: composeIngest(environment, {
    dynamo: createDynamoClient({ maxAttempts: LAMBDA_SDK_MAX_ATTEMPTS }),
  }),
});
