/**
 * The Timestream for LiveAnalytics result sink: one multi-measure record per result in the table of
 * its window, ≤ 100 records a WriteRecords call, a few calls in flight, retryable failures retried
 * with full-jitter backoff, rejections read record by record (see `rejections.ts` for what counts as
 * written). Records the rules refuse are reported before anything is sent.
 */
import {
  type _Record,
  RejectedRecordsException,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import type { Clock } from '../../app/ports.js';
import type {
  ResultRecord,
  ResultSink,
  SinkRejection,
  SinkReport,
  SupersededResult,
} from '../../app/results.js';
import type { DimensionPolicy } from './attribute-policy.js';
import { backoffDelayMs, forEachBounded, type RetryOptions, resolveRetry } from './backoff.js';
import { MAX_RECORDS_PER_WRITE } from './limits.js';
import { buildTimestreamRecord, COMMON_ATTRIBUTES } from './record-builder.js';
import { callOutcome } from './rejections.js';
import { classifyTimestreamError, describe, ErrorClass, isRetryableTimestreamError } from './sdk-errors.js';
import { timestreamTableName } from './table-name.js';

export interface TimestreamSinkOptions {
  readonly client: TimestreamWriteClient;
  readonly databaseName: string;
  /** The table of a result; default {@link timestreamTableName} of its window. */
  readonly tableNameOf?: (record: ResultRecord) => string;
  /** Retry budget and backoff (default `DEFAULT_RETRY`: 8 attempts, ≤ ~2.6 s asleep). */
  readonly retry?: Partial<RetryOptions>;
  /** When given, records more than 15 minutes ahead of it are reported instead of sent. */
  readonly clock?: Clock;
  /** WriteRecords calls in flight at once (default 4). */
  readonly concurrency?: number;
  /** The attribute policy's limits (default `DEFAULT_DIMENSION_POLICY`). */
  readonly policy?: DimensionPolicy;
}

/** `SinkReport` plus what the Timestream sink did on the way. */
export interface TimestreamSinkReport extends SinkReport {
  /** Of `written`, records Timestream already held with an equal or higher version. */
  readonly superseded: number;
  /** WriteRecords calls made, retries included. */
  readonly calls: number;
  /** Attributes kept out of dimensions by the policy (`overflow_count` summed). */
  readonly overflowAttributes: number;
  /** Dimension values cut to the policy's cap. */
  readonly cutValues: number;
  /** Records whose buckets did not fit in the record (`buckets_omitted`). */
  readonly bucketsOmitted: number;
}

interface Pending {
  readonly index: number;
  readonly seriesId: string;
  readonly version: number;
  readonly record: _Record;
}

interface Batch {
  readonly table: string;
  readonly items: readonly Pending[];
}

/** Stops a batch's retries early because another batch already failed. */
const STOPPED = Symbol('stopped');

export class TimestreamSink implements ResultSink {
  private readonly retry: RetryOptions;
  private readonly tableNameOf: (record: ResultRecord) => string;
  private readonly concurrency: number;

  constructor(private readonly options: TimestreamSinkOptions) {
    this.retry = resolveRetry(options.retry);
    this.tableNameOf = options.tableNameOf ?? ((r) => timestreamTableName(r.window, r.windowKind));
    this.concurrency = options.concurrency ?? 4;
  }

  /**
   * Writes `records` (see `ResultSink.write`). Throws `StoreUnavailableError` when throttling or
   * an outage outlasts the retry budget, `StoreRequestError` when Timestream refuses a call as invalid
   * or the database/table does not exist; records already written stay written, and running the
   * close again is safe (a replay with the same version counts as written).
   *
   * @example
   * const sink = new TimestreamSink({ client, databaseName: 'windrow' });
   * const report = await sink.write(results); // { written, rejected, rejections, superseded, … }
   */
  write(records: readonly ResultRecord[]): Promise<TimestreamSinkReport> {
    return this.send(records, false);
  }

  /**
   * Supersedes session results: Timestream cannot delete, so each is written again at its key (same
   * dimensions, same time) with its `version`, a `count` of 0 and `superseded` = 1, which replaces the
   * stored record (a higher version wins) and which `TimestreamReader` leaves out. A record already
   * stored with a higher version stays (counted in `superseded`, as for `write`).
   *
   * @example await sink.supersede([{ ...identity, window: 'session:5m', windowKind: 'session', startMs, endMs, version }]);
   */
  supersede(results: readonly SupersededResult[]): Promise<TimestreamSinkReport> {
    return this.send(
      results.map((r) => ({ ...r, stats: { count: 0 } })),
      true,
    );
  }

  private async send(records: readonly ResultRecord[], superseded: boolean): Promise<TimestreamSinkReport> {
    const nowMs = this.options.clock?.nowMs();
    const rejections: SinkRejection[] = [];
    const byTable = new Map<string, Pending[]>();
    let overflowAttributes = 0;
    let cutValues = 0;
    let bucketsOmitted = 0;

    records.forEach((result, index) => {
      const built = buildTimestreamRecord(result, {
        ...(this.options.policy === undefined ? {} : { policy: this.options.policy }),
        ...(nowMs === undefined ? {} : { nowMs }),
        ...(superseded ? { superseded } : {}),
      });
      if (!built.ok) {
        rejections.push({
          index,
          seriesId: result.seriesId,
          reason: `not sent: ${built.problems.join('; ')}`,
        });
        return;
      }
      overflowAttributes += built.notes.overflowAttributes;
      cutValues += built.notes.cutValues;
      if (built.notes.bucketsOmitted) bucketsOmitted++;
      const table = this.tableNameOf(result);
      let list = byTable.get(table);
      if (list === undefined) {
        list = [];
        byTable.set(table, list);
      }
      list.push({ index, seriesId: result.seriesId, version: result.version, record: built.record });
    });

    const batches: Batch[] = [];
    for (const [table, items] of byTable) {
      for (let i = 0; i < items.length; i += MAX_RECORDS_PER_WRITE) {
        batches.push({ table, items: items.slice(i, i + MAX_RECORDS_PER_WRITE) });
      }
    }

    const tally = { written: 0, superseded: 0, calls: 0 };
    try {
      await forEachBounded(batches, this.concurrency, (batch, stopped) =>
        this.writeBatch(batch, stopped, tally, rejections),
      );
    } catch (error) {
      throw this.failure(error, tally.written, records.length);
    }

    rejections.sort((a, b) => a.index - b.index);
    return {
      written: tally.written,
      rejected: rejections.length,
      rejections,
      superseded: tally.superseded,
      calls: tally.calls,
      overflowAttributes,
      cutValues,
      bucketsOmitted,
    };
  }

  /** One call of ≤ 100 records until written, rejected record by record, out of budget, or stopped. */
  private async writeBatch(
    batch: Batch,
    stopped: () => boolean,
    tally: { written: number; superseded: number; calls: number },
    rejections: SinkRejection[],
  ): Promise<void> {
    const { client, databaseName } = this.options;
    const where = `Timestream WriteRecords to ${databaseName}.${batch.table}`;
    const input = {
      DatabaseName: databaseName,
      TableName: batch.table,
      CommonAttributes: COMMON_ATTRIBUTES,
      Records: batch.items.map((item) => item.record),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        tally.calls++;
        await client.send(new WriteRecordsCommand(input));
        tally.written += batch.items.length;
        return;
      } catch (error) {
        if (isRejectedRecords(error)) {
          const outcome = callOutcome(
            batch.items.map((item) => item.version),
            error.RejectedRecords,
            error.message,
          );
          tally.written += outcome.written;
          tally.superseded += outcome.superseded;
          for (const { position, reason } of outcome.rejected) {
            const item = batch.items[position];
            if (item !== undefined) rejections.push({ index: item.index, seriesId: item.seriesId, reason });
          }
          return;
        }
        const kind = classifyTimestreamError(error);
        if (kind === ErrorClass.invalid) {
          throw new StoreRequestError(
            `${where} refused (${batch.items.length} record(s)): ${describe(error)}`,
            {
              cause: error,
            },
          );
        }
        if (!isRetryableTimestreamError(error)) throw error;
        if (attempt >= this.retry.maxAttempts) {
          throw new StoreUnavailableError(
            `${where} failed after ${attempt} attempt(s): ${describe(error)}`,
            this.retry.retryAfterSeconds,
            { cause: error },
          );
        }
      }
      if (stopped()) throw STOPPED;
      await this.retry.sleep(backoffDelayMs(attempt - 1, this.retry));
      if (stopped()) throw STOPPED;
    }
  }

  /** The error `write` throws, with how far it got. */
  private failure(error: unknown, written: number, total: number): unknown {
    const progress = `${written} of ${total} record(s) written before giving up; writing them again is safe`;
    if (error instanceof StoreUnavailableError) {
      return new StoreUnavailableError(`${error.message} (${progress})`, error.retryAfterSeconds, {
        cause: error,
      });
    }
    if (error instanceof StoreRequestError) {
      return new StoreRequestError(`${error.message} (${progress})`, { cause: error });
    }
    return error;
  }
}

function isRejectedRecords(error: unknown): error is RejectedRecordsException {
  return (
    error instanceof RejectedRecordsException ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'RejectedRecordsException')
  );
}
