/**
 * The middy-wrapped close worker with a fake `close`: SQS batches with partial batch failures, the
 * order jobs run in, one log line per job, and windrow's only CloudWatch metrics — CloseLag,
 * Corrections and JobsFailed, with no dimension but `service` (the tier as EMF metadata) — read back
 * from stdout/stderr as CloudWatch would see them. The exact set of metric streams is asserted, so a
 * removed metric coming back (SeriesClosed, JobsProcessed, JobsRetried, …) or a kept one going fails.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeCloseJob } from '#adapters/sqs/close-job.js';
import { WindowNotReadyError } from '#app/close-errors.js';
import type { CloseJob } from '#app/close-ports.js';
import type { CloseOutcome } from '#app/close-window.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { CloseFn } from '#compose/close-worker/compose.js';
import { createCloseWorkerHandler } from '#compose/close-worker/create-handler.js';
import { CLOSE_SERVICE } from '#compose/close-worker/telemetry.js';
import {
  captureOutput,
  dimensions,
  emf,
  type LogRecord,
  lambdaContext,
  logs,
  metric,
  metricNames,
  type RecordSpec,
  sqsEvent,
} from '../../support/lambda-output.js';

const TIERS = ['1m', '1h', '1d'];
const T0 = Date.UTC(2026, 10, 25, 17, 0, 0);
const MINUTE = 60_000;

const job = (tier: number, windowStartMs: number, shard: number, correction = false): CloseJob => ({
  tier,
  windowStartMs,
  shard,
  correction,
});

/** A close outcome for `j` (a first close, or a re-close for a correction job). */
function outcome(j: CloseJob, over: Partial<CloseOutcome> = {}): CloseOutcome {
  return {
    job: j,
    status: j.correction ? 'reclosed' : 'closed',
    partials: 3,
    series: 12,
    records: 12,
    rejected: 0,
    uncataloged: 0,
    version: T0 + 5 * MINUTE,
    closeLagMs: 4_200,
    cascaded: 0,
    ...over,
  };
}

/** A fake close that records the jobs it got, in order, and answers with `answer`. */
function recordingClose(answer: (j: CloseJob) => CloseOutcome | Promise<CloseOutcome> = (j) => outcome(j)) {
  const calls: CloseJob[] = [];
  const close: CloseFn = async (j) => {
    calls.push(j);
    return answer(j);
  };
  return { calls, close };
}

const rec = (messageId: string, j: CloseJob, receiveCount = 1): RecordSpec => ({
  messageId,
  body: encodeCloseJob(j),
  receiveCount,
});

async function invoke(
  close: CloseFn,
  records: readonly RecordSpec[],
): Promise<{ response: SQSBatchResponse; records: LogRecord[] }> {
  const handler = createCloseWorkerHandler({ close, tierNames: TIERS });
  let response: SQSBatchResponse = { batchItemFailures: [] };
  const output = await captureOutput(async () => {
    response = await handler(sqsEvent(records), lambdaContext('windrow-close-worker', 'close-req-1'));
  });
  return { response, records: output };
}

const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

/**
 * The CloudWatch metric streams the EMF blobs declare, as `namespace/name{dimension=value,…}` — each
 * one a custom metric billed by the month.
 */
function streams(records: LogRecord[]): string[] {
  const out = new Set<string>();
  for (const blob of emf(records))
    for (const directive of blob._aws.CloudWatchMetrics)
      for (const dims of directive.Dimensions.length > 0 ? directive.Dimensions : [[]])
        for (const m of directive.Metrics)
          out.add(
            `${directive.Namespace}/${m.Name}{${dims.map((d) => `${d}=${String(blob[d])}`).join(',')}}`,
          );
  return [...out].sort();
}

const stream = (name: string) => `windrow/${name}{service=${CLOSE_SERVICE}}`;

