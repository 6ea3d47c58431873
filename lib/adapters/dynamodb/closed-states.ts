/**
 * Closed states in the window-state table: items `C#<tier>#<windowStart>#<shard>` /
 * `<version>#<chunk>` (16 + 4 digits) with `data` (B), `version` (N), `chunks` (N, the chunk count
 * of that version), `parentChunks` (N) and `ttl` (N).
 *
 * Each version has items of its own, so writing a new version never touches the one in force: a
 * reader sees the old version until every chunk of the new one is there, and a writer that crashed
 * half-way leaves the old version readable. Older versions are deleted once a newer one is written.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClosedStateRecord, ClosedStateWrite } from '../../app/close-ports.js';
import { StoreRequestError } from '../../app/errors.js';
import type { Clock } from '../../app/ports.js';
import { StateCodecError } from '../../core/errors.js';
import type { BatchWriter, Item } from './batch-writer.js';
import {
  CHUNK_DIGITS,
  closedStateChunkKey,
  closedStatePk,
  closedStateSk,
  parseClosedStateSk,
  type TableKey,
} from './keys.js';
import { queryPartition, safeIntegerOf } from './partition-query.js';
import type { RetryOptions } from './retry.js';
import { ATTR } from './table.js';
import { ttlValue } from './window-store.js';

/** Attribute names of a closed-state chunk besides the key, `data` and `ttl`. */
export const CLOSED_ATTR = { version: 'version', chunks: 'chunks', parentChunks: 'parentChunks' } as const;

const MAX_CHUNKS = 10 ** CHUNK_DIGITS;

export interface ClosedStatesOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly retry: RetryOptions;
  /** Puts and deletes (BatchWriteItem, with its retries). */
  readonly writer: BatchWriter;
}

interface StoredChunk {
  readonly version: number;
  readonly chunk: number;
  readonly chunks: number;
  readonly parentChunks: number;
  readonly data: Uint8Array;
}

/**
 * The closed-state half of `DynamoCloseStore` (see `close-store.ts`).
 *
 * Races: two closers of one window write different versions into different items; the reader takes
 * the highest complete one, and a writer deletes only versions below its own, so whatever the
 * interleaving the newest complete version stays readable.
 *
 * @example
 * const states = new ClosedStates({ client, tableName, clock: systemClock, retry: DEFAULT_RETRY, writer });
 * await states.write({ tier: 0, windowStartMs, shard, version: Date.now(), chunks, parentChunks: 1, expiresAtSec });
 * (await states.read(0, windowStartMs, shard))?.chunks; // the same chunks
 */
export class ClosedStates {
  constructor(private readonly options: ClosedStatesOptions) {}

  /**
   * The highest version whose chunks `0…chunks-1` are all there and live (not past `ttl`), read
   * newest first (strongly consistent) and stopping there; undefined when there is none.
   */
  async read(tier: number, windowStartMs: number, shard: number): Promise<ClosedStateRecord | undefined> {
    const { client, tableName, retry, clock } = this.options;
    const pk = closedStatePk(tier, windowStartMs, shard);
    let group: StoredChunk[] = [];
    for await (const page of queryPartition({
      client,
      tableName,
      retry,
      pk,
      what: 'readClosedState',
      liveAtSec: Math.floor(clock.nowMs() / 1000),
      descending: true,
    })) {
      for (const item of page) {
        const stored = parseChunk(pk, item);
        const current = group[0];
        if (current !== undefined && current.version !== stored.version) {
          const complete = completeVersion(group);
          if (complete !== undefined) return complete;
          group = [];
        }
        group.push(stored);
      }
    }
    return completeVersion(group);
  }

