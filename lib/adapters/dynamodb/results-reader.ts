/**
 * The DynamoDB results table as a `ResultReader`: what `DynamoResultsSink` (`results-sink.ts`)
 * wrote, read back for one (tenant, window, metric) over a time range.
 *
 * One Query on the PK with `SK BETWEEN <fromMs> AND <toMs − 1>#~`, paged, items past their `ttl`
 * filtered out (DynamoDB deletes them lazily, dynalite never). Items arrive in SK order, i.e. by
 * window start, then pack (group or session series id), then chunk; each window start is finished as soon as the next one
 * begins, so a `limit` stops the Query early instead of reading the whole range.
 *
 * Per (windowStart, pack) the pack is used only when complete: chunk 0 names the version and the
 * chunk count, and every chunk up to that count must carry the same version and count. Chunks with
 * a higher index (left by an older version with more chunks) are ignored. A pack whose re-close is
 * still being written (chunk 0 and the others disagree) is left out until the write completes or
 * is retried. Should a series appear in two groups (possible only after `shards` changed), the
 * higher version wins, then the lower group.
 */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { StoreRequestError } from '../../app/errors.js';
import { type Clock, systemClock } from '../../app/ports.js';
import { type ResultQuery, type ResultReader, type ResultRecord, windowKindOf } from '../../app/results.js';
import type { FinalStats } from '../../core/aggregate/contract.js';
import { DEFAULT_CONFIG_INPUT } from '../../core/config/config.js';
import { StateCodecError } from '../../core/errors.js';
import { decodeResultState } from '../../core/group/group-state.js';
import type { AttributeValue as PointAttributeValue } from '../../core/point.js';
import { decodeResultPack, joinChunks, type ReadResult } from './results-codec.js';
import { parseResultSk, RESULT_ATTR, resultPk, resultSkRange } from './results-keys.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export const DEFAULT_RESULT_LIMIT = 10_000;

export interface DynamoResultsReaderOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** For TTL filtering (default: the system clock). */
  readonly clock?: Clock;
  /** Backoff budget and the injected sleep/random (defaults: `DEFAULT_RETRY`). */
  readonly retry?: Partial<RetryOptions>;
  /**
   * Strongly consistent reads (default false: half the read units; a window closed a moment ago
   * may show up a moment later, which a query over closed windows tolerates).
   */
  readonly consistentRead?: boolean;
  /**
   * The percentiles of results finalized on read from their state (results-codec.ts): the
   * configuration's `percentiles` (default: the default configuration's).
   */
  readonly percentiles?: readonly number[];
}

interface Chunk {
  readonly version: number;
  readonly chunks: number;
  readonly data: Uint8Array;
}

/** The items of one window start: pack id → chunk index → chunk. */
interface WindowItems {
  readonly windowStartMs: number;
  readonly packs: Map<string, Map<number, Chunk>>;
}

/**
 * @example
 * const reader = new DynamoResultsReader({ client, tableName: 'windrow-results' });
 * const rows = await reader.read({ tenant: 'acme', metric: 'http.server.duration', window: '1m',
 *   fromMs: Date.parse('2026-01-01T00:00Z'), toMs: Date.parse('2026-01-01T01:00Z'), where: { route: '/api' } });
 */
export class DynamoResultsReader implements ResultReader {
  readonly keepsState = true;
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly consistentRead: boolean;
  private readonly percentiles: readonly number[];

  constructor(options: DynamoResultsReaderOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.retry = resolveRetry(options.retry);
    this.consistentRead = options.consistentRead ?? false;
    this.percentiles = options.percentiles ?? DEFAULT_CONFIG_INPUT.percentiles;
  }

  /**
   * The latest complete version of each (series, window) starting in `[fromMs, toMs)` whose point
   * attributes match `where`, ordered by startMs then seriesId, at most `limit` (default 10,000).
   * Throws `StoreRequestError` for a query no key can express (invalid tenant or window name, a
   * non-positive limit), `StoreUnavailableError` when DynamoDB stays unavailable through the retries.
   */
  async read(query: ResultQuery): Promise<ResultRecord[]> {
    const pk = resultPk(query.tenant, query.window, query.metric);
    const limit = query.limit ?? DEFAULT_RESULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StoreRequestError(`limit must be a positive integer, got ${limit}`);
    }
    if (Number.isNaN(query.fromMs) || Number.isNaN(query.toMs)) {
      throw new StoreRequestError(`invalid time range [${query.fromMs}, ${query.toMs})`);
    }
    const range = resultSkRange(query.fromMs, query.toMs);
    if (range === undefined) return [];
    const where = Object.entries(query.where ?? {});

