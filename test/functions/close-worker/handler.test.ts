/**
 * The close worker Lambda module (functions/close-worker/handler.ts) itself, against dynalite:
 * partials written by ingest, a close job as an SQS event, the result read back from the results
 * table; its cold start fails on a bad environment.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { encodeCloseJob } from '#adapters/sqs/close-job.js';
import { ingest } from '#app/ingest.js';
import { parseConfig } from '#core/config/config.js';
import { SeriesIdCache } from '#core/series/id.js';
import { startDynalite } from '../../support/dynalite.js';
import { captureOutput, lambdaContext, logs, sqsEvent } from '../../support/lambda-output.js';
import { ManualClock } from '../../support/memory-ports.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

const STATE = 'windrow-close-handler-state';
const RESULTS = 'windrow-close-handler-results';
const CONFIG = {
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
} as const;

function stubAwsEnv(endpoint: string): void {
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  vi.stubEnv('AWS_REGION', 'local');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
}

describe('Module: functions/close-worker/handler', () => {
  it('fails its cold start on a missing results table with the DynamoDB sink', async () => {
    vi.stubEnv('WINDROW_STATE_TABLE', STATE);
    vi.stubEnv('WINDROW_CONFIG', JSON.stringify(CONFIG));
    vi.stubEnv('WINDROW_RESULTS_TABLE', '');
    await expect(import('../../../functions/close-worker/handler.js')).rejects.toThrow(
      /WINDROW_RESULTS_TABLE is not set/,
    );
  });

  it('closes a window from an SQS event with the real DynamoDB ports (dynalite through AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const db = await startDynalite();
    try {
      await createWindowStateTable(db.client, STATE);
      await createResultsTable(db.client, RESULTS);
      const config = parseConfig(CONFIG);

      // A 1 s window a few seconds in the past, written by the ingest use case at the time its
      // points arrived.
      const w = Math.floor(Date.now() / 1000) * 1000 - 5_000;
      const store = new DynamoWindowStore({ client: db.client, tableName: STATE });
      const catalog = new DynamoSeriesCatalog({ client: db.client, tableName: STATE });
      const points = [
        { metric: 'queue.depth', timestamp: w + 100, value: 3, attributes: { q: 'a' } },
        { metric: 'queue.depth', timestamp: w + 400, value: 5, attributes: { q: 'a' } },
        { metric: 'queue.depth', timestamp: w + 700, value: 11, attributes: { q: 'b' } },
        { metric: 'queue.depth', timestamp: w + 1_100, value: 99, attributes: { q: 'a' } }, // next window
      ];
      const written = await ingest(
        { tenant: 'acme', format: 'points', body: new TextEncoder().encode(JSON.stringify({ points })) },
        { store, catalog, clock: new ManualClock(w + 1_200), config, ids: new SeriesIdCache(config.shards) },
      );
      expect(written.accepted).toBe(4);

      const closeStore = new DynamoCloseStore({ client: db.client, tableName: STATE });
      for (const shard of [0, 1])
        await closeStore.initCheckpoint({ tier: 0, shard, closedThroughMs: w - 1_000 });

      stubAwsEnv(db.endpoint);
      vi.stubEnv('WINDROW_STATE_TABLE', STATE);
      vi.stubEnv('WINDROW_RESULTS_TABLE', RESULTS);
      vi.stubEnv('WINDROW_CONFIG', JSON.stringify(CONFIG));
      const { handler } = await import('../../../functions/close-worker/handler.js');

      const job = (windowStartMs: number, shard: number) =>
        encodeCloseJob({ tier: 0, windowStartMs, shard, correction: false });
      let response: SQSBatchResponse = { batchItemFailures: [] };
      const output = await captureOutput(async () => {
        response = await handler(
          sqsEvent([
            // Out of order on purpose: the handler closes w before w + 1 s in each shard.
            { messageId: 'w1-s0', body: job(w + 1_000, 0) },
            { messageId: 'w1-s1', body: job(w + 1_000, 1) },
            { messageId: 'w0-s1', body: job(w, 1) },
            { messageId: 'w0-s0', body: job(w, 0) },
            // Not ready: windows w + 2 s and w + 3 s of shard 0 are not closed.
            { messageId: 'w4-s0', body: job(w + 4_000, 0) },
          ]),
          lambdaContext('windrow-close-worker', 'cold-1'),
        );
      });
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'w4-s0' }]);
      const lines = logs(output);
      expect(lines.filter((l) => l.message === 'window closed').map((l) => [l.windowStart, l.shard])).toEqual(
        [
          [new Date(w).toISOString(), 0],
          [new Date(w + 1_000).toISOString(), 0],
          [new Date(w).toISOString(), 1],
          [new Date(w + 1_000).toISOString(), 1],
        ],
      );
      expect(lines.filter((l) => l.message === 'close job not ready, will be retried')).toHaveLength(1);
      expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);

      const reader = new DynamoResultsReader({ client: db.client, tableName: RESULTS, consistentRead: true });
      const results = await reader.read({
        tenant: 'acme',
        metric: 'queue.depth',
        window: '1s',
        fromMs: w - 10_000,
        toMs: w + 10_000,
      });
      expect(
        results.map((r) => [
          r.startMs - w,
          r.endMs - w,
          r.attributes.q,
          r.stats.count,
          r.stats.sum,
          r.stats.max,
        ]),
      ).toEqual([
        [0, 1_000, 'a', 2, 8, 5],
        [0, 1_000, 'b', 1, 11, 11],
        [1_000, 2_000, 'a', 1, 99, 99],
      ]);
      const checkpoints = await closeStore.readCheckpoints(0);
      expect([checkpoints.get(0)?.closedThroughMs, checkpoints.get(1)?.closedThroughMs]).toEqual([
        w + 1_000,
        w + 1_000,
      ]);

      // Delivered again (at-least-once): already closed, skipped, the results unchanged.
      const again = await captureOutput(async () => {
        response = await handler(
          sqsEvent([{ messageId: 'w0-s0-again', body: job(w, 0), receiveCount: 2 }]),
          lambdaContext('windrow-close-worker', 'warm-2'),
        );
      });
      expect(response.batchItemFailures).toEqual([]);
      expect(logs(again)[0]).toMatchObject({
        status: 'skipped',
        reason: 'already closed',
        cold_start: false,
      });
      expect(
        await reader.read({
          tenant: 'acme',
          metric: 'queue.depth',
          window: '1s',
          fromMs: w,
          toMs: w + 2_000,
        }),
      ).toEqual(results);
    } finally {
      await db.stop();
    }
  });
});
