/**
 * The close worker as a factory (the Lambda entry, the local runner and tests give it their `close`): an SQS
 * event handler with partial batch failures (Powertools Batch), wrapped in middy with Powertools
 * `injectLambdaContext`. Jobs run one at a time in (tier, window, shard) order, so a batch holding
 * consecutive windows of one shard closes them in order. Each job's metric (./telemetry.ts) is
 * published as the job ends, so there is no `logMetrics` flush (it would warn for a batch with none).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeCloseJob } from '../../adapters/sqs/close-job.js';
import type { CloseJob } from '../../app/close-ports.js';
import type { CloseFn } from './compose.js';
import {
  CLOSE_SERVICE,
  type CloseTelemetry,
  METRICS_NAMESPACE,
  recordClosed,
  recordFailed,
} from './telemetry.js';

export interface CloseWorkerOptions {
  readonly close: CloseFn;
  readonly tierNames: readonly string[];
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export type CloseWorkerHandler = MiddyfiedHandler<SQSEvent, SQSBatchResponse, Error, Context>;

function jobOrNull(record: SQSRecord): CloseJob | undefined {
  try {
    return decodeCloseJob(record.body);
  } catch {
    return undefined;
  }
}

function order(a: SQSRecord, b: SQSRecord): number {
  const x = jobOrNull(a);
  const y = jobOrNull(b);
  if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
  return x.tier - y.tier || x.shard - y.shard || x.windowStartMs - y.windowStartMs;
}

/** @example export const handler = createCloseWorkerHandler({ close: composeClose(environment, { dynamo }), tierNames }); */
export function createCloseWorkerHandler(options: CloseWorkerOptions): CloseWorkerHandler {
  const logger = options.logger ?? new Logger({ serviceName: CLOSE_SERVICE });
  const metrics =
    options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: CLOSE_SERVICE, logger });
  const telemetry: CloseTelemetry = { logger, metrics, tierNames: options.tierNames };

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    let job: CloseJob | undefined;
    try {
      job = decodeCloseJob(record.body);
      recordClosed(telemetry, await options.close(job), receiveCount);
    } catch (error) {
      recordFailed(telemetry, job, error, receiveCount);
      throw error;
    }
  };

  const serve = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    const sorted = { ...event, Records: [...event.Records].sort(order) };
    return processPartialResponse(sorted, recordHandler, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };

  return middy<SQSEvent, SQSBatchResponse, Error, Context>(serve).use(injectLambdaContext(logger));
}
