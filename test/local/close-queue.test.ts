/**
 * The local stand-in for SQS with a manual clock: at-least-once delivery as SQS events in batches of
 * at most 10, failed records delivered again after the retry delay with a growing receive count, the
 * dead-letter list, and jobs already waiting not queued twice.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeCloseJob, encodeCloseJob } from '#adapters/sqs/close-job.js';
import type { CloseJob } from '#app/close-ports.js';
import { type DeadLetter, LocalCloseQueue, type SqsHandler } from '#local/close-queue.js';
import { lambdaContext } from '../support/apigw.js';
import { ManualClock } from '../support/memory-ports.js';

const T0 = Date.UTC(2026, 10, 25, 17, 0, 0);
const context = lambdaContext('local-close');
const job = (shard: number, windowStartMs = T0, tier = 0): CloseJob => ({
  tier,
  windowStartMs,
  shard,
  correction: false,
});

interface Delivery {
  readonly atMs: number;
  readonly records: { id: string; job: CloseJob; receiveCount: number }[];
}

/**
 * A handler that records every delivery and fails the records `fail` says to fail (by job);
 * `throwWhen` makes the whole invocation throw.
 */
function recordingHandler(
  clock: ManualClock,
  fail: (j: CloseJob, receiveCount: number) => boolean = () => false,
  throwWhen: (event: SQSEvent) => boolean = () => false,
) {
  const deliveries: Delivery[] = [];
  const handler: SqsHandler = async (event): Promise<SQSBatchResponse> => {
    const records = event.Records.map((r) => ({
      id: r.messageId,
      job: decodeCloseJob(r.body),
      receiveCount: Number(r.attributes.ApproximateReceiveCount),
    }));
    deliveries.push({ atMs: clock.now, records });
    if (throwWhen(event)) throw new Error('handler crashed');
    return {
      batchItemFailures: records
        .filter((r) => fail(r.job, r.receiveCount))
        .map((r) => ({ itemIdentifier: r.id })),
    };
  };
  return { handler, deliveries };
}

