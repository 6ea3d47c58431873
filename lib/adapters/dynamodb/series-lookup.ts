/**
 * The series catalog read back (`SeriesLookup` port): the readable identity of the series a close
 * job finalizes, for its result records. Items are the ones `DynamoSeriesCatalog` writes
 * (`S#<tenant>#<seriesId>` / `meta`); a series' metadata never changes, so what was read once is
 * cached.
 */
import { BatchGetItemCommand, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import type { SeriesLookup } from '../../app/close-ports.js';
import { StoreUnavailableError } from '../../app/errors.js';
import type { SeriesMeta } from '../../app/ports.js';
import { StateCodecError } from '../../core/errors.js';
import { type Attributes, MetricKind, type Scope, type Temporality } from '../../core/point.js';
import { describe as describeError, isRetryable, translateError } from '../shared/sdk-errors.js';
import type { Item } from './batch-writer.js';
import { seriesKeyOf } from './keys.js';
import { forEachBounded, type RetryOptions, resolveRetry } from './retry.js';
import { ATTR } from './table.js';
import { untilProcessed } from './unprocessed.js';

/** BatchGetItem's limit. */
export const BATCH_GET_MAX_KEYS = 100;

/** The catalog attributes read back (everything `DynamoSeriesCatalog` writes but `firstSeenMs`). */
const ATTRIBUTES = [
  'tenant',
  'seriesId',
  'name',
  'kind',
  'unit',
  'description',
  'temporality',
  'monotonic',
  'resource',
  'scope',
  'attributes',
] as const;

const PROJECTION = ATTRIBUTES.map((_, i) => `#a${i}`).join(', ');
const PROJECTION_NAMES = Object.fromEntries(ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
const KINDS = new Set<string>(Object.values(MetricKind));

export interface DynamoSeriesLookupOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Series kept (least recently used dropped first; default 100 000). */
  readonly cacheSize?: number;
  /** BatchGetItem calls in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryOptions>;
}

/**
 * `BatchGetItem` (≤ 100 keys a call, eventually consistent: the catalog item is written before the
 * partials that name it), `UnprocessedKeys` and retryable errors retried with jittered backoff within
 * the budget, then `StoreUnavailableError`. A catalog item that cannot be parsed throws
 * `StateCodecError` (it was not written by `DynamoSeriesCatalog`).
 *
 * @example
 * const lookup = new DynamoSeriesLookup({ client, tableName: 'windrow-state' });
 * const metas = await lookup.lookup([{ tenant: 'acme', seriesId }]);
 * metas.get(seriesId)?.metric.name; // 'http.server.duration'
 */
export class DynamoSeriesLookup implements SeriesLookup {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly cacheSize: number;
  private readonly concurrency: number;
  private readonly retry: RetryOptions;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly cache = new Map<string, SeriesMeta>();

  constructor(options: DynamoSeriesLookupOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.cacheSize = Math.max(1, options.cacheSize ?? 100_000);
    this.concurrency = options.concurrency ?? 4;
    this.retry = resolveRetry(options.retry);
  }

  /** Keyed by seriesId; duplicates in `series` are read once, series not in the catalog are absent. */
  async lookup(series: readonly { tenant: string; seriesId: string }[]): Promise<Map<string, SeriesMeta>> {
    const found = new Map<string, SeriesMeta>();
    const missing = new Map<string, Item>();
    for (const { tenant, seriesId } of series) {
      const cacheKey = `${tenant}#${seriesId}`;
      if (missing.has(cacheKey)) continue;
      const cached = this.cache.get(cacheKey);
      if (cached !== undefined) {
        this.cache.delete(cacheKey);
        this.cache.set(cacheKey, cached);
        found.set(seriesId, cached);
        continue;
      }
      const key = seriesKeyOf(tenant, seriesId);
      missing.set(cacheKey, { [ATTR.pk]: { S: key.pk }, [ATTR.sk]: { S: key.sk } });
    }

    const keys = [...missing.values()];
    const batches: Item[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS)
      batches.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
    try {
      await forEachBounded(batches, this.concurrency, async (batch, stopped) => {
        for (const item of await this.getBatch(batch, stopped)) {
          const meta = parseSeriesMeta(item);
          found.set(meta.seriesId, meta);
          this.remember(`${meta.tenant}#${meta.seriesId}`, meta);
        }
      });
    } catch (error) {
      if (error instanceof StoreUnavailableError || !isRetryable(error)) {
        throw translateError(error, 'series lookup', this.retry.retryAfterSeconds);
      }
      throw new StoreUnavailableError(
        `series lookup: retry budget of ${this.retry.maxAttempts} attempts exhausted: ${describeError(error)}`,
        this.retry.retryAfterSeconds,
        { cause: error },
      );
    }
    return found;
  }

  /** The items of one batch of ≤ 100 keys, re-asking for `UnprocessedKeys` until none are left. */
  private async getBatch(keys: Item[], stopped: () => boolean): Promise<Item[]> {
    const { retry, tableName } = this;
    const items: Item[] = [];
    await untilProcessed(
      keys,
      async (pending) => {
        const request: KeysAndAttributes = {
          Keys: pending,
          ProjectionExpression: PROJECTION,
          ExpressionAttributeNames: PROJECTION_NAMES,
        };
        const output = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: request } }),
        );
        items.push(...(output.Responses?.[tableName] ?? []));
        return output.UnprocessedKeys?.[tableName]?.Keys ?? [];
      },
      retry,
      stopped,
      (count, attempts) => `series lookup: ${count} key(s) still unprocessed after ${attempts} attempts`,
    );
    return items;
  }

  private remember(cacheKey: string, meta: SeriesMeta): void {
    this.cache.delete(cacheKey);
    this.cache.set(cacheKey, meta);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }
}

