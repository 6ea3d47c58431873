/**
 * The close worker's side of the sink choice (settings.ts): the {@link ResultSink} closed windows
 * are written to.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { DynamoResultsSink, groupByLayout } from '../../adapters/dynamodb/results-sink.js';
import type { PostgresDatabase } from '../../adapters/postgres/connection.js';
import { schemaLayout } from '../../adapters/postgres/schema.js';
import { PostgresResultSink } from '../../adapters/postgres/sink.js';
import { TimestreamSink } from '../../adapters/timestream/sink.js';
import type { DeploymentState } from '../../app/deployment-state.js';
import type { ResultSink } from '../../app/results.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { requireClient, type SinkSettings } from './settings.js';

export interface SinkWriterClients {
  readonly dynamo: DynamoDBClient;
  /** Needed when the sink is Timestream (made only then: a client costs cold-start time). */
  readonly timestreamWrite?: TimestreamWriteClient;
  /** Needed when the sink is PostgreSQL: the pool and its schema (sinks/postgres.ts makes it). */
  readonly postgres?: PostgresDatabase;
}

/**
 * @param deployment the shard layout, by which the DynamoDB sink groups its records
 * @throws {ConfigError} when the sink's client is missing
 */
export function resultSink(
  sink: SinkSettings,
  clients: SinkWriterClients,
  config: WindrowConfig,
  deployment: DeploymentState,
): ResultSink {
  switch (sink.kind) {
    case 'dynamodb':
      return new DynamoResultsSink({
        client: clients.dynamo,
        tableName: sink.resultsTable,
        groupOf: groupByLayout(() => deployment.latest()),
        retentionMs: config.retentionMs,
      });
    case 'timestream':
      return new TimestreamSink({
        client: requireClient(clients.timestreamWrite, 'a Timestream write client'),
        databaseName: sink.databaseName,
      });
    case 'postgres':
      return new PostgresResultSink({
        database: requireClient(clients.postgres, 'a PostgreSQL connection'),
        layout: schemaLayout(config),
      });
  }
}