function setup(options: { maxReceives?: number; retryDelayMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const dead: DeadLetter[] = [];
  const queue = new LocalCloseQueue({ clock, ...options, onDeadLetter: (l) => dead.push(l) });
  return { clock, queue, dead };
}

describe('Class: LocalCloseQueue', () => {
  it('delivers every queued job once as SQS records and empties the queue when all succeed', async () => {
    const { clock, queue } = setup();
    await queue.enqueue([job(0), job(1), job(2, T0, 1)]);
    expect(queue.depth).toBe(3);
    const { handler, deliveries } = recordingHandler(clock);
    expect(await queue.pump(handler, context)).toEqual({ delivered: 3, failed: 0 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.records.map((r) => [r.job, r.receiveCount])).toEqual([
      [job(0), 1],
      [job(1), 1],
      [job(2, T0, 1), 1],
    ]);
    expect(new Set(deliveries[0]?.records.map((r) => r.id)).size).toBe(3);
    expect(queue.depth).toBe(0);
    expect(await queue.pump(handler, context)).toEqual({ delivered: 0, failed: 0 });
  });

  it('builds SQS records the close worker can read: body, messageId, attributes', async () => {
    const { queue } = setup();
    await queue.enqueue([job(4)]);
    let event: SQSEvent | undefined;
    await queue.pump(async (e) => {
      event = e;
      return { batchItemFailures: [] };
    }, context);
    const [record] = event?.Records ?? [];
    expect(record).toMatchObject({
      body: encodeCloseJob(job(4)),
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record?.messageId).toMatch(/\S/);
  });

  it('delivers a failed record again after retryDelayMs, not before, with ApproximateReceiveCount + 1', async () => {
    const { clock, queue } = setup({ retryDelayMs: 5_000 });
    await queue.enqueue([job(0), job(1)]);
    const { handler, deliveries } = recordingHandler(clock, (j, n) => j.shard === 1 && n < 3);

    expect(await queue.pump(handler, context)).toEqual({ delivered: 2, failed: 1 });
    expect(queue.depth).toBe(1);
    clock.now = T0 + 4_999;
    expect(await queue.pump(handler, context)).toEqual({ delivered: 0, failed: 0 });
    clock.now = T0 + 5_000;
    expect(await queue.pump(handler, context)).toEqual({ delivered: 1, failed: 1 });
    clock.now = T0 + 10_000;
    expect(await queue.pump(handler, context)).toEqual({ delivered: 1, failed: 0 });
    expect(queue.depth).toBe(0);

    expect(deliveries.map((d) => [d.atMs - T0, d.records.map((r) => [r.job.shard, r.receiveCount])])).toEqual(
      [
        [
          0,
          [
            [0, 1],
            [1, 1],
          ],
        ],
        [5_000, [[1, 2]]],
        [10_000, [[1, 3]]],
      ],
    );
    // The same message each time.
    expect(
      new Set(deliveries.flatMap((d) => d.records.filter((r) => r.job.shard === 1).map((r) => r.id))).size,
    ).toBe(1);
    expect(queue.deadLetters).toEqual([]);
  });

  it('retries after the default delay of 1 s', async () => {
    const { clock, queue } = setup();
    await queue.enqueue([job(0)]);
    const { handler, deliveries } = recordingHandler(clock, (_j, n) => n === 1);
    await queue.pump(handler, context);
    clock.now = T0 + 999;
    await queue.pump(handler, context);
    clock.now = T0 + 1_000;
    await queue.pump(handler, context);
    expect(deliveries.map((d) => d.atMs - T0)).toEqual([0, 1_000]);
  });

  it('moves a message to the dead-letter list after maxReceives deliveries and calls onDeadLetter once', async () => {
    const { clock, queue, dead } = setup({ maxReceives: 3, retryDelayMs: 100 });
    await queue.enqueue([job(7), job(8)]);
    const { handler, deliveries } = recordingHandler(clock, (j) => j.shard === 7);
    for (let i = 0; i < 10; i++) {
      await queue.pump(handler, context);
      clock.now += 100;
    }
    const letter = { body: encodeCloseJob(job(7)), receiveCount: 3 };
    expect(dead).toEqual([letter]);
    expect(queue.deadLetters).toEqual([letter]);
    expect(queue.depth).toBe(0);
    expect(
      deliveries.flatMap((d) => d.records.filter((r) => r.job.shard === 7).map((r) => r.receiveCount)),
    ).toEqual([1, 2, 3]);
  });

  it('dead-letters after 5 deliveries by default, even with no retry delay', async () => {
    const { clock, queue, dead } = setup({ retryDelayMs: 0 });
    await queue.enqueue([job(0)]);
    const { handler, deliveries } = recordingHandler(clock, () => true);
    expect(await queue.pump(handler, context)).toEqual({ delivered: 5, failed: 5 });
    expect(deliveries.map((d) => d.records[0]?.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(dead).toEqual([{ body: encodeCloseJob(job(0)), receiveCount: 5 }]);
  });

  it('fails the whole batch when the handler throws', async () => {
    const { clock, queue } = setup({ retryDelayMs: 1_000 });
    await queue.enqueue([job(0), job(1), job(2)]);
    let crashes = 1;
    const { handler, deliveries } = recordingHandler(
      clock,
      () => false,
      () => crashes-- > 0,
    );
    expect(await queue.pump(handler, context)).toEqual({ delivered: 3, failed: 3 });
    expect(queue.depth).toBe(3);
    clock.now = T0 + 1_000;
    expect(await queue.pump(handler, context)).toEqual({ delivered: 3, failed: 0 });
    expect(deliveries[1]?.records.map((r) => r.receiveCount)).toEqual([2, 2, 2]);
    expect(queue.depth).toBe(0);
  });

  it('delivers in batches of at most 10', async () => {
    const { clock, queue } = setup();
    await queue.enqueue(Array.from({ length: 25 }, (_, shard) => job(shard)));
    const { handler, deliveries } = recordingHandler(clock);
    expect(await queue.pump(handler, context)).toEqual({ delivered: 25, failed: 0 });
    expect(deliveries.map((d) => d.records.length)).toEqual([10, 10, 5]);
    expect(deliveries.flatMap((d) => d.records.map((r) => r.job.shard))).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it('queues a job once while it waits, and again once it was delivered', async () => {
    const { clock, queue } = setup({ retryDelayMs: 1_000 });
    await queue.enqueue([job(0), job(1)]);
    await queue.enqueue([job(0), { ...job(0) }, job(1)]);
    expect(queue.depth).toBe(2);
    const { handler, deliveries } = recordingHandler(clock, (j, n) => j.shard === 1 && n === 1);
    await queue.pump(handler, context);
    // job(1) waits for its retry: the planner enqueuing it again does not add a second message.
    await queue.enqueue([job(1), job(0)]);
    expect(queue.depth).toBe(2);
    clock.now = T0 + 1_000;
    await queue.pump(handler, context);
    expect(deliveries.map((d) => d.records.map((r) => [r.job.shard, r.receiveCount]))).toEqual([
      [
        [0, 1],
        [1, 1],
      ],
      [
        [1, 2],
        [0, 1],
      ],
    ]);
    // A correction of the same window is a different job.
    await queue.enqueue([job(0), { ...job(0), correction: true }]);
    expect(queue.depth).toBe(2);
  });

  it('delivers jobs enqueued while a pump runs (a close cascading to the next job)', async () => {
    const { clock, queue } = setup();
    await queue.enqueue([job(0)]);
    const { handler: inner, deliveries } = recordingHandler(clock);
    let cascades = 0;
    const handler: SqsHandler = async (event, ctx) => {
      const response = await inner(event, ctx);
      if (cascades < 2) {
        cascades++;
        await queue.enqueue([job(0, T0 + cascades * 60_000)]);
      }
      return response;
    };
    expect(await queue.pump(handler, context)).toEqual({ delivered: 3, failed: 0 });
    expect(deliveries.map((d) => d.records.map((r) => r.job.windowStartMs - T0))).toEqual([
      [0],
      [60_000],
      [120_000],
    ]);
    expect(queue.depth).toBe(0);
  });

  // Local only: SQS would deliver the second copy too. Harmless for the local stack, whose planner
  // runs between pumps, and closes are idempotent; a correction's mark outlives its job.
  it('does not add a job enqueued again while it is in flight', async () => {
    const { clock, queue } = setup({ retryDelayMs: 0 });
    await queue.enqueue([job(0)]);
    const seen: number[] = [];
    const { handler: inner } = recordingHandler(clock);
    const handler: SqsHandler = async (event, ctx) => {
      seen.push(event.Records.length);
      // Re-enqueue the very job in flight: it is already queued, so not added.
      await queue.enqueue([job(0)]);
      return inner(event, ctx);
    };
    expect(await queue.pump(handler, context)).toEqual({ delivered: 1, failed: 0 });
    expect(seen).toEqual([1]);
  });
});
