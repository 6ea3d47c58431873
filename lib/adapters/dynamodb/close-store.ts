/**
 * The window-state table as the closing side's `CloseStore` port (DESIGN.md §4, §6): partial reads and
 * deletes, closed states (`closed-states.ts`), checkpoints (`checkpoints.ts`) and correction marks,
 * on the same table and with the same retry budget as ingest's `DynamoWindowStore`.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Checkpoint, ClosedStateRecord, ClosedStateWrite, CloseStore } from '../../app/close-ports.js';
import {
  type Clock,
  type CorrectionMark,
  type PartialWrite,
  systemClock,
  type WriteReport,
} from '../../app/ports.js';
import { BatchWriter } from './batch-writer.js';
import { Checkpoints } from './checkpoints.js';
import { ClosedStates } from './closed-states.js';
import { correctionMarkKey, correctionMarkPk, parseCorrectionMarkSk, partialKey } from './keys.js';
import { isConditionalCheckFailed, queryPartition, safeIntegerOf } from './partition-query.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';
import { DynamoWindowStore } from './window-store.js';

export interface DynamoCloseStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** For TTL filtering on reads (default: the system clock). */
  readonly clock?: Clock;
  /** Backoff budget and the injected sleep/random (defaults: `DEFAULT_RETRY`). */
  readonly retry?: Partial<RetryOptions>;
  /** BatchWriteItem calls in flight at once (default 4). */
  readonly concurrency?: number;
}

/**
 * Items (besides ingest's partials and marks, see `window-store.ts`):
 * - closed state `C#<tier>#<windowStart>#<shard>` / `<version 16 digits>#<chunk 4 digits>`:
 *   `data` B, `version` N, `chunks` N, `parentChunks` N, `ttl` N;
 * - checkpoint `K#<tier>` / `<shard>`: `closedThroughMs` N, no ttl.
 *
 * Every call retries throttling, 5xx and network errors with jittered backoff, then throws
 * `StoreUnavailableError`; a refused request throws `StoreRequestError`.
 *
 * @example
 * const store = new DynamoCloseStore({ client, tableName: 'windrow-state' });
 * for await (const page of store.readPartialData(0, windowStartMs, shard)) for (const data of page) …
 * await store.writeClosedState({ tier: 0, windowStartMs, shard, version, chunks, parentChunks, expiresAtSec });
 * await store.advanceCheckpoint(0, shard, previousStartMs, windowStartMs);
 */
