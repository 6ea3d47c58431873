/**
 * The options every windrow AWS SDK client takes, and the SDK configuration they map to — one place
 * for DynamoDB, Timestream write and Timestream query clients. Clients are built only when asked
 * (never at import time) from explicit options: the one `compose` place of each function reads
 * config and env, the adapters read nothing.
 */
export interface AwsClientOptions {
  /** A fixed endpoint (dynalite, a local fake, a VPC endpoint); unset for AWS. */
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
   * SDK-level attempts per request (SDK default 3). The adapters run their own bounded backoff on
   * top, so a small number keeps the total budget predictable.
   */
  readonly maxAttempts?: number;
  /** Per-request timeout (ms); a hung socket becomes a retryable `TimeoutError`. */
  readonly requestTimeoutMs?: number;
  /** TCP connect timeout (ms). Default 1000. */
  readonly connectionTimeoutMs?: number;
}

/**
 * The SDK client configuration for `options`, with `defaultRequestTimeoutMs` when none is given.
 *
 * @example new DynamoDBClient(awsClientConfig({ endpoint, maxAttempts: 2 }, 5_000))
 */
export function awsClientConfig(options: AwsClientOptions, defaultRequestTimeoutMs: number) {
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? defaultRequestTimeoutMs,
      connectionTimeout: options.connectionTimeoutMs ?? 1000,
    },
  };
}
