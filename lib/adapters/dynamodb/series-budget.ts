/**
 * The cardinality guard's counter in the window-state table: `Q#<tenant>` / `<windowStart>` with
 * `created` (N): new series the tenant created in that first-tier window. `reserve` adds the request's
 * new series with one `ADD`, and gives back what went past the limit with a second one, so the
 * counter only ever holds admitted series (concurrent requests may each be refused a little more
 * than strictly needed while another is giving back — never admitted past the limit).
 */
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SeriesBudget } from '../../app/ports.js';
import { isValidTenant } from './keys.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoSeriesBudgetOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
}

export class DynamoSeriesBudget implements SeriesBudget {
  private readonly retry: RetryOptions;

  constructor(private readonly options: DynamoSeriesBudgetOptions) {
    this.retry = resolveRetry(options.retry);
  }

  private async add(tenant: string, windowStartMs: number, n: number, expiresAtSec: number): Promise<number> {
    const out = await withRetry(
      () =>
        this.options.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: {
              [ATTR.pk]: { S: `Q#${tenant}` },
              [ATTR.sk]: { S: String(windowStartMs).padStart(13, '0') },
            },
            UpdateExpression: 'ADD #created :n SET #ttl = :ttl',
            ExpressionAttributeNames: { '#created': 'created', '#ttl': ATTR.ttl },
            ExpressionAttributeValues: { ':n': { N: String(n) }, ':ttl': { N: String(expiresAtSec) } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      `series budget ${tenant}`,
      this.retry,
    );
    return Number(out.Attributes?.created?.N ?? '0');
  }

  async reserve(
    tenant: string,
    windowStartMs: number,
    count: number,
    limit: number,
    expiresAtSec: number,
  ): Promise<number> {
    if (count <= 0) return 0;
    if (!isValidTenant(tenant)) throw new RangeError(`invalid tenant ${JSON.stringify(tenant)}`);
    const total = await this.add(tenant, windowStartMs, count, expiresAtSec);
    const over = Math.min(count, Math.max(0, total - limit));
    if (over > 0) await this.add(tenant, windowStartMs, -over, expiresAtSec);
    return count - over;
  }
}
