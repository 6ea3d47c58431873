/**
 * Timestream write clients, built only when asked (never at import time) from explicit options, like
 * the DynamoDB adapter's `createDynamoClient`: the one `compose` place of each function reads config
 * and env, this module reads nothing.
 */
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';

export interface TimestreamClientOptions {
  /**
   * A fixed endpoint (a local fake, a VPC endpoint); unset for AWS, where the SDK discovers the
   * account's ingest endpoint (DescribeEndpoints) as Timestream requires.
   */
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
   * SDK-level attempts per request (SDK default 3). The sink runs its own bounded backoff on top, so a
   * small number keeps the total budget predictable.
   */
  readonly maxAttempts?: number;
  /** Per-request timeout (ms); a hung socket becomes a retryable `TimeoutError`. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** TCP connect timeout (ms). Default 1000. */
  readonly connectionTimeoutMs?: number;
}

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
  return new TimestreamWriteClient({
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
