/**
 * Checkpoints in the window-state table: items `K#<tier>` / `<shard>` (4 digits) with
 * `closedThroughMs` (N), no `ttl` (a checkpoint lives as long as the table). Created once with
 * `attribute_not_exists`, then only moved by conditional updates, so concurrent planners and
 * closers agree on one value.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '../../app/close-ports.js';
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import { StateCodecError } from '../../core/errors.js';
import type { Item } from './batch-writer.js';
import { checkpointKey, checkpointPk, parseCheckpointSk } from './keys.js';
import { isConditionalCheckFailed, queryPartition, safeIntegerOf } from './partition-query.js';
import { type RetryOptions, withRetry } from './retry.js';
import { ATTR } from './table.js';

/** The checkpoint's one attribute besides the key. */
export const CHECKPOINT_ATTR = { closedThroughMs: 'closedThroughMs' } as const;

/** A put that lost to a concurrent one re-reads; an item gone again in between makes it try anew. */
const INIT_ROUNDS = 3;

export interface CheckpointsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry: RetryOptions;
}

/**
 * The checkpoint half of `DynamoCloseStore` (see `close-store.ts`).
 *
 * @example
 * const checkpoints = new Checkpoints({ client, tableName, retry: DEFAULT_RETRY });
 * const cp = await checkpoints.init({ tier: 0, shard: 3, closedThroughMs: start - 60_000 });
 * await checkpoints.advance(0, 3, cp.closedThroughMs, start); // true unless another worker moved it
 */
export class Checkpoints {
  constructor(private readonly options: CheckpointsOptions) {}

  /** Every checkpoint of `tier` (strongly consistent), by shard. */
  async read(tier: number): Promise<Map<number, Checkpoint>> {
    const { client, tableName, retry } = this.options;
    const pk = checkpointPk(tier);
    const byShard = new Map<number, Checkpoint>();
    for await (const page of queryPartition({ client, tableName, retry, pk, what: 'readCheckpoints' })) {
      for (const item of page) {
        const checkpoint = parseCheckpoint(tier, pk, item);
        byShard.set(checkpoint.shard, checkpoint);
      }
    }
    return byShard;
  }

  /**
   * Creates the checkpoint unless its shard has one (`attribute_not_exists(PK)`); when it has, the
   * stored one (strongly consistent read) is returned. Both racers of a concurrent init get the same.
   */
  async init(checkpoint: Checkpoint): Promise<Checkpoint> {
    const { tier, shard, closedThroughMs } = checkpoint;
    const key = checkpointKey(tier, shard);
    const keyItem: Item = { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } };
    const what = `initCheckpoint ${key.pk} / ${key.sk}`;
    const { client, tableName, retry } = this.options;
    for (let round = 1; ; round++) {
      try {
        await withRetry(
          () =>
            client.send(
              new PutItemCommand({
                TableName: tableName,
                Item: { ...keyItem, [CHECKPOINT_ATTR.closedThroughMs]: msValue(closedThroughMs) },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': ATTR.pk },
              }),
            ),
          what,
          retry,
        );
        return { tier, shard, closedThroughMs };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const output = await withRetry(
        () => client.send(new GetItemCommand({ TableName: tableName, Key: keyItem, ConsistentRead: true })),
        what,
        retry,
      );
      if (output.Item !== undefined) return parseCheckpoint(tier, key.pk, output.Item);
      if (round >= INIT_ROUNDS) {
        throw new StoreUnavailableError(
          `${what}: the item exists for a conditional put but not for a read, ${round} times`,
          retry.retryAfterSeconds,
        );
      }
    }
  }

  /**
   * `SET closedThroughMs = :to` on condition `closedThroughMs = :from`; false when the condition
   * fails (another worker moved it, or it does not exist). A retry after a lost response can also see
   * false for its own move: callers treat false as "closed either way".
   */
  async advance(tier: number, shard: number, fromMs: number, toMs: number): Promise<boolean> {
    const key = checkpointKey(tier, shard);
    const { client, tableName, retry } = this.options;
    try {
      await withRetry(
        () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } },
              UpdateExpression: 'SET #c = :to',
              ConditionExpression: '#c = :from',
              ExpressionAttributeNames: { '#c': CHECKPOINT_ATTR.closedThroughMs },
              ExpressionAttributeValues: { ':from': msValue(fromMs), ':to': msValue(toMs) },
            }),
          ),
        `advanceCheckpoint ${key.pk} / ${key.sk}`,
        retry,
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

function msValue(ms: number): { N: string } {
  if (!Number.isSafeInteger(ms))
    throw new StoreRequestError(`closedThroughMs must be a safe integer, got ${ms}`);
  return { N: String(ms) };
}

function parseCheckpoint(tier: number, pk: string, item: Item): Checkpoint {
  const sk = item[ATTR.sk]?.S ?? '?';
  const shard = parseCheckpointSk(sk);
  const closedThroughMs = safeIntegerOf(item, CHECKPOINT_ATTR.closedThroughMs);
  if (shard === undefined || closedThroughMs === undefined) {
    throw new StateCodecError(
      `checkpoint item ${pk} / ${sk} is malformed (needs a shard SK and closedThroughMs)`,
    );
  }
  return { tier, shard, closedThroughMs };
}
