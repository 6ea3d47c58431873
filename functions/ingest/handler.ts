/**
 * The ingest Lambda: `POST /v1/metrics` (OTLP/HTTP) and `POST /v1/points`. Everything is built once at
 * cold start (the init phase, where Lambda gives full CPU): environment, DynamoDB client, the use case
 * with its warm series-id cache. The request path is in {@link createIngestHandler}.
 */
import { awsIngestPorts } from './aws-ports.js';
import { composeIngest, readIngestEnvironment } from './compose.js';
import { createIngestHandler } from './create-handler.js';

const environment = readIngestEnvironment(process.env);

export const handler = createIngestHandler({
  config: environment.config,
  ingest: composeIngest(environment, awsIngestPorts(environment)),
});
