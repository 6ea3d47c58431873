/**
 * The ingest ports in AWS: one DynamoDB client per Lambda container for the window store and the
 * series catalog. Region and credentials come from the Lambda environment through the SDK's default
 * chains; the SDK also honours `AWS_ENDPOINT_URL_DYNAMODB` (tests point it at dynalite).
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { DynamoDeploymentStateStore } from '../../lib/adapters/dynamodb/deployment-state-store.js';
import { DynamoSeriesBudget } from '../../lib/adapters/dynamodb/series-budget.js';
import { DynamoSeriesCatalog } from '../../lib/adapters/dynamodb/series-catalog.js';
import { DynamoWindowStore } from '../../lib/adapters/dynamodb/window-store.js';
import type { IngestEnvironment, IngestPorts } from './compose.js';

/**
 * SDK attempts per call. The store and the catalog run their own bounded, jittered backoff for
 * throttling, 5xx and network errors (lib/adapters/dynamodb/retry.ts); SDK retries on top would
 * multiply that budget past the API Gateway timeout (30 s). Two still absorbs a stale connection.
 */
const SDK_MAX_ATTEMPTS = 2;

/** @example const ports = awsIngestPorts(readIngestEnvironment(process.env)); */
export function awsIngestPorts(environment: IngestEnvironment): IngestPorts {
  const client = createDynamoClient({ maxAttempts: SDK_MAX_ATTEMPTS });
  const { tableName } = environment;
  return {
    store: new DynamoWindowStore({ client, tableName }),
    catalog: new DynamoSeriesCatalog({ client, tableName }),
    budget: new DynamoSeriesBudget({ client, tableName }),
    deploymentStore: new DynamoDeploymentStateStore({ client, tableName }),
  };
}