beforeEach(() => {
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('Function: createCloseWorkerHandler — order and batch failures', () => {
  it('closes the jobs one at a time in (tier, shard, windowStart) order, whatever the event order', async () => {
    const jobs = [
      job(1, T0, 0),
      job(0, T0 + 2 * MINUTE, 1),
      job(0, T0 + MINUTE, 0),
      job(0, T0, 1),
      job(2, T0 - 86_400_000, 0),
      job(0, T0, 0),
      job(0, T0 + MINUTE, 1),
      job(1, T0 - 3_600_000, 0),
    ];
    const expected = [...jobs].sort(
      (a, b) => a.tier - b.tier || a.shard - b.shard || a.windowStartMs - b.windowStartMs,
    );
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(jobs, { minLength: 1 }), async (picked) => {
        let active = 0;
        let maxActive = 0;
        const { calls, close } = recordingClose(async (j) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
          return outcome(j);
        });
        const { response } = await invoke(
          close,
          picked.map((j, i) => rec(`m${i}`, j)),
        );
        expect(response.batchItemFailures).toEqual([]);
        expect(calls).toEqual(expected.filter((j) => picked.includes(j)));
        expect(maxActive).toBe(1);
      }),
      { numRuns: 25 },
    );
  });

  it('reports only the records whose close threw, by messageId, and keeps closing the others', async () => {
    const notReady = job(0, T0 + MINUTE, 0);
    const broken = job(0, T0, 1);
    const { calls, close } = recordingClose((j) => {
      if (j.shard === notReady.shard && j.windowStartMs === notReady.windowStartMs) {
        throw new WindowNotReadyError('1m window shard 0: the previous window is not closed yet');
      }
      if (j.shard === broken.shard && j.windowStartMs === broken.windowStartMs) {
        throw new StoreUnavailableError('throttled', 1);
      }
      return outcome(j);
    });
    const { response } = await invoke(close, [
      rec('ok-1', job(0, T0, 0)),
      rec('not-ready', notReady),
      rec('broken', broken),
      rec('ok-2', job(0, T0 + MINUTE, 1)),
    ]);
    expect(failedIds(response).sort()).toEqual(['broken', 'not-ready']);
    expect(calls).toHaveLength(4);
  });

  it('fails a record whose close throws a plain Error or a non-Error value', async () => {
    const { close } = recordingClose((j) => {
      if (j.shard === 1) throw new TypeError("Cannot read properties of undefined (reading 'x')");
      if (j.shard === 2) throw 'a string';
      return outcome(j);
    });
    const { response } = await invoke(close, [
      rec('a', job(0, T0, 0)),
      rec('b', job(0, T0, 1)),
      rec('c', job(0, T0, 2)),
    ]);
    expect(failedIds(response).sort()).toEqual(['b', 'c']);
  });

  it.each([
    ['not JSON', 'close 1m 17:00 shard 3'],
    ['empty', ''],
    ['JSON null', 'null'],
    ['a JSON string', '"{\\"t\\":0}"'],
    ['a JSON array', '[0,1795633200000,0,0]'],
    ['no fields', '{}'],
    ['long field names', JSON.stringify({ tier: 0, windowStartMs: T0, shard: 0, correction: false })],
    ['a missing correction flag', JSON.stringify({ t: 0, w: T0, s: 0 })],
    ['a boolean correction flag', JSON.stringify({ t: 0, w: T0, s: 0, c: true })],
    ['a negative tier', JSON.stringify({ t: -1, w: T0, s: 0, c: 0 })],
    ['a negative window start', JSON.stringify({ t: 0, w: -MINUTE, s: 0, c: 0 })],
    ['a negative shard', JSON.stringify({ t: 0, w: T0, s: -3, c: 0 })],
    ['tier 1000', JSON.stringify({ t: 1000, w: T0, s: 0, c: 0 })],
    ['shard 10000', JSON.stringify({ t: 0, w: T0, s: 10_000, c: 0 })],
    ['a fractional window start', JSON.stringify({ t: 0, w: T0 + 0.5, s: 0, c: 0 })],
    ['a string tier', JSON.stringify({ t: '0', w: T0, s: 0, c: 0 })],
    ['a window start past year 2286', JSON.stringify({ t: 0, w: 1e13, s: 0, c: 0 })],
  ])('fails only the record with a malformed body (%s), without closing it', async (_what, body) => {
    const { calls, close } = recordingClose();
    const good = [job(0, T0, 0), job(0, T0, 1)];
    const { response, records } = await invoke(close, [
      rec('good-1', good[0] as CloseJob),
      { messageId: 'bad', body },
      rec('good-2', good[1] as CloseJob),
    ]);
    expect(failedIds(response)).toEqual(['bad']);
    expect(calls).toEqual(good);
    const failed = logs(records).filter((r) => r.level === 'ERROR');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      message: 'close job failed, will be retried',
      error: { name: 'MalformedJobError' },
    });
    expect(failed[0]?.tier).toBeUndefined();
    // Counted once, and not against any configured tier (the tier is metadata, never a dimension).
    const jobsFailed = metric(records, 'JobsFailed');
    expect(jobsFailed.map((r) => r.JobsFailed)).toEqual([1]);
    expect(jobsFailed[0]?.tier).toBe('malformed');
    expect(streams(records)).toEqual([stream('CloseLag'), stream('JobsFailed')]);
  });

  it('returns every record as failed when every close fails, instead of throwing', async () => {
    const { close } = recordingClose((j) => {
      if (j.shard % 2 === 0) throw new WindowNotReadyError('not yet');
      throw new Error('sink down');
    });
    const specs = [0, 1, 2, 3].map((shard) => rec(`m${shard}`, job(0, T0, shard)));
    const { response } = await invoke(close, [...specs, { messageId: 'junk', body: '{' }]);
    expect(failedIds(response).sort()).toEqual(['junk', 'm0', 'm1', 'm2', 'm3']);
  });

  it('answers an empty batch with no failures, and writes nothing (no metric, no warning)', async () => {
    const { calls, close } = recordingClose();
    const { response, records } = await invoke(close, []);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([]);
    expect(records).toEqual([]);
  });

  it('serves several invocations from one handler (warm container)', async () => {
    const { calls, close } = recordingClose((j) => {
      if (j.shard === 9) throw new WindowNotReadyError('not yet');
      return outcome(j);
    });
    const handler = createCloseWorkerHandler({ close, tierNames: TIERS });
    const responses: SQSBatchResponse[] = [];
    const records = await captureOutput(async () => {
      responses.push(
        await handler(sqsEvent([rec('a', job(0, T0, 9))]), lambdaContext('windrow-close-worker', 'r1')),
      );
      responses.push(
        await handler(sqsEvent([rec('b', job(0, T0, 1))]), lambdaContext('windrow-close-worker', 'r2')),
      );
    });
    expect(responses.map(failedIds)).toEqual([['a'], []]);
    expect(calls).toHaveLength(2);
    expect(logs(records).map((r) => [r.function_request_id, r.message, r.cold_start])).toEqual([
      ['r1', 'close job not ready, will be retried', true],
      ['r2', 'window closed', false],
    ]);
    // A not-ready job has no metric; the first close has its CloseLag.
    expect(emf(records).map(metricNames)).toEqual([['CloseLag']]);
  });
});

