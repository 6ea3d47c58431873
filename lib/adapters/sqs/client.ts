/** The SQS client, built only when asked from explicit options (see aws-client.ts), like the others. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, awsClientConfig } from '../aws-client.js';

/** `requestTimeoutMs` defaults to 5000 for SQS (a SendMessageBatch of ten close jobs). */
export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return new SQSClient(awsClientConfig(options, 5_000));
}
