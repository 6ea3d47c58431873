/**
 * `ResultSink.supersede` for the DynamoDB results table: a superseded session result is deleted —
 * every chunk of its pack (`<start>#<seriesId>#<chunk>`: chunk 0, whose `chunks` names the rest),
 * each with `version <= :v`, so a result written since with a higher version (the same session
 * again, grown) stays. Nothing is left behind for readers to filter. Deletes only (the close worker
 * needs no read access to the results table). Only session windows are superseded (a tier or
 * sliding window is replaced in place by its re-close).
 */
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SinkRejection, SinkReport, SupersededResult } from '../../app/results.js';
import { isConditionalCheckFailed } from './partition-query.js';
import {
  isValidResultWindowStart,
  MAX_RESULT_CHUNK,
  RESULT_ATTR,
  resultKeyProblem,
  resultPk,
  resultSk,
  seriesPackId,
} from './results-keys.js';
import { forEachBounded, type RetryOptions, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface SupersedeOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry: RetryOptions;
  readonly concurrency: number;
}

const SERIES_ID = /^[0-9a-f]{32}$/;

/**
 * Deletes the packs of `results` stored with a version up to each result's `version`.
 *
 * @example await supersedeResults({ client, tableName, retry, concurrency: 8 }, [{ ...identity, startMs, endMs, version }])
 */
export async function supersedeResults(
  options: SupersedeOptions,
  results: readonly SupersededResult[],
): Promise<SinkReport> {
  const rejections: SinkRejection[] = [];
  const targets: { pk: string; startMs: number; packId: string; version: number }[] = [];
  results.forEach((r, index) => {
    const problem =
      r.windowKind !== 'session'
        ? `only session results are superseded, not ${r.windowKind} ${JSON.stringify(r.window)}`
        : !SERIES_ID.test(r.seriesId)
          ? `invalid seriesId ${JSON.stringify(r.seriesId)}`
          : !isValidResultWindowStart(r.startMs)
            ? `invalid startMs ${r.startMs}`
            : !Number.isSafeInteger(r.version) || r.version < 0
              ? `invalid version ${r.version}`
              : resultKeyProblem(r.tenant, r.window, r.metric);
    if (problem !== undefined) {
      rejections.push({ index, seriesId: String(r.seriesId), reason: problem });
      return;
    }
    targets.push({
      pk: resultPk(r.tenant, r.window, r.metric),
      startMs: r.startMs,
      packId: seriesPackId(r.seriesId),
      version: r.version,
    });
  });
  const { client, tableName, retry } = options;
  /** One conditional delete; the chunk count of what it deleted (undefined: nothing, or newer). */
  const remove = async (pk: string, sk: string, version: number): Promise<number | undefined> => {
    try {
      const output = await withRetry(
        () =>
          client.send(
            new DeleteItemCommand({
              TableName: tableName,
              Key: { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } },
              ConditionExpression: '#version <= :v',
              ExpressionAttributeNames: { '#version': RESULT_ATTR.version },
              ExpressionAttributeValues: { ':v': { N: String(version) } },
              ReturnValues: 'ALL_OLD',
            }),
          ),
        `supersede results ${pk} / ${sk}`,
        retry,
      );
      const chunks = Number(output.Attributes?.[RESULT_ATTR.chunks]?.N);
      return Number.isSafeInteger(chunks) ? chunks : undefined;
    } catch (error) {
      // No such item (already gone), or a newer version owns it: either way nothing to remove.
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  };
  await forEachBounded(targets, options.concurrency, async (target) => {
    // Chunk 0 first: it commits a pack, so readers stop using the pack at once; it names the others.
    const chunks = (await remove(target.pk, resultSk(target.startMs, target.packId, 0), target.version)) ?? 1;
    for (let chunk = 1; chunk < Math.min(chunks, MAX_RESULT_CHUNK + 1); chunk++) {
      await remove(target.pk, resultSk(target.startMs, target.packId, chunk), target.version);
    }
  });
  return { written: results.length - rejections.length, rejected: rejections.length, rejections };
}
