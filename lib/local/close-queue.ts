/**
 * The local stand-in for the SQS close queue (DESIGN.md §1): at-least-once delivery to the close
 * worker's own handler as SQS events, failed records retried after a delay, and a dead-letter list
 * past `maxReceives` deliveries — logged, like an alarm on the real DLQ would be. A job already
 * waiting is not queued twice (SQS would deliver both; closes are idempotent either way).
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeCloseJob } from '../adapters/sqs/close-job.js';
import type { CloseJob, CloseQueue } from '../app/close-ports.js';
import type { Clock } from '../app/ports.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface Message {
  readonly id: string;
  readonly body: string;
  receiveCount: number;
  visibleAtMs: number;
}

export interface DeadLetter {
  readonly body: string;
  readonly receiveCount: number;
}

export interface LocalCloseQueueOptions {
  readonly clock: Clock;
  /** Deliveries before a message goes to the dead-letter list (default 5, like the AWS redrive policy). */
  readonly maxReceives?: number;
  /** Delay before a failed message is delivered again (default 1 s). */
  readonly retryDelayMs?: number;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
}

export class LocalCloseQueue implements CloseQueue {
  private readonly messages = new Map<string, Message>();
  readonly deadLetters: DeadLetter[] = [];
  private sequence = 0;

  constructor(private readonly options: LocalCloseQueueOptions) {}

  async enqueue(jobs: readonly CloseJob[]): Promise<void> {
    const now = this.options.clock.nowMs();
    for (const job of jobs) {
      const body = encodeCloseJob(job);
      if (this.messages.has(body)) continue;
      this.messages.set(body, { id: `local-${++this.sequence}`, body, receiveCount: 0, visibleAtMs: now });
    }
  }

  get depth(): number {
    return this.messages.size;
  }

  /**
   * Delivers every visible message to `handler` in batches of 10 until none is visible; returns how
   * many deliveries failed.
   */
  async pump(handler: SqsHandler, context: Context): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (;;) {
      const now = this.options.clock.nowMs();
      const visible = [...this.messages.values()].filter((m) => m.visibleAtMs <= now).slice(0, 10);
      if (visible.length === 0) return { delivered, failed };
      for (const m of visible) {
        m.receiveCount++;
        m.visibleAtMs = Number.POSITIVE_INFINITY; // in flight
      }
      let failures: Set<string>;
      try {
        const response = await handler({ Records: visible.map(sqsRecord) }, context);
        failures = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        failures = new Set(visible.map((m) => m.id));
      }
      delivered += visible.length;
      for (const m of visible) {
        if (!failures.has(m.id)) {
          this.messages.delete(m.body);
          continue;
        }
        failed++;
        if (m.receiveCount >= (this.options.maxReceives ?? 5)) {
          this.messages.delete(m.body);
          const letter = { body: m.body, receiveCount: m.receiveCount };
          this.deadLetters.push(letter);
          this.options.onDeadLetter?.(letter);
        } else {
          m.visibleAtMs = this.options.clock.nowMs() + (this.options.retryDelayMs ?? 1_000);
        }
      }
    }
  }
}

function sqsRecord(m: Message): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: m.id,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: '0',
      SenderId: 'windrow-local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:windrow-close',
    awsRegion: 'local',
  };
}
