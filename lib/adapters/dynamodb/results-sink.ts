/**
 * The DynamoDB results table as a `ResultSink` (the local default, and the deploy option without
 * Timestream). Read back by `DynamoResultsReader` (`results-reader.ts`).
 *
 * Layout (DESIGN.md §4; why these keys: `results-keys.ts`):
 *
 * | attribute | value |
 * |-----------|-------|
 * | `PK`      | `<tenant>#<window>#<metric>` (window name: `1m`, `5m/1m`, `session:5m`) |
 * | `SK`      | `<windowStart 13 digits>#<pack>#<chunk 4 digits>` (pack: group, 4 digits, or a session's series id) |
 * | `data`    | B: one chunk of the pack (`results-codec.ts`: JSON + DEFLATE of every series' result) |
 * | `version` | N: the pack's version (the highest `ResultRecord.version` in it) |
 * | `chunks`  | N: how many chunks this version of the pack has |
 * | `ttl`     | N: epoch seconds, window end + the window's retention |
 *
 * A *pack* is everything one `write` call holds for one (tenant, window, metric, windowStart, group):
 * the close job of (tier, windowStart, shard) writes all its results in one call, and the group is
 * that shard, given by the `groupOf` option (use {@link groupByShard} with the configured `shards`).
 * Two close jobs of one window therefore never overwrite each other's results, and a re-close of a
 * shard overwrites exactly its own pack. A caller that splits one close's results over several
 * `write` calls must keep each pack within one call, or the later call replaces the earlier pack.
 * Session results are packs of one series each, keyed by series id (`results-keys.ts` says why).
 *
 * Cost: a pack of a few thousand series is one item of a few hundred KB (write units track bytes,
 * as for partials); a session costs one small item.
 *
 * Versions: every chunk is a conditional PutItem (`attribute_not_exists(PK) OR version <= :v`;
 * BatchWriteItem cannot carry conditions). A chunk of a higher version is never replaced; its
 * `ConditionalCheckFailedException` means "already newer" and the records count as written. An
 * equal version overwrites, so a retried close is idempotent (the encoding is deterministic).
 * Chunk 0 is the commit record: it is written after the pack's other chunks, and a reader uses a
 * pack only when chunk 0 and all the chunks it names carry its version. After a re-close with
 * fewer chunks, the chunks left over from the older version are deleted (chunk 0's put returns the
 * old item, which names the old chunk count; each delete is conditional on `version <= :v`). This
 * is best effort: readers ignore leftovers anyway, and TTL removes them.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import {
  type ResultRecord,
  type ResultSink,
  type SinkRejection,
  type SinkReport,
  type SupersededResult,
  windowKindOf,
} from '../../app/results.js';
import { shardOf } from '../../core/series/id.js';
import type { ShardLayout } from '../../core/window/shard-layout.js';
import { itemSize, MAX_ITEM_BYTES } from './item-size.js';
import { isConditionalCheckFailed } from './partition-query.js';
import { encodeResultPack, type PackedResult, splitChunks } from './results-codec.js';
import {
  groupPackId,
  isValidResultGroup,
  isValidResultWindowStart,
  MAX_RESULT_CHUNK,
  RESULT_ATTR,
  resultKeyProblem,
  resultSk,
} from './results-keys.js';
import { supersedeResults } from './results-supersede.js';
import { forEachBounded, type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export const DEFAULT_RESULT_RETENTION_MS = 7 * 86_400_000;
/** DESIGN.md §4: chunks ≤ ~350 KB, well inside DynamoDB's 400 KB item with a 2 KB key. */
export const DEFAULT_RESULT_CHUNK_BYTES = 350_000;
/** The largest chunk that still fits an item with the longest PK and the other attributes. */
export const MAX_RESULT_CHUNK_BYTES = MAX_ITEM_BYTES - 4096;

const SERIES_ID = /^[0-9a-f]{32}$/;

/**
 * Retention of a window's results: a map by window name (e.g. `WindrowConfig.retentionMs`, keyed by
 * tier name) or a function; a window it does not name gets `defaultRetentionMs`.
 */
export type ResultRetention = Readonly<Record<string, number>> | ((window: string) => number | undefined);

