/**
 * What a Powertools-instrumented handler writes, read back the way CloudWatch would see it: one JSON
 * record per line from stdout and stderr (WARN and ERROR go to stderr), log lines and EMF blobs told
 * apart by `_aws`. Shared by the ingest, close worker and planner handler tests.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';

export type LogRecord = Record<string, unknown>;

export interface EmfRecord extends LogRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
}

/** Everything written to stdout and stderr while `run` runs, one record per line. */
export async function captureOutput(run: () => Promise<void>): Promise<LogRecord[]> {
  const chunks: string[] = [];
  const record = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.startsWith('{') ? (JSON.parse(line) as LogRecord) : { unstructured: line }));
}

export const isEmf = (r: LogRecord): r is EmfRecord => '_aws' in r;
export const logs = (records: LogRecord[]): LogRecord[] => records.filter((r) => !isEmf(r));
export const emf = (records: LogRecord[]): EmfRecord[] => records.filter(isEmf);
/** The EMF blobs declaring metric `name`. */
export const metric = (records: LogRecord[], name: string): EmfRecord[] =>
  emf(records).filter((r) => r._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name));
/** The metric names an EMF blob declares. */
export const metricNames = (r: EmfRecord | undefined): string[] =>
  (r?._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => m.Name).sort();
export const dimensions = (r: EmfRecord | undefined): string[][] | undefined =>
  r?._aws.CloudWatchMetrics[0]?.Dimensions;

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(functionName: string, awsRequestId = 'lambda-req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface RecordSpec {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount?: number;
}

/** One SQS record as the Lambda event source mapping delivers it. */
export function sqsRecord({ messageId, body, receiveCount = 1 }: RecordSpec): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1795633200000',
      SenderId: 'AROAEXAMPLE:windrow-planner',
      ApproximateFirstReceiveTimestamp: '1795633200001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:windrow-close',
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(records: readonly RecordSpec[]): SQSEvent {
  return { Records: records.map(sqsRecord) };
}