describe('Function: createCloseWorkerHandler — log lines', () => {
  it("logs one INFO 'window closed' per job with the tier name, the window start, the shard and the status", async () => {
    const first = job(0, T0 + MINUTE, 3);
    const rollup = job(1, T0, 3);
    const correction = job(0, T0 - 10 * MINUTE, 1, true);
    const { close } = recordingClose((j) => {
      if (j.correction) return outcome(j, { version: T0 + 7 * MINUTE, cascaded: 2 });
      if (j.tier === 1) return outcome(j, { status: 'skipped', reason: 'already closed', series: 0 });
      return outcome(j, { rejected: 2, uncataloged: 1 });
    });
    const { records } = await invoke(close, [rec('a', first), rec('b', rollup), rec('c', correction, 2)]);
    const lines = logs(records);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatchObject({
        level: 'INFO',
        message: 'window closed',
        service: CLOSE_SERVICE,
        function_request_id: 'close-req-1',
        cold_start: true,
      });
    }
    expect(lines[0]).toMatchObject({
      tier: '1m',
      windowStart: '2026-11-25T16:50:00.000Z',
      shard: 1,
      status: 'reclosed',
      version: T0 + 7 * MINUTE,
      cascaded: 2,
      receiveCount: 2,
    });
    expect(lines[1]).toMatchObject({
      tier: '1m',
      windowStart: '2026-11-25T17:01:00.000Z',
      shard: 3,
      status: 'closed',
      partials: 3,
      series: 12,
      records: 12,
      rejected: 2,
      uncataloged: 1,
      closeLagMs: 4_200,
      receiveCount: 1,
    });
    expect(lines[2]).toMatchObject({
      tier: '1h',
      windowStart: '2026-11-25T17:00:00.000Z',
      shard: 3,
      status: 'skipped',
      reason: 'already closed',
    });
    expect(records.filter((r) => 'unstructured' in r)).toEqual([]);
  });

  it("logs a WindowNotReadyError at INFO as 'close job not ready' with the reason, not as an error", async () => {
    const { close } = recordingClose(() => {
      throw new WindowNotReadyError(
        '1h window 2026-11-25T17:00:00.000Z shard 2: its 1m windows are not all closed',
      );
    });
    const { records } = await invoke(close, [rec('a', job(1, T0, 2), 3)]);
    expect(logs(records)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'close job not ready, will be retried',
        tier: '1h',
        windowStart: '2026-11-25T17:00:00.000Z',
        shard: 2,
        correction: false,
        receiveCount: 3,
        reason: expect.stringContaining('its 1m windows are not all closed'),
      }),
    ]);
  });

  it('logs any other failure at ERROR with the job and the error', async () => {
    const { close } = recordingClose(() => {
      throw new StoreUnavailableError('DynamoDB throttled the partial reads', 2);
    });
    const { records } = await invoke(close, [rec('a', job(0, T0, 5, true))]);
    const lines = logs(records);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'close job failed, will be retried',
      tier: '1m',
      windowStart: '2026-11-25T17:00:00.000Z',
      shard: 5,
      correction: true,
      receiveCount: 1,
      error: { name: 'StoreUnavailableError', message: 'DynamoDB throttled the partial reads' },
    });
  });

  it('names a tier the configuration does not know by nothing rather than crashing', async () => {
    const { close } = recordingClose();
    const { response, records } = await invoke(close, [rec('a', job(7, T0, 0))]);
    expect(response.batchItemFailures).toEqual([]);
    expect(logs(records)[0]).toMatchObject({ message: 'window closed', shard: 0 });
    expect(metric(records, 'CloseLag')[0]).toMatchObject({ tier: '7' });
    expect(dimensions(metric(records, 'CloseLag')[0])).toEqual([['service']]);
  });
});

