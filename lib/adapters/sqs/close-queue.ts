/**
 * The close queue on Amazon SQS: the planner sends close jobs with SendMessageBatch (10 a call), the
 * close worker receives them as SQS events. Entries SQS reports as failed in a batch are sent again
 * with backoff; when the budget runs out the call throws, so the planner's run fails loudly and the
 * next run enqueues the same jobs again (jobs are idempotent).
 */

import { setTimeout as delay } from 'node:timers/promises';
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { CloseJob, CloseQueue } from '../../app/close-ports.js';
import { StoreUnavailableError } from '../../app/errors.js';
import { translateError } from '../shared/sdk-errors.js';
import { encodeCloseJob } from './close-job.js';

export interface SqsCloseQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Attempts for entries SQS failed in a batch (default 5). */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const BATCH = 10;

/** @example await new SqsCloseQueue({ client, queueUrl }).enqueue(jobs); */
export class SqsCloseQueue implements CloseQueue {
  constructor(private readonly options: SqsCloseQueueOptions) {}

  async enqueue(jobs: readonly CloseJob[]): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => delay(ms));
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let i = 0; i < jobs.length; i += BATCH) {
      let pending = jobs
        .slice(i, i + BATCH)
        .map((job, n) => ({ Id: String(n), MessageBody: encodeCloseJob(job) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        let output: SendMessageBatchCommandOutput;
        try {
          output = await this.options.client.send(
            new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: pending }),
          );
        } catch (error) {
          // The SDK already retried throttling, 5xx and network errors (its standard retry mode).
          throw translateError(error, `close queue SendMessageBatch (${pending.length} jobs)`, 60);
        }
        const failed = new Set((output.Failed ?? []).map((f) => f.Id));
        const permanent = (output.Failed ?? []).find((f) => f.SenderFault);
        if (permanent !== undefined) {
          throw new StoreUnavailableError(
            `close queue refused a job: ${permanent.Code} ${permanent.Message ?? ''}`,
            60,
          );
        }
        pending = pending.filter((e) => failed.has(e.Id));
        if (pending.length > 0 && attempt >= maxAttempts) {
          throw new StoreUnavailableError(
            `close queue: ${pending.length} jobs not sent after ${attempt} attempts`,
            60,
          );
        }
        if (pending.length > 0) await sleep(Math.floor(Math.random() * Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }
}