/** A catalog item back into the `SeriesMeta` it was written from (see `DynamoSeriesCatalog.put`). */
export function parseSeriesMeta(item: Item): SeriesMeta {
  const where = `catalog item ${item[ATTR.pk]?.S ?? '?'}`;
  const text = (name: string): string => {
    const value = item[name]?.S;
    if (value === undefined) throw new StateCodecError(`${where} has no string ${name}`);
    return value;
  };
  const json = (name: string): unknown => {
    try {
      return JSON.parse(text(name));
    } catch (error) {
      if (error instanceof StateCodecError) throw error;
      throw new StateCodecError(`${where}: ${name} is not JSON`, { cause: error });
    }
  };
  const kind = text('kind');
  if (!KINDS.has(kind)) throw new StateCodecError(`${where}: unknown kind ${JSON.stringify(kind)}`);
  const temporality = Number(item.temporality?.N);
  if (temporality !== 0 && temporality !== 1 && temporality !== 2) {
    throw new StateCodecError(`${where}: temporality ${item.temporality?.N ?? 'missing'} is not 0, 1 or 2`);
  }
  const monotonic = item.monotonic?.BOOL;
  if (monotonic === undefined) throw new StateCodecError(`${where} has no boolean monotonic`);
  const resource = json('resource');
  const scope = json('scope');
  const attributes = json('attributes');
  if (!isAttributes(resource) || !isAttributes(attributes)) {
    throw new StateCodecError(`${where}: resource and attributes must be JSON objects`);
  }
  if (!isScope(scope)) throw new StateCodecError(`${where}: scope must be {name, version}`);
  return {
    tenant: text('tenant'),
    seriesId: text('seriesId'),
    metric: {
      name: text('name'),
      unit: text('unit'),
      description: text('description'),
      kind: kind as MetricKind,
      temporality: temporality as Temporality,
      monotonic,
    },
    resource,
    scope,
    attributes,
  };
}

function isAttributes(value: unknown): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScope(value: unknown): value is Scope {
  if (!isAttributes(value)) return false;
  const { name, version } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof version === 'string';
}
