/**
 * DynamoDB clients, built only when asked (never at import time) from explicit options: the one
 * `compose` place of each function reads config and env, this module reads nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoClientOptions {
  /** e.g. `http://127.0.0.1:4567` for dynalite; unset for AWS. */
  readonly endpoint?: string;
  /** Unset: the SDK's default chain (in Lambda, `AWS_REGION`). */
  readonly region?: string;
  /** Unset: the SDK's default credential chain. */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /**
   * SDK-level attempts per request (SDK default 3). The window store and catalog run their own
   * bounded backoff on top (see `retry.ts`), so a small number keeps the total budget predictable.
   */
  readonly maxAttempts?: number;
  /** Per-request timeout (ms); a hung socket becomes a retryable `TimeoutError`. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** TCP connect timeout (ms). Default 1000. */
  readonly connectionTimeoutMs?: number;
}

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
  return new DynamoDBClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5000,
      connectionTimeout: options.connectionTimeoutMs ?? 1000,
    },
  });
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
