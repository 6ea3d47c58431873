/**
 * DynamoDB clients, built only when asked (never at import time) from explicit options: the one
 * `compose` place of each function reads config and env, this module reads nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, awsClientConfig } from '../aws-client.js';

/** `requestTimeoutMs` defaults to 5000 for DynamoDB. */
export type DynamoClientOptions = AwsClientOptions;

/**
 * A DynamoDB client from explicit options.
 *
 * @example
 * // AWS, in a handler's compose step:
 * const client = createDynamoClient({ region: config.region });
 * // dynalite:
 * const local = createDynamoClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 */
export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(awsClientConfig(options, 5_000));
}

/** Dummy credentials: dynalite checks that a request is signed, not by whom. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** A client for dynalite (or DynamoDB Local) at `endpoint`: region `local`, dummy credentials. */
export function createLocalDynamoClient(
  endpoint: string,
  options: Omit<DynamoClientOptions, 'endpoint' | 'region' | 'credentials'> = {},
): DynamoDBClient {
  return createDynamoClient({ ...options, endpoint, region: 'local', credentials: LOCAL_CREDENTIALS });
}
