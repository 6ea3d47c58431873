/** The close worker's side of the sink choice: the sink each setting names, on the clients given. */
import { describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoResultsSink } from '#adapters/dynamodb/results-sink.js';
import { createTimestreamWriteClient } from '#adapters/timestream/client.js';
import { TimestreamSink } from '#adapters/timestream/sink.js';
import { DeploymentState } from '#app/deployment-state.js';
import { resultSink } from '#compose/sinks/writer.js';
import { parseConfig } from '#core/config/config.js';
import { ManualClock } from '../../support/memory-ports.js';

const config = parseConfig({});
const deployment = new DeploymentState(config, new ManualClock(0));
const dynamo = createLocalDynamoClient('http://127.0.0.1:9');

describe('Function: resultSink', () => {
  it('writes to the DynamoDB results table or to Timestream, as the settings say', () => {
    expect(
      resultSink({ kind: 'dynamodb', resultsTable: 'r' }, { dynamo }, config, deployment),
    ).toBeInstanceOf(DynamoResultsSink);
    const timestreamWrite = createTimestreamWriteClient({ endpoint: 'http://127.0.0.1:9', region: 'local' });
    expect(
      resultSink(
        { kind: 'timestream', databaseName: 'windrow' },
        { dynamo, timestreamWrite },
        config,
        deployment,
      ),
    ).toBeInstanceOf(TimestreamSink);
  });

  it('refuses Timestream without a Timestream write client', () => {
    expect(() =>
      resultSink({ kind: 'timestream', databaseName: 'db' }, { dynamo }, config, deployment),
    ).toThrow(/Timestream write client/);
  });
});
