/** The query side of the sink choice: the reader each setting names, on the clients given. */
import { describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { createTimestreamQueryClient, TimestreamReader } from '#adapters/timestream/reader.js';
import { resultReader } from '#compose/sinks/reader.js';
import { parseConfig } from '#core/config/config.js';
import { ManualClock } from '../../support/memory-ports.js';

const dynamo = createLocalDynamoClient('http://127.0.0.1:9');
const clock = new ManualClock(0);
const config = parseConfig({});

describe('Function: resultReader', () => {
  it('reads the DynamoDB results table or Timestream, as the settings say', () => {
    expect(
      resultReader({ kind: 'dynamodb', resultsTable: 'r' }, { dynamo }, 'state', clock, config),
    ).toBeInstanceOf(DynamoResultsReader);
    const timestreamQuery = createTimestreamQueryClient({ endpoint: 'http://127.0.0.1:9', region: 'local' });
    expect(
      resultReader(
        { kind: 'timestream', databaseName: 'windrow' },
        { dynamo, timestreamQuery },
        'state',
        clock,
        config,
      ),
    ).toBeInstanceOf(TimestreamReader);
  });

  it('refuses Timestream without a Timestream query client', () => {
    expect(() =>
      resultReader({ kind: 'timestream', databaseName: 'db' }, { dynamo }, 'state', clock, config),
    ).toThrow(/Timestream query client/);
  });
});
