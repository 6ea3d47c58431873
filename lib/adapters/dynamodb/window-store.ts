/**
 * The window-state table as the `WindowStore` port: packed partials and correction marks written
 * with BatchWriteItem (see `batch-writer.ts`), and the partial reads a close job needs.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StoreRequestError } from '../../app/errors.js';
import {
  type Clock,
  type CorrectionMark,
  type PartialWrite,
  systemClock,
  type WindowStore,
  type WriteReport,
} from '../../app/ports.js';
import { StateCodecError } from '../../core/errors.js';
import { BatchWriter, type Item } from './batch-writer.js';
import { Checkpoints } from './checkpoints.js';
import { itemSize } from './item-size.js';
import { correctionMarkKey, partialKey, partialPk } from './keys.js';
import { forEachBounded, type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoWindowStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** For TTL filtering on reads (default: the system clock). */
  readonly clock?: Clock;
  /** Backoff budget and the injected sleep/random (defaults: `DEFAULT_RETRY`). */
  readonly retry?: Partial<RetryOptions>;
  /** BatchWriteItem calls in flight at once (default 4). */
  readonly concurrency?: number;
}

/** One partial chunk as a close job reads it. */
export interface PartialItem {
  /** `<partialId>#<chunk>` (see `parsePartialSk`). */
  readonly sk: string;
  readonly data: Uint8Array;
}

/**
 * @example
 * const store = new DynamoWindowStore({ client, tableName: 'windrow-state' });
 * const report = await store.writePartials(partials); // report.writeUnits ≈ bytes / 1 KB
 * for await (const page of store.readPartials(0, windowStartMs, shard)) for (const { data } of page) …
 */
export class DynamoWindowStore implements WindowStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly writer: BatchWriter;

  constructor(options: DynamoWindowStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.retry = resolveRetry(options.retry);
    this.writer = new BatchWriter({
      client: this.client,
      tableName: this.tableName,
      retry: this.retry,
      concurrency: options.concurrency ?? 4,
    });
  }

  /** Items `{PK, SK, data: B, ttl: N}`; the same key is overwritten, so a retried request counts once. */
  async writePartials(partials: readonly PartialWrite[]): Promise<WriteReport> {
    const items = partials.map((p): Item => {
      const key = partialKey(p.tier, p.windowStartMs, p.shard, p.partialId, p.chunk);
      return {
        [ATTR.pk]: { S: key.pk },
        [ATTR.sk]: { S: key.sk },
        [ATTR.data]: { B: p.data },
        [ATTR.ttl]: ttlValue(p.expiresAtSec),
      };
    });
    return this.writer.putAll(items, 'writePartials');
  }

  /**
   * Items `{PK: D#<tier>, SK: <windowStart>#<shard>, ttl: N, causes: SS}`: one UpdateItem per mark
   * adding its cause to the set (marks are rare: only late writes make them). A retried request adds
   * the same cause again, which changes nothing.
   */
  /** The shards of `tier` with a checkpoint: one strongly consistent Query of `K#<tier>`. */
  async checkpointedShards(tier: number): Promise<ReadonlySet<number>> {
    const checkpoints = new Checkpoints({
      client: this.client,
      tableName: this.tableName,
      retry: this.retry,
    });
    return new Set((await checkpoints.read(tier)).keys());
  }

  async markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport> {
    const byKey = new Map<string, { key: { pk: string; sk: string }; causes: Set<string>; ttl: number }>();
    for (const m of marks) {
      const key = correctionMarkKey(m.tier, m.windowStartMs, m.shard);
      const entry = byKey.get(`${key.pk}|${key.sk}`) ?? {
        key,
        causes: new Set<string>(),
        ttl: m.expiresAtSec,
      };
      entry.causes.add(m.cause ?? 'mark');
      entry.ttl = Math.max(entry.ttl, m.expiresAtSec);
      byKey.set(`${key.pk}|${key.sk}`, entry);
    }
    const sizes: number[] = [];
    await forEachBounded([...byKey.values()], 4, async ({ key, causes, ttl }) => {
      const causeList = [...causes];
      await withRetry(
        () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } },
              UpdateExpression: 'ADD #causes :causes SET #ttl = :ttl',
              ExpressionAttributeNames: { '#causes': 'causes', '#ttl': ATTR.ttl },
              ExpressionAttributeValues: { ':causes': { SS: causeList }, ':ttl': ttlValue(ttl) },
            }),
          ),
        `markCorrections ${key.pk} / ${key.sk}`,
        this.retry,
      );
      sizes.push(
        itemSize({
          [ATTR.pk]: { S: key.pk },
          [ATTR.sk]: { S: key.sk },
          [ATTR.ttl]: ttlValue(ttl),
          causes: { SS: causeList },
        }),
      );
    });
    return {
      items: sizes.length,
      bytes: sizes.reduce((a, b) => a + b, 0),
      writeUnits: sizes.reduce((a, b) => a + Math.max(1, Math.ceil(b / 1024)), 0),
      itemSizes: sizes,
    };
  }

  /**
   * The partials of one (tier, window, shard), in SK order, a page (≤ 1 MB read) at a time, with
   * strongly consistent reads so a close sees every write acknowledged before it started. Items past
   * their `ttl` are left out (DynamoDB deletes them lazily, dynalite never); empty pages are skipped.
   */
  async *readPartials(
    tier: number,
    windowStartMs: number,
    shard: number,
  ): AsyncIterable<readonly PartialItem[]> {
    const pk = partialPk(tier, windowStartMs, shard);
    const nowSec = Math.floor(this.clock.nowMs() / 1000);
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const exclusiveStartKey = startKey;
      const output = await withRetry(
        () =>
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: '#pk = :pk',
              // DynamoDB's TTL: an item is expired once now > ttl.
              FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
              ProjectionExpression: '#sk, #data',
              ExpressionAttributeNames: {
                '#pk': ATTR.pk,
                '#sk': ATTR.sk,
                '#data': ATTR.data,
                '#ttl': ATTR.ttl,
              },
              ExpressionAttributeValues: { ':pk': { S: pk }, ':now': { N: String(nowSec) } },
              ConsistentRead: true,
              ExclusiveStartKey: exclusiveStartKey,
            }),
          ),
        `readPartials ${pk}`,
        this.retry,
      );
      const page: PartialItem[] = [];
      for (const item of output.Items ?? []) {
        const sk = item[ATTR.sk]?.S;
        const data = item[ATTR.data]?.B;
        if (sk === undefined || data === undefined) {
          throw new StateCodecError(`partial item ${pk} / ${sk ?? '?'} has no ${ATTR.data} bytes`);
        }
        page.push({ sk, data });
      }
      if (page.length > 0) yield page;
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}

/** A `ttl` attribute value: whole epoch seconds, or `StoreRequestError`. */
export function ttlValue(expiresAtSec: number): AttributeValue {
  if (!Number.isSafeInteger(expiresAtSec) || expiresAtSec <= 0) {
    throw new StoreRequestError(`ttl must be whole epoch seconds, got ${expiresAtSec}`);
  }
  return { N: String(expiresAtSec) };
}
