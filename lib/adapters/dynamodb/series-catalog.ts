/**
 * The series catalog in the window-state table: one `S#<tenant>#<seriesId>` / `meta` item per series,
 * with its readable identity for queries. Ingest calls `ensure` on every request, so a warm cache of
 * known series keeps the hot path free of reads and writes; only a series this Lambda has not seen
 * costs a conditional put (1 write unit, also when the series already exists) and an update of the
 * tenant's metric index (see `metric-index.ts`).
 */
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type Clock, type SeriesCatalog, type SeriesMeta, systemClock } from '../../app/ports.js';
import { seriesKeyOf } from './keys.js';
import { indexSeries } from './metric-index.js';
import { forEachBounded, type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoSeriesCatalogOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Stamps `firstSeenMs` (default: the system clock). */
  readonly clock?: Clock;
  /** Known series remembered (default 100 000); when full the cache is cleared wholesale. */
  readonly cacheSize?: number;
  /** Conditional puts in flight at once (default 8). */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryOptions>;
}

/**
 * Item attributes: `tenant`, `seriesId`, `name`, `kind`, `unit`, `description`, `temporality` (N, OTLP
 * number), `monotonic` (BOOL), `resource`, `scope`, `attributes` (JSON strings: exact, including
 * int64 beyond 2^53 kept as decimal strings, and cheaper to write than maps), `firstSeenMs` (N).
 * No `ttl`: a series entry lives as long as the table.
 *
 * @example
 * const catalog = new DynamoSeriesCatalog({ client, tableName: 'windrow-state' });
 * const created = await catalog.ensure(seriesOfRequest); // [] when all were known
 */
function metricKey(meta: SeriesMeta): string {
  return JSON.stringify([meta.tenant, meta.metric.name, meta.metric.kind, meta.metric.unit]);
}

export class DynamoSeriesCatalog implements SeriesCatalog {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly cacheSize: number;
  private readonly concurrency: number;
  private readonly retry: RetryOptions;
  private readonly known = new Set<string>();
  /** Metrics whose index item this container has written. */
  private readonly indexed = new Set<string>();

  constructor(options: DynamoSeriesCatalogOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.cacheSize = Math.max(1, options.cacheSize ?? 100_000);
    this.concurrency = options.concurrency ?? 8;
    this.retry = resolveRetry(options.retry);
  }

  /**
   * Writes the series not known yet (`attribute_not_exists(PK)`, so `firstSeenMs` is never
   * overwritten; an existing item counts as known, not written). Returns how many items were created.
   * Throws `StoreUnavailableError` when the retry budget runs out (series written before that stay
   * cached), `StoreRequestError` for a refused request, unknown errors unchanged.
   */
  async ensure(series: readonly SeriesMeta[]): Promise<readonly SeriesMeta[]> {
    const unknown = new Map<string, SeriesMeta>();
    for (const meta of series) {
      const cacheKey = `${meta.tenant}#${meta.seriesId}`;
      if (!this.known.has(cacheKey)) unknown.set(cacheKey, meta);
    }
    if (unknown.size === 0) return [];

    const created: SeriesMeta[] = [];
    await forEachBounded([...unknown.values()], this.concurrency, async (meta) => {
      if (await this.put(meta)) created.push(meta);
    });
    // One metric-index update per metric of the request (not per series): the series it created
    // are added to the count; a metric this container indexed already needs no update for known ones.
    const perMetric = new Map<string, { meta: SeriesMeta; delta: number }>();
    for (const meta of unknown.values()) {
      const key = metricKey(meta);
      if (!perMetric.has(key)) perMetric.set(key, { meta, delta: 0 });
    }
    for (const meta of created) {
      const entry = perMetric.get(metricKey(meta));
      if (entry !== undefined) entry.delta++;
    }
    await forEachBounded([...perMetric], this.concurrency, async ([key, { meta, delta }]) => {
      if (delta === 0 && this.indexed.has(key)) return;
      await indexSeries(this.client, this.tableName, meta, delta, this.retry);
      if (this.indexed.size >= this.cacheSize) this.indexed.clear();
      this.indexed.add(key);
    });
    for (const cacheKey of unknown.keys()) this.remember(cacheKey);
    return created;
  }

  /**
   * Deletes series this catalog just created (refused by the cardinality guard) and lowers their
   * metrics' series counts, so they are new again next time.
   */
  async forget(series: readonly SeriesMeta[]): Promise<void> {
    await forEachBounded([...series], this.concurrency, async (meta) => {
      this.known.delete(`${meta.tenant}#${meta.seriesId}`);
      const key = seriesKeyOf(meta.tenant, meta.seriesId);
      await withRetry(
        () =>
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } },
            }),
          ),
        `catalog forget ${key.pk}`,
        this.retry,
      );
      await indexSeries(this.client, this.tableName, meta, -1, this.retry);
    });
  }

  /** True when the item was created, false when it already existed. */
  private async put(meta: SeriesMeta): Promise<boolean> {
    const key = seriesKeyOf(meta.tenant, meta.seriesId);
    const { metric } = meta;
    const command = new PutItemCommand({
      TableName: this.tableName,
      Item: {
        [ATTR.pk]: { S: key.pk },
        [ATTR.sk]: { S: key.sk },
        tenant: { S: meta.tenant },
        seriesId: { S: meta.seriesId },
        name: { S: metric.name },
        kind: { S: metric.kind },
        unit: { S: metric.unit },
        description: { S: metric.description },
        temporality: { N: String(metric.temporality) },
        monotonic: { BOOL: metric.monotonic },
        resource: { S: JSON.stringify(meta.resource) },
        scope: { S: JSON.stringify(meta.scope) },
        attributes: { S: JSON.stringify(meta.attributes) },
        firstSeenMs: { N: String(this.clock.nowMs()) },
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': ATTR.pk },
    });
    try {
      await withRetry(() => this.client.send(command), `catalog put ${key.pk}`, this.retry);
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private remember(cacheKey: string): void {
    if (this.known.size >= this.cacheSize) this.known.clear();
    this.known.add(cacheKey);
  }
}