    const out: ResultRecord[] = [];
    let current: WindowItems | undefined;
    const finish = (items: WindowItems) => {
      for (const result of latestResults(items, pk)) {
        if (matches(result.attributes, where))
          out.push(toRecord(query, items.windowStartMs, result, this.percentiles));
      }
    };
    for await (const { sk, chunk } of this.items(pk, range)) {
      const key = parseResultSk(sk);
      if (key === undefined) throw new StateCodecError(`results item ${pk} / ${sk}: malformed SK`);
      if (current !== undefined && current.windowStartMs !== key.windowStartMs) {
        finish(current);
        current = undefined;
        if (out.length >= limit) break; // later window starts only sort after these
      }
      current ??= { windowStartMs: key.windowStartMs, packs: new Map() };
      let pack = current.packs.get(key.packId);
      if (pack === undefined) {
        pack = new Map();
        current.packs.set(key.packId, pack);
      }
      pack.set(key.chunk, chunk);
    }
    if (current !== undefined) finish(current);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** Every unexpired item of `pk` in the SK range, in SK order, a Query page at a time. */
  private async *items(
    pk: string,
    range: { low: string; high: string },
  ): AsyncIterable<{ sk: string; chunk: Chunk }> {
    const nowSec = Math.floor(this.clock.nowMs() / 1000);
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const exclusiveStartKey = startKey;
      const output = await withRetry(
        () =>
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
              // DynamoDB's TTL: an item is expired once now > ttl.
              FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
              ProjectionExpression: '#sk, #data, #version, #chunks',
              ExpressionAttributeNames: {
                '#pk': ATTR.pk,
                '#sk': ATTR.sk,
                '#data': ATTR.data,
                '#ttl': ATTR.ttl,
                '#version': RESULT_ATTR.version,
                '#chunks': RESULT_ATTR.chunks,
              },
              ExpressionAttributeValues: {
                ':pk': { S: pk },
                ':low': { S: range.low },
                ':high': { S: range.high },
                ':now': { N: String(nowSec) },
              },
              ConsistentRead: this.consistentRead,
              ExclusiveStartKey: exclusiveStartKey,
            }),
          ),
        `read results ${pk}`,
        this.retry,
      );
      for (const item of output.Items ?? []) {
        const sk = item[ATTR.sk]?.S;
        const data = item[ATTR.data]?.B;
        const version = Number(item[RESULT_ATTR.version]?.N);
        const chunks = Number(item[RESULT_ATTR.chunks]?.N);
        if (sk === undefined || data === undefined || !Number.isSafeInteger(version) || !(chunks >= 1)) {
          throw new StateCodecError(`results item ${pk} / ${sk ?? '?'} lacks data, version or chunks`);
        }
        yield { sk, chunk: { version, chunks, data } };
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}

/**
 * The results of the complete packs of one window start, one per series (highest version, then
 * lowest group), ordered by series id.
 */
function latestResults(items: WindowItems, pk: string): ReadResult[] {
  const bySeries = new Map<string, ReadResult>();
  // Pack ids in SK order: the lower group first.
  const packIds = [...items.packs.keys()].sort();
  for (const packId of packIds) {
    const parts = completeChunks(items.packs.get(packId));
    if (parts === undefined) continue;
    let results: ReadResult[];
    try {
      results = decodeResultPack(joinChunks(parts));
    } catch (error) {
      throw new StateCodecError(`results pack ${pk} / ${items.windowStartMs}#${packId} is unreadable`, {
        cause: error,
      });
    }
    for (const result of results) {
      const seen = bySeries.get(result.seriesId);
      if (seen === undefined || result.version > seen.version) bySeries.set(result.seriesId, result);
    }
  }
  return [...bySeries.values()].sort((a, b) =>
    a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0,
  );
}

/** The data of chunks 0…n−1 when chunk 0's version is complete, else undefined. */
function completeChunks(chunks: Map<number, Chunk> | undefined): Uint8Array[] | undefined {
  const first = chunks?.get(0);
  if (chunks === undefined || first === undefined) return undefined;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < first.chunks; i++) {
    const chunk = chunks.get(i);
    if (chunk === undefined || chunk.version !== first.version || chunk.chunks !== first.chunks) {
      return undefined;
    }
    parts.push(chunk.data);
  }
  return parts;
}

/**
 * `where` is a string compare: a string attribute as it is, a number as `String(n)` (its JSON text
 * for finite numbers), anything else as its JSON text (`true`, `null`, `[1,2]`). A missing
 * attribute never matches.
 */
function matches(
  attributes: Readonly<Record<string, PointAttributeValue>>,
  where: [string, string][],
): boolean {
  for (const [name, expected] of where) {
    if (!Object.hasOwn(attributes, name)) return false;
    if (attributeText(attributes[name] ?? null) !== expected) return false;
  }
  return true;
}

function attributeText(value: PointAttributeValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function toRecord(
  query: ResultQuery,
  windowStartMs: number,
  result: ReadResult,
  percentiles: readonly number[],
): ResultRecord {
  const state =
    result.stateBase64 !== undefined && (query.withState || result.stats === undefined)
      ? new Uint8Array(Buffer.from(result.stateBase64, 'base64'))
      : undefined;
  return {
    tenant: query.tenant,
    seriesId: result.seriesId,
    metric: query.metric,
    unit: result.unit,
    metricKind: result.metricKind,
    attributes: result.attributes,
    resource: result.resource,
    window: query.window,
    windowKind: windowKindOf(query.window),
    startMs: windowStartMs,
    endMs: result.endMs,
    version: result.version,
    stats: result.stats ?? finalizeState(state, windowStartMs, result.endMs, percentiles),
    ...(query.withState && state !== undefined ? { state } : {}),
  };
}

/** Stats finalized from a stored state (results written without theirs, results-codec.ts). */
function finalizeState(
  state: Uint8Array | undefined,
  windowStartMs: number,
  windowEndMs: number,
  percentiles: readonly number[],
): FinalStats {
  if (state === undefined) throw new StateCodecError('results pack: an entry has neither stats nor a state');
  const { group } = decodeResultState(state);
  if (group.kind === 'additive') throw new StateCodecError('results pack: an additive entry without stats');
  return group.kind.finalize(group.state, { windowStartMs, windowEndMs, percentiles });
}