export interface DynamoResultsSinkOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * The group (0…9999) of a tier or sliding record: the shard of the close job that produced it, so
   * that the packs of several close jobs of one window live side by side. Required, because a wrong
   * default (one group for all) would let shards overwrite each other. Usually
   * `groupByShard(config.shards)`. Not called for session records.
   */
  readonly groupOf: (record: ResultRecord) => number;
  /** Per window name; default 7 days for every window. */
  readonly retentionMs?: ResultRetention;
  /** For windows `retentionMs` does not name (default 7 days). */
  readonly defaultRetentionMs?: number;
  /** Largest chunk (bytes of compressed pack) per item (default 350,000). */
  readonly chunkBytes?: number;
  /** PutItem/DeleteItem calls in flight at once (default 8). */
  readonly concurrency?: number;
  /** Backoff budget and the injected sleep/random (defaults: `DEFAULT_RETRY`). */
  readonly retry?: Partial<RetryOptions>;
  /** Delete chunks an older version left beyond the new chunk count (default true). */
  readonly deleteStaleChunks?: boolean;
  /**
   * Told when a leftover chunk could not be deleted within the retry budget (the write still
   * succeeds: readers ignore the chunk and TTL removes it). Default: ignore.
   */
  readonly onStaleChunkError?: (message: string, cause: StoreUnavailableError) => void;
}

/**
 * `groupOf` for a deployment with `shards` shards: the record's shard, the same one its close job
 * ran for (`shardOf` is a pure function of the series id).
 *
 * @example new DynamoResultsSink({ client, tableName: 'windrow-results', groupOf: groupByShard(config.shards) })
 */
export function groupByShard(shards: number): (record: ResultRecord) => number {
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new RangeError(`shards must be a positive integer, got ${shards}`);
  }
  return (record) => shardOf(record.seriesId, shards);
}

/**
 * `groupOf` across changes of `shards`: the record's shard under the layout its close job read (the
 * epoch of the window's last pane, `endMs − 1`, so a sliding window is grouped with the job that
 * emitted it). Equal to {@link groupByShard} while the count never changed.
 */
export function groupByLayout(layout: () => ShardLayout): (record: ResultRecord) => number {
  return (record) => layout().shardOf(record.seriesId, record.endMs - 1);
}

interface Pack {
  readonly pk: string;
  readonly windowStartMs: number;
  /** Group (4 digits) or, for a session, the series id. */
  readonly packId: string;
  /** By series id: the record with the highest version (the later one on a tie). */
  readonly records: Map<string, ResultRecord>;
  version: number;
  ttlSec: number;
}

interface PackItems {
  readonly pack: Pack;
  readonly items: Record<string, AttributeValue>[];
}

/**
 * @example
 * const sink = new DynamoResultsSink({ client, tableName: 'windrow-results', groupOf: groupByShard(8), retentionMs: config.retentionMs });
 * const report = await sink.write(results); // report.written + report.rejected === results.length
 */
export class DynamoResultsSink implements ResultSink {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly groupOf: (record: ResultRecord) => number;
  private readonly retention: (window: string) => number;
  private readonly chunkBytes: number;
  private readonly concurrency: number;
  private readonly retry: RetryOptions;
  private readonly deleteStaleChunks: boolean;
  private readonly onStaleChunkError: DynamoResultsSinkOptions['onStaleChunkError'];

  constructor(options: DynamoResultsSinkOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.groupOf = options.groupOf;
    this.retention = retentionLookup(options.retentionMs, options.defaultRetentionMs);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_RESULT_CHUNK_BYTES;
    if (
      !Number.isSafeInteger(this.chunkBytes) ||
      this.chunkBytes < 1 ||
      this.chunkBytes > MAX_RESULT_CHUNK_BYTES
    ) {
      throw new RangeError(
        `chunkBytes must be an integer in [1, ${MAX_RESULT_CHUNK_BYTES}], got ${this.chunkBytes}`,
      );
    }
    this.concurrency = options.concurrency ?? 8;
    this.retry = resolveRetry(options.retry);
    this.deleteStaleChunks = options.deleteStaleChunks ?? true;
    this.onStaleChunkError = options.onStaleChunkError;
  }

