/**
 * The close worker's ports in AWS: one DynamoDB client for the state table (and the results table
 * when the sink is DynamoDB), a Timestream write client when it is Timestream. Region and
 * credentials from the Lambda environment; `AWS_ENDPOINT_URL_DYNAMODB` / `…_TIMESTREAM_WRITE` are
 * honoured by the SDK (tests).
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { DynamoCloseStore } from '../../lib/adapters/dynamodb/close-store.js';
import { DynamoDeploymentStateStore } from '../../lib/adapters/dynamodb/deployment-state-store.js';
import { DynamoResultsSink, groupByLayout } from '../../lib/adapters/dynamodb/results-sink.js';
import { DynamoSeriesLookup } from '../../lib/adapters/dynamodb/series-lookup.js';
import { DynamoSessionStore } from '../../lib/adapters/dynamodb/session-store.js';
import { createTimestreamWriteClient } from '../../lib/adapters/timestream/client.js';
import { TimestreamSink } from '../../lib/adapters/timestream/sink.js';
import { DeploymentState } from '../../lib/app/deployment-state.js';
import { systemClock } from '../../lib/app/ports.js';
import type { ResultSink } from '../../lib/app/results.js';
import type { CloseEnvironment, ClosePorts } from './compose.js';

/** The adapters run their own bounded backoff; two SDK attempts absorb a stale connection. */
const SDK_MAX_ATTEMPTS = 2;

export function awsClosePorts(environment: CloseEnvironment): ClosePorts {
  const client = createDynamoClient({ maxAttempts: SDK_MAX_ATTEMPTS });
  const { tableName, config } = environment;
  const deployment = new DeploymentState(
    config,
    systemClock,
    new DynamoDeploymentStateStore({ client, tableName }),
  );
  let sink: ResultSink;
  if (environment.resultsTable !== undefined) {
    sink = new DynamoResultsSink({
      client,
      tableName: environment.resultsTable,
      groupOf: groupByLayout(() => deployment.latest()),
      retentionMs: config.retentionMs,
    });
  } else {
    sink = new TimestreamSink({
      client: createTimestreamWriteClient({ maxAttempts: SDK_MAX_ATTEMPTS }),
      databaseName: environment.timestreamDatabase ?? '',
    });
  }
  return {
    store: new DynamoCloseStore({ client, tableName }),
    sessions: new DynamoSessionStore({ client, tableName }),
    lookup: new DynamoSeriesLookup({ client, tableName }),
    sink,
    deployment,
  };
}
