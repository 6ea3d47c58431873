/**
 * The ingest Lambda: `POST /v1/metrics` (OTLP/HTTP) and `POST /v1/points`. Environment read once at
 * cold start; everything else is in {@link createIngestHandler}.
 */
import { ConfigError } from '../../lib/core/errors.js';
import { composeIngest, type IngestPortsFactory, lazyIngest, readIngestEnvironment } from './compose.js';
import { createIngestHandler } from './create-handler.js';

const environment = readIngestEnvironment(process.env);

/**
 * TODO(compose): the DynamoDB `WindowStore` and `SeriesCatalog` come from functions/compose.ts once
 * lib/adapters/dynamodb lands; until then every request answers 500 and logs this error.
 */
const ingestPorts: IngestPortsFactory = () => {
  throw new ConfigError('ingest: no WindowStore/SeriesCatalog wired yet (functions/compose.ts)');
};

export const handler = createIngestHandler({
  config: environment.config,
  ingest: lazyIngest(async () => composeIngest(environment, await ingestPorts(environment))),
});