describe('Function: createCloseWorkerHandler — EMF metrics', () => {
  it('emits exactly CloseLag, Corrections and JobsFailed, each with the service dimension only', async () => {
    // Every kind of job at once: first closes (one with rejected and uncataloged records, one a retry),
    // a re-close, a skipped close, an empty window, a not-ready job, a failed job, a malformed body.
    const { close } = recordingClose((j) => {
      if (j.tier === 2) throw new WindowNotReadyError('not yet');
      if (j.shard === 9) throw new StoreUnavailableError('throttled', 1);
      if (j.correction) return outcome(j, { series: 4 });
      if (j.shard === 1) return outcome(j, { status: 'skipped', reason: 'already closed', series: 0 });
      if (j.shard === 2) return outcome(j, { series: 0, records: 0, closeLagMs: 900 });
      if (j.tier === 1) return outcome(j, { series: 7, closeLagMs: 61_000, rejected: 3, uncataloged: 2 });
      return outcome(j, { series: 12, closeLagMs: 4_200 });
    });
    const { response, records } = await invoke(close, [
      rec('a', job(1, T0, 0), 3),
      rec('b', job(0, T0, 0)),
      rec('c', job(0, T0 - MINUTE, 0, true), 2),
      rec('d', job(0, T0, 1)),
      rec('e', job(0, T0, 2)),
      rec('f', job(2, T0, 0), 5),
      rec('g', job(0, T0, 9)),
      { messageId: 'h', body: '{' },
    ]);
    expect(failedIds(response).sort()).toEqual(['f', 'g', 'h']);

    expect(streams(records)).toEqual([stream('CloseLag'), stream('Corrections'), stream('JobsFailed')]);
    const blobs = emf(records);
    for (const b of blobs) {
      expect(b._aws.CloudWatchMetrics).toHaveLength(1);
      expect(b._aws.CloudWatchMetrics[0]?.Namespace).toBe('windrow');
      expect(dimensions(b)).toEqual([['service']]);
      expect(b.service).toBe(CLOSE_SERVICE);
    }
    // One blob per job with a metric, in processing order, the tier as metadata; nothing for the
    // skipped and the not-ready job.
    expect(blobs.map((b) => [metricNames(b), b.tier, b.CloseLag ?? b.Corrections ?? b.JobsFailed])).toEqual([
      [['Corrections'], '1m', 1],
      [['CloseLag'], '1m', 4_200],
      [['CloseLag'], '1m', 900],
      [['JobsFailed'], '1m', 1],
      [['CloseLag'], '1h', 61_000],
      [['JobsFailed'], 'malformed', 1],
    ]);
    const units = Object.fromEntries(
      blobs.flatMap((b) => (b._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit])),
    );
    expect(units).toEqual({ CloseLag: 'Milliseconds', Corrections: 'Count', JobsFailed: 'Count' });
    // The rest is in the log lines: one per job, with the figures the removed metrics had.
    expect(logs(records)).toHaveLength(8);
    expect(logs(records).find((l) => l.tier === '1h')).toMatchObject({
      series: 7,
      rejected: 3,
      uncataloged: 2,
      closeLagMs: 61_000,
      receiveCount: 3,
    });
  });

  it('emits no metric for a skipped or a not-ready job, and no warning about it', async () => {
    const { close } = recordingClose((j) => {
      if (j.tier === 1) throw new WindowNotReadyError('not yet');
      return outcome(j, { status: 'skipped', reason: 'already closed', series: 0 });
    });
    const { records } = await invoke(close, [rec('a', job(0, T0, 0), 4), rec('b', job(1, T0, 0))]);
    expect(emf(records)).toEqual([]);
    expect(logs(records).map((r) => [r.level, r.message])).toEqual([
      ['INFO', 'window closed'],
      ['INFO', 'close job not ready, will be retried'],
    ]);
  });

  it('counts only the first close of a window in CloseLag; a re-close counts in Corrections', async () => {
    const { close } = recordingClose((j) => outcome(j, { closeLagMs: 1_234, cascaded: 2 }));
    const { records } = await invoke(close, [
      rec('a', job(1, T0, 0, true)),
      rec('b', job(1, T0 + 3_600_000, 0)),
      rec('c', job(0, T0, 3, true)),
    ]);
    expect(metric(records, 'Corrections').map((r) => [r.tier, r.Corrections])).toEqual([
      ['1m', 1],
      ['1h', 1],
    ]);
    expect(metric(records, 'CloseLag').map((r) => [r.tier, r.CloseLag])).toEqual([['1h', 1_234]]);
    expect(streams(records)).toEqual([stream('CloseLag'), stream('Corrections')]);
  });
});
