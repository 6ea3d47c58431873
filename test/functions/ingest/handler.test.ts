/**
 * The ingest Lambda module (functions/ingest/handler.ts) itself: its cold start fails on a bad
 * environment, and it wires the real DynamoDB ports from the environment.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { startDynalite } from '../../support/dynalite.js';
import { scanAll } from '../../support/local-store.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('Module: functions/ingest/handler', () => {
  it('fails its cold start on a missing table name', async () => {
    vi.stubEnv('WINDROW_STATE_TABLE', '');
    await expect(import('../../../functions/ingest/handler.js')).rejects.toThrow(
      /WINDROW_STATE_TABLE is not set/,
    );
  });

  it('wires the real DynamoDB ports from the environment (here: dynalite through AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const db = await startDynalite();
    try {
      await createWindowStateTable(db.client, 'windrow-handler-test');
      vi.stubEnv('WINDROW_STATE_TABLE', 'windrow-handler-test');
      vi.stubEnv('WINDROW_CONFIG', '{"shards":2}');
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.endpoint);
      vi.stubEnv('AWS_REGION', 'local');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
      vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
      const { handler } = await import('../../../functions/ingest/handler.js');

      const now = Date.now();
      const body = JSON.stringify({
        points: [
          { metric: 'queue.depth', timestamp: now - 2000, value: 3, attributes: { q: 'a' } },
          { metric: 'queue.depth', timestamp: now - 1000, value: 5, attributes: { q: 'b' } },
        ],
      });
      const json = { 'content-type': 'application/json' };
      const response: APIGatewayProxyStructuredResultV2 = await handler(
        httpEvent({ path: '/v1/points', headers: json, body, tenant: 'acme' }),
        lambdaContext('cold-1'),
      );
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body ?? '')).toEqual({ accepted: 2, rejected: 0, reasons: {}, errors: [] });

      const keys = (await scanAll(db.client, 'windrow-handler-test')).map((item) => item.PK?.S ?? '');
      expect(keys.filter((k) => k.startsWith('P#')).length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.startsWith('S#acme#'))).toHaveLength(2);

      const refused = await handler(
        httpEvent({ headers: { 'content-type': 'text/csv' }, body: 'a,b' }),
        lambdaContext(),
      );
      expect(refused.statusCode).toBe(415);
    } finally {
      await db.stop();
    }
  });
});
