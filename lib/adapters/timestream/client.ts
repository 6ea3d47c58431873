/**
 * Timestream write clients, built only when asked (never at import time) from explicit options, like
 * the DynamoDB adapter's `createDynamoClient`: the one `compose` place of each function reads config
 * and env, this module reads nothing.
 */
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { type AwsClientOptions, awsClientConfig } from '../aws-client.js';

/** `requestTimeoutMs` defaults to 5000 for writes (25,000 for queries, see reader.ts). */
export type TimestreamClientOptions = AwsClientOptions;

/**
 * A Timestream write client from explicit options.
 *
 * @example
 * // AWS, in a handler's compose step:
 * const client = createTimestreamWriteClient({ region: config.region, maxAttempts: 2 });
 * // a local fake:
 * const local = createTimestreamWriteClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
 */
export function createTimestreamWriteClient(options: TimestreamClientOptions = {}): TimestreamWriteClient {
  return new TimestreamWriteClient(awsClientConfig(options, 5_000));
}
