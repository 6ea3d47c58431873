/**
 * Puts many items with BatchWriteItem: 25 a call, a few calls in flight, `UnprocessedItems` and
 * retryable errors retried with jittered backoff within a per-item budget. Every item is written or
 * the call throws naming how many were not: never a silent drop.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import type { WriteReport } from '../../app/ports.js';
import { classifyError, describe, ErrorClass, isRetryable, translateError } from '../shared/sdk-errors.js';
import { itemSize, MAX_ITEM_BYTES, writeUnits } from './item-size.js';
import type { TableKey } from './keys.js';
import { forEachBounded, type RetryOptions } from './retry.js';
import { ATTR } from './table.js';
import { untilProcessed } from './unprocessed.js';

export type Item = Record<string, AttributeValue>;

/** BatchWriteItem's limit. */
export const BATCH_WRITE_MAX_ITEMS = 25;

/**
 * A batch write gave up with items not written: `written` were confirmed by DynamoDB, `unwritten`
 * were not (some of those may have landed before a network error: re-running the write is safe,
 * items with the same key are overwritten).
 */
export class UnwrittenItemsError extends StoreUnavailableError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    readonly written: number,
    readonly unwritten: number,
    options?: { cause?: unknown },
  ) {
    super(message, retryAfterSeconds, options);
  }
}

export interface BatchWriterOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry: RetryOptions;
  /** BatchWriteItem calls in flight at once. */
  readonly concurrency: number;
}

export class BatchWriter {
  constructor(private readonly options: BatchWriterOptions) {}

  /**
   * Puts every item (the last one wins when two share a key, as sequential puts would), or throws:
   * `StoreRequestError` before anything is sent when an item is over 400 KB or when DynamoDB refuses
   * a request as invalid, `UnwrittenItemsError` (a `StoreUnavailableError`) when the retry budget
   * runs out, any unknown error unchanged.
   */
  async putAll(items: readonly Item[], what: string): Promise<WriteReport> {
    const unique = lastPerKey(items);
    const itemSizes = unique.map(itemSize);
    itemSizes.forEach((size, i) => {
      if (size > MAX_ITEM_BYTES) {
        throw new StoreRequestError(
          `${what}: item ${describeKey(unique[i])} is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}; nothing written`,
        );
      }
    });

    const batches: WriteRequest[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_WRITE_MAX_ITEMS) {
      batches.push(unique.slice(i, i + BATCH_WRITE_MAX_ITEMS).map((Item) => ({ PutRequest: { Item } })));
    }

    let written = 0;
    try {
      await forEachBounded(batches, this.options.concurrency, async (batch, stopped) => {
        await this.writeBatch(batch, stopped, (n) => {
          written += n;
        });
      });
    } catch (error) {
      throw this.failure(error, what, written, unique.length - written);
    }

    let bytes = 0;
    let units = 0;
    for (const size of itemSizes) {
      bytes += size;
      units += writeUnits(size);
    }
    return { items: unique.length, bytes, writeUnits: units, itemSizes };
  }

  /**
   * Deletes every key with `DeleteRequest`s, 25 a call, with the same retries and errors as
   * {@link putAll} (duplicate keys collapse; deleting a missing item is not an error). Returns how
   * many distinct keys were deleted.
   */
  async deleteAll(keys: readonly TableKey[], what: string): Promise<number> {
    const unique = new Map<string, WriteRequest>();
    for (const { pk, sk } of keys) {
      unique.set(`${pk}\u0000${sk}`, {
        DeleteRequest: { Key: { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } } },
      });
    }
    const requests = [...unique.values()];
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX_ITEMS) {
      batches.push(requests.slice(i, i + BATCH_WRITE_MAX_ITEMS));
    }
    let deleted = 0;
    try {
      await forEachBounded(batches, this.options.concurrency, async (batch, stopped) => {
        await this.writeBatch(batch, stopped, (n) => {
          deleted += n;
        });
      });
    } catch (error) {
      throw this.failure(error, what, deleted, requests.length - deleted);
    }
    return requests.length;
  }

  /** One batch of ≤ 25 until done, out of budget, or stopped; `confirm` counts items DynamoDB took. */
  private async writeBatch(
    batch: WriteRequest[],
    stopped: () => boolean,
    confirm: (items: number) => void,
  ): Promise<void> {
    const { client, tableName, retry } = this.options;
    await untilProcessed(
      batch,
      async (pending) => {
        const output = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
        );
        const unprocessed = output.UnprocessedItems?.[tableName] ?? [];
        confirm(pending.length - unprocessed.length);
        return unprocessed;
      },
      retry,
      stopped,
      (count, attempts) => `${count} item(s) still unprocessed after ${attempts} attempts`,
    );
  }

  private failure(error: unknown, what: string, written: number, unwritten: number): unknown {
    const counts = `${unwritten} of ${written + unwritten} item(s) not written`;
    const { retryAfterSeconds, maxAttempts } = this.options.retry;
    if (error instanceof StoreUnavailableError || isRetryable(error)) {
      return new UnwrittenItemsError(
        `${what}: ${counts} (retry budget of ${maxAttempts} attempts exhausted: ${describe(error)})`,
        retryAfterSeconds,
        written,
        unwritten,
        { cause: error },
      );
    }
    if (classifyError(error) === ErrorClass.invalid) {
      return translateError(error, `${what}: ${counts}, request refused`, retryAfterSeconds);
    }
    return error;
  }
}

function keyOf(item: Item | undefined): string {
  return `${item?.[ATTR.pk]?.S ?? ''}\u0000${item?.[ATTR.sk]?.S ?? ''}`;
}

function describeKey(item: Item | undefined): string {
  return `${item?.[ATTR.pk]?.S ?? '?'} / ${item?.[ATTR.sk]?.S ?? '?'}`;
}

/** BatchWriteItem refuses two requests for one key in a call; sequential puts would keep the last. */
function lastPerKey(items: readonly Item[]): Item[] {
  const byKey = new Map<string, Item>();
  for (const item of items) {
    byKey.set(keyOf(item), item);
  }
  return [...byKey.values()];
}