  /**
   * Writes every valid record (packed per metric, window, windowStart and group) or throws
   * `StoreUnavailableError` once the retry budget runs out (re-running the write is safe).
   * Records whose key cannot be built (tenant, window name, metric, times, version, series id) are
   * reported as rejections; `StoreRequestError` when DynamoDB refuses a request as invalid.
   */
  async write(records: readonly ResultRecord[]): Promise<SinkReport> {
    const rejections: SinkRejection[] = [];
    const packs = new Map<string, Pack>();
    records.forEach((record, index) => {
      const outcome = this.placeOf(record);
      if (typeof outcome === 'string') {
        rejections.push({ index, seriesId: String(record.seriesId), reason: outcome });
        return;
      }
      const id = `${outcome.pk}\u0000${record.startMs}\u0000${outcome.packId}`;
      let pack = packs.get(id);
      if (pack === undefined) {
        pack = {
          pk: outcome.pk,
          windowStartMs: record.startMs,
          packId: outcome.packId,
          records: new Map(),
          version: record.version,
          ttlSec: outcome.ttlSec,
        };
        packs.set(id, pack);
      }
      const previous = pack.records.get(record.seriesId);
      if (previous === undefined || previous.version <= record.version) {
        pack.records.set(record.seriesId, record);
      }
      pack.version = Math.max(pack.version, record.version);
      pack.ttlSec = Math.max(pack.ttlSec, outcome.ttlSec);
    });

    const built = [...packs.values()].map((pack) => this.itemsOf(pack));
    // Chunk 0 last: it commits the pack (see the module comment).
    const rest = built.flatMap(({ items }) => items.slice(1));
    await forEachBounded(rest, this.concurrency, async (item) => {
      await this.put(item, false);
    });
    const stale: { pack: Pack; chunks: number; oldChunks: number }[] = [];
    await forEachBounded(built, this.concurrency, async ({ pack, items }) => {
      const first = items[0];
      if (first === undefined) return;
      const oldChunks = await this.put(first, this.deleteStaleChunks);
      if (oldChunks !== undefined && oldChunks > items.length) {
        stale.push({ pack, chunks: items.length, oldChunks });
      }
    });
    const deletes = stale.flatMap(({ pack, chunks, oldChunks }) =>
      Array.from({ length: oldChunks - chunks }, (_, i) => ({ pack, chunk: chunks + i })),
    );
    await forEachBounded(deletes, this.concurrency, async ({ pack, chunk }) => {
      await this.deleteStale(pack, chunk);
    });

    return { written: records.length - rejections.length, rejected: rejections.length, rejections };
  }

  /**
   * Deletes superseded session results (every chunk stored with a version up to theirs; see
   * `results-supersede.ts`). Non-session results are reported as rejections.
   */
  supersede(results: readonly SupersededResult[]): Promise<SinkReport> {
    const { client, tableName, retry, concurrency } = this;
    return supersedeResults({ client, tableName, retry, concurrency }, results);
  }