export class DynamoCloseStore implements CloseStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly writer: BatchWriter;
  private readonly windows: DynamoWindowStore;
  private readonly closedStates: ClosedStates;
  private readonly checkpoints: Checkpoints;

  constructor(options: DynamoCloseStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.retry = resolveRetry(options.retry);
    const concurrency = options.concurrency ?? 4;
    const shared = { client: this.client, tableName: this.tableName, retry: this.retry };
    this.writer = new BatchWriter({ ...shared, concurrency });
    this.windows = new DynamoWindowStore({ ...shared, clock: this.clock, concurrency });
    this.closedStates = new ClosedStates({ ...shared, clock: this.clock, writer: this.writer });
    this.checkpoints = new Checkpoints(shared);
  }

  async *readPartialData(
    tier: number,
    windowStartMs: number,
    shard: number,
  ): AsyncIterable<readonly Uint8Array[]> {
    for await (const page of this.windows.readPartials(tier, windowStartMs, shard)) {
      yield page.map((item) => item.data);
    }
  }

  writePartials(partials: readonly PartialWrite[]): Promise<WriteReport> {
    return this.windows.writePartials(partials);
  }

  /** BatchWriteItem `DeleteRequest`s, 25 a call, unprocessed ones retried; missing items are fine. */
  async deletePartials(
    keys: readonly { tier: number; windowStartMs: number; shard: number; partialId: string; chunk: number }[],
  ): Promise<void> {
    if (keys.length === 0) return;
    await this.writer.deleteAll(
      keys.map((k) => partialKey(k.tier, k.windowStartMs, k.shard, k.partialId, k.chunk)),
      'deletePartials',
    );
  }

  readClosedState(
    tier: number,
    windowStartMs: number,
    shard: number,
  ): Promise<ClosedStateRecord | undefined> {
    return this.closedStates.read(tier, windowStartMs, shard);
  }

  writeClosedState(write: ClosedStateWrite): Promise<void> {
    return this.closedStates.write(write);
  }

  readCheckpoints(tier: number): Promise<Map<number, Checkpoint>> {
    return this.checkpoints.read(tier);
  }

  initCheckpoint(checkpoint: Checkpoint): Promise<Checkpoint> {
    return this.checkpoints.init(checkpoint);
  }

  advanceCheckpoint(tier: number, shard: number, fromMs: number, toMs: number): Promise<boolean> {
    return this.checkpoints.advance(tier, shard, fromMs, toMs);
  }

  /**
   * Live marks of `tier` in window order (SK order: start, then shard), strongly consistent, at most
   * `limit`. Items with a malformed SK or no `ttl` are not marks ingest wrote and are skipped.
   */
  async listCorrectionMarks(tier: number, limit: number): Promise<CorrectionMark[]> {
    const marks: CorrectionMark[] = [];
    if (limit <= 0) return marks;
    const pk = correctionMarkPk(tier);
    for await (const page of queryPartition({
      client: this.client,
      tableName: this.tableName,
      retry: this.retry,
      pk,
      what: 'listCorrectionMarks',
      attributes: [ATTR.sk, ATTR.ttl],
      liveAtSec: Math.floor(this.clock.nowMs() / 1000),
      requireTtl: true,
      pageLimit: Math.min(Math.max(limit, 25), 1000),
    })) {
      for (const item of page) {
        const parsed = parseCorrectionMarkSk(item[ATTR.sk]?.S ?? '');
        const expiresAtSec = safeIntegerOf(item, ATTR.ttl);
        if (parsed === undefined || expiresAtSec === undefined) continue;
        marks.push({ tier, windowStartMs: parsed.windowStartMs, shard: parsed.shard, expiresAtSec });
        if (marks.length >= limit) return marks;
      }
    }
    return marks;
  }

  markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport> {
    return this.windows.markCorrections(marks);
  }

  async readCorrectionMark(
    tier: number,
    windowStartMs: number,
    shard: number,
  ): Promise<readonly string[] | undefined> {
    const key = correctionMarkKey(tier, windowStartMs, shard);
    const out = await withRetry(
      () =>
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } },
            ConsistentRead: true,
          }),
        ),
      `readCorrectionMark ${key.pk} / ${key.sk}`,
      this.retry,
    );
    if (out.Item === undefined) return undefined;
    return out.Item.causes?.SS ?? [];
  }

  async clearCorrectionMark(
    tier: number,
    windowStartMs: number,
    shard: number,
    seen?: readonly string[],
  ): Promise<void> {
    const key = correctionMarkKey(tier, windowStartMs, shard);
    const Key = { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } };
    const what = `clearCorrectionMark ${key.pk} / ${key.sk}`;
    if (seen !== undefined && seen.length > 0) {
      try {
        await withRetry(
          () =>
            this.client.send(
              new UpdateItemCommand({
                TableName: this.tableName,
                Key,
                UpdateExpression: 'DELETE #causes :seen',
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#causes': 'causes', '#pk': ATTR.pk },
                ExpressionAttributeValues: { ':seen': { SS: [...seen] } },
              }),
            ),
          what,
          this.retry,
        );
      } catch (error) {
        if (isConditionalCheckFailed(error)) return; // already gone
        throw error;
      }
    }
    try {
      await withRetry(
        () =>
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key,
              // Only when no cause is left: a cause added since the close read the mark keeps it.
              ...(seen === undefined
                ? {}
                : {
                    ConditionExpression: 'attribute_not_exists(#causes)',
                    ExpressionAttributeNames: { '#causes': 'causes' },
                  }),
            }),
          ),
        what,
        this.retry,
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
