/**
 * The query side of the sink choice (settings.ts): the {@link ResultReader} closed windows are read
 * back from.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { DynamoResultsReader } from '../../adapters/dynamodb/results-reader.js';
import { DynamoSeriesLookup } from '../../adapters/dynamodb/series-lookup.js';
import type { PostgresDatabase } from '../../adapters/postgres/connection.js';
import { PostgresResultReader } from '../../adapters/postgres/reader.js';
import { schemaLayout } from '../../adapters/postgres/schema.js';
import { TimestreamReader } from '../../adapters/timestream/reader.js';
import type { Clock } from '../../app/ports.js';
import type { ResultReader } from '../../app/results.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { requireClient, type SinkSettings } from './settings.js';

export interface SinkReaderClients {
  readonly dynamo: DynamoDBClient;
  /** Needed when the sink is Timestream (made only then: a client costs cold-start time). */
  readonly timestreamQuery?: TimestreamQueryClient;
  /** Needed when the sink is PostgreSQL: the pool and its schema (sinks/postgres.ts makes it). */
  readonly postgres?: PostgresDatabase;
}

/**
 * @param stateTable the series catalog's table (the Timestream reader takes exact attributes from it)
 * @param config the windows and percentiles (the PostgreSQL reader's tables and columns)
 * @throws {ConfigError} when the sink's client is missing
 */
export function resultReader(
  sink: SinkSettings,
  clients: SinkReaderClients,
  stateTable: string,
  clock: Clock,
  config: WindrowConfig,
): ResultReader {
  switch (sink.kind) {
    case 'dynamodb':
      return new DynamoResultsReader({
        client: clients.dynamo,
        tableName: sink.resultsTable,
        clock,
        percentiles: config.percentiles,
      });
    case 'timestream':
      return new TimestreamReader({
        client: requireClient(clients.timestreamQuery, 'a Timestream query client'),
        databaseName: sink.databaseName,
        // Exact attributes from the catalog: the sink may have renamed or cut dimensions.
        lookup: new DynamoSeriesLookup({ client: clients.dynamo, tableName: stateTable }),
      });
    case 'postgres':
      return new PostgresResultReader({
        database: requireClient(clients.postgres, 'a PostgreSQL connection'),
        layout: schemaLayout(config),
      });
  }
}