  /** Where a record goes, or why it cannot be stored. */
  private placeOf(record: ResultRecord): { pk: string; packId: string; ttlSec: number } | string {
    if (typeof record.seriesId !== 'string' || !SERIES_ID.test(record.seriesId)) {
      return `invalid seriesId ${JSON.stringify(record.seriesId)}`;
    }
    if (typeof record.metric !== 'string') return 'metric name is not a string';
    const keyProblem = resultKeyProblem(record.tenant, record.window, record.metric);
    if (keyProblem !== undefined) return keyProblem;
    if (record.windowKind !== windowKindOf(record.window)) {
      return `windowKind ${record.windowKind} does not match window name ${record.window}`;
    }
    if (!isValidResultWindowStart(record.startMs)) return `invalid startMs ${record.startMs}`;
    if (!Number.isSafeInteger(record.endMs) || record.endMs < record.startMs) {
      return `invalid endMs ${record.endMs}`;
    }
    if (!Number.isSafeInteger(record.version) || record.version < 0) {
      return `invalid version ${record.version}`;
    }
    let packId = record.seriesId;
    if (record.windowKind !== 'session') {
      let group: number;
      try {
        group = this.groupOf(record);
      } catch (error) {
        return `groupOf failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (!isValidResultGroup(group)) return `invalid group ${group}`;
      packId = groupPackId(group);
    }
    const retentionMs = this.retention(record.window);
    const ttlSec = Math.ceil((record.endMs + retentionMs) / 1000);
    return { pk: `${record.tenant}#${record.window}#${record.metric}`, packId, ttlSec };
  }

  private itemsOf(pack: Pack): PackItems {
    const results = [...pack.records.values()]
      .sort((a, b) => (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0))
      .map(
        (r): PackedResult => ({
          seriesId: r.seriesId,
          unit: r.unit,
          metricKind: r.metricKind,
          attributes: r.attributes,
          resource: r.resource,
          endMs: r.endMs,
          version: r.version,
          stats: r.stats,
          ...(r.state ? { state: r.state } : {}),
        }),
      );
    const chunks = splitChunks(encodeResultPack(results), this.chunkBytes);
    if (chunks.length > MAX_RESULT_CHUNK + 1) {
      throw new StoreRequestError(
        `results pack ${pack.pk} / ${pack.windowStartMs} needs ${chunks.length} chunks, over ${MAX_RESULT_CHUNK + 1}`,
      );
    }
    const items = chunks.map((data, chunk) => {
      const item: Record<string, AttributeValue> = {
        [ATTR.pk]: { S: pack.pk },
        [ATTR.sk]: { S: resultSk(pack.windowStartMs, pack.packId, chunk) },
        [ATTR.data]: { B: data },
        [RESULT_ATTR.version]: { N: String(pack.version) },
        [RESULT_ATTR.chunks]: { N: String(chunks.length) },
        [ATTR.ttl]: { N: String(pack.ttlSec) },
      };
      const size = itemSize(item);
      if (size > MAX_ITEM_BYTES) {
        throw new StoreRequestError(
          `results item ${pack.pk} / ${item[ATTR.sk]?.S} is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}`,
        );
      }
      return item;
    });
    return { pack, items };
  }

  /**
   * One conditional put. Returns the chunk count of the item it replaced when `wantOld` (undefined
   * when there was none, or when a newer version kept its place).
   */
  private async put(item: Record<string, AttributeValue>, wantOld: boolean): Promise<number | undefined> {
    const version = item[RESULT_ATTR.version] ?? { N: '0' };
    try {
      const output = await withRetry(
        () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(#pk) OR #version <= :v',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#version': RESULT_ATTR.version },
              ExpressionAttributeValues: { ':v': version },
              ...(wantOld ? { ReturnValues: 'ALL_OLD' as const } : {}),
            }),
          ),
        `put results ${item[ATTR.pk]?.S} / ${item[ATTR.sk]?.S}`,
        this.retry,
      );
      const old = output.Attributes?.[RESULT_ATTR.chunks]?.N;
      return old === undefined ? undefined : Number(old);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined; // a higher version is already stored
      throw error;
    }
  }

  /** Deletes a chunk left over from an older version, unless a newer write took its place. */
  private async deleteStale(pack: Pack, chunk: number): Promise<void> {
    const sk = resultSk(pack.windowStartMs, pack.packId, chunk);
    try {
      await withRetry(
        () =>
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { [ATTR.pk]: { S: pack.pk }, [ATTR.sk]: { S: sk } },
              ConditionExpression: '#version <= :v',
              ExpressionAttributeNames: { '#version': RESULT_ATTR.version },
              ExpressionAttributeValues: { ':v': { N: String(pack.version) } },
            }),
          ),
        `delete stale results ${pack.pk} / ${sk}`,
        this.retry,
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return; // a newer write owns this chunk now
      // The new version is committed and readers skip leftovers, which TTL removes. Failing the
      // write would only make the close job retry, and the retry cannot see the leftovers any more
      // (chunk 0 already names the new version): so report it and go on.
      if (error instanceof StoreUnavailableError) {
        this.onStaleChunkError?.(`stale results chunk ${pack.pk} / ${sk} not deleted`, error);
        return;
      }
      throw error;
    }
  }
}

function retentionLookup(
  retention: ResultRetention | undefined,
  defaultMs = DEFAULT_RESULT_RETENTION_MS,
): (window: string) => number {
  const check = (ms: number | undefined, what: string): number => {
    if (ms === undefined) return defaultMs;
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`retention of ${what} must be whole milliseconds ≥ 0, got ${ms}`);
    }
    return ms;
  };
  check(defaultMs, 'the default');
  if (retention === undefined) return () => defaultMs;
  if (typeof retention === 'function') return (window) => check(retention(window), window);
  return (window) => check(Object.hasOwn(retention, window) ? retention[window] : undefined, window);
}
