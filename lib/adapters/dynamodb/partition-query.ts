/**
 * Reads one partition of the window-state table a page at a time (the closing side's reads:
 * closed-state chunks, checkpoints, correction marks), every page retried within the budget.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './batch-writer.js';
import { type RetryOptions, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface PartitionQuery {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry: RetryOptions;
  readonly pk: string;
  /** For error messages, e.g. `readClosedState`. */
  readonly what: string;
  /** Attributes to return (default: all). */
  readonly attributes?: readonly string[];
  /**
   * Leave out items past their `ttl` as of this epoch second (DynamoDB's TTL: expired once
   * now > ttl). `requireTtl` also leaves out items without one.
   */
  readonly liveAtSec?: number;
  readonly requireTtl?: boolean;
  /** Items evaluated per page (DynamoDB's `Limit`, applied before the ttl filter). */
  readonly pageLimit?: number;
  /** Only items with SK < this. */
  readonly skBelow?: string;
  /** Highest SK first. */
  readonly descending?: boolean;
}

/**
 * Every item of partition `pk` in SK order (or reverse) with strongly consistent reads, a page (≤ 1 MB read)
 * at a time; a page may be empty when the ttl filter left nothing of it.
 *
 * @example
 * for await (const page of queryPartition({ client, tableName, retry, pk: 'K#0', what: 'readCheckpoints' })) …
 */
export async function* queryPartition(query: PartitionQuery): AsyncIterable<Item[]> {
  const names: Record<string, string> = { '#pk': ATTR.pk };
  const values: Item = { ':pk': { S: query.pk } };
  let keyCondition = '#pk = :pk';
  if (query.skBelow !== undefined) {
    names['#sk'] = ATTR.sk;
    values[':below'] = { S: query.skBelow };
    keyCondition += ' AND #sk < :below';
  }
  let filter: string | undefined;
  if (query.liveAtSec !== undefined) {
    names['#ttl'] = ATTR.ttl;
    values[':now'] = { N: String(query.liveAtSec) };
    filter = query.requireTtl ? '#ttl >= :now' : 'attribute_not_exists(#ttl) OR #ttl >= :now';
  }
  let projection: string | undefined;
  if (query.attributes !== undefined) {
    projection = query.attributes
      .map((name, i) => {
        names[`#a${i}`] = name;
        return `#a${i}`;
      })
      .join(', ');
  }
  let startKey: Item | undefined;
  do {
    const exclusiveStartKey = startKey;
    const output = await withRetry(
      () =>
        query.client.send(
          new QueryCommand({
            TableName: query.tableName,
            KeyConditionExpression: keyCondition,
            FilterExpression: filter,
            ProjectionExpression: projection,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ConsistentRead: true,
            Limit: query.pageLimit,
            ScanIndexForward: query.descending === true ? false : undefined,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        ),
      `${query.what} ${query.pk}`,
      query.retry,
    );
    yield output.Items ?? [];
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** True for DynamoDB's refusal of a conditional write (not an error on the closing side). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A number attribute that holds a safe integer, or undefined. */
export function safeIntegerOf(item: Item, name: string): number | undefined {
  const text = item[name]?.N;
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