  /**
   * Puts every chunk of `write.version` (re-writing the same version is idempotent), then deletes
   * the items of lower versions. Throws `StoreRequestError` for an unusable version, chunk count or
   * item over 400 KB (nothing written), `StoreUnavailableError` when the retry budget runs out.
   */
  async write(write: ClosedStateWrite): Promise<void> {
    const { tier, windowStartMs, shard, version, chunks, parentChunks } = write;
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new StoreRequestError(`closed state version must be a safe integer ≥ 0, got ${version}`);
    }
    if (chunks.length < 1 || chunks.length > MAX_CHUNKS) {
      throw new StoreRequestError(`closed state needs 1…${MAX_CHUNKS} chunks, got ${chunks.length}`);
    }
    if (!Number.isSafeInteger(parentChunks) || parentChunks < 0) {
      throw new StoreRequestError(`parentChunks must be a whole number, got ${parentChunks}`);
    }
    const ttl = ttlValue(write.expiresAtSec);
    const items = chunks.map((data, chunk): Item => {
      const key = closedStateChunkKey(tier, windowStartMs, shard, version, chunk);
      return {
        [ATTR.pk]: { S: key.pk },
        [ATTR.sk]: { S: key.sk },
        [ATTR.data]: { B: data },
        [CLOSED_ATTR.version]: { N: String(version) },
        [CLOSED_ATTR.chunks]: { N: String(chunks.length) },
        [CLOSED_ATTR.parentChunks]: { N: String(parentChunks) },
        [ATTR.ttl]: ttl,
      };
    });
    await this.options.writer.putAll(items, 'writeClosedState');
    await this.deleteOlder(tier, windowStartMs, shard, version);
  }

  /** Deletes every item of a version below `version` (only those are read: SK < `<version>#`). */
  private async deleteOlder(
    tier: number,
    windowStartMs: number,
    shard: number,
    version: number,
  ): Promise<void> {
    const { client, tableName, retry, writer } = this.options;
    const pk = closedStatePk(tier, windowStartMs, shard);
    const older: TableKey[] = [];
    for await (const page of queryPartition({
      client,
      tableName,
      retry,
      pk,
      what: 'writeClosedState (older versions)',
      skBelow: closedStateSk(version, 0),
      attributes: [ATTR.sk],
    })) {
      for (const item of page) {
        const sk = item[ATTR.sk]?.S;
        if (sk !== undefined) older.push({ pk, sk });
      }
    }
    if (older.length > 0) await writer.deleteAll(older, 'writeClosedState (delete older versions)');
  }
}

function parseChunk(pk: string, item: Item): StoredChunk {
  const sk = item[ATTR.sk]?.S ?? '?';
  const key = parseClosedStateSk(sk);
  const version = safeIntegerOf(item, CLOSED_ATTR.version);
  const chunks = safeIntegerOf(item, CLOSED_ATTR.chunks);
  const parentChunks = safeIntegerOf(item, CLOSED_ATTR.parentChunks);
  const data = item[ATTR.data]?.B;
  if (
    key === undefined ||
    version !== key.version ||
    chunks === undefined ||
    parentChunks === undefined ||
    data === undefined
  ) {
    throw new StateCodecError(
      `closed state item ${pk} / ${sk} is malformed (needs a <version>#<chunk> SK, a matching version, chunks, parentChunks and data)`,
    );
  }
  return { version, chunk: key.chunk, chunks, parentChunks, data };
}

/** The record when `group` (chunks of one version) has every chunk `0…chunks-1`, all agreeing. */
function completeVersion(group: readonly StoredChunk[]): ClosedStateRecord | undefined {
  const first = group[0];
  if (first === undefined || first.chunks < 1 || group.length < first.chunks) return undefined;
  const chunks: (Uint8Array | undefined)[] = new Array(first.chunks);
  for (const stored of group) {
    if (stored.chunks !== first.chunks || stored.parentChunks !== first.parentChunks) return undefined;
    if (stored.chunk < first.chunks) chunks[stored.chunk] = stored.data;
  }
  const ordered: Uint8Array[] = [];
  for (const data of chunks) {
    if (data === undefined) return undefined;
    ordered.push(data);
  }
  return { version: first.version, chunks: ordered, parentChunks: first.parentChunks };
}
