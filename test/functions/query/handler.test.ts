/**
 * The query Lambda module (functions/query/handler.ts) itself: wired from its environment against
 * dynalite, the dashboard and both routes answered.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { httpEvent, lambdaContext } from '../../support/apigw.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';

describe('The query Lambda module (functions/query/handler.ts)', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
    await createWindowStateTable(db.client, 'state');
    await createResultsTable(db.client, 'results');
  });
  afterAll(() => db?.stop());

  it('wires itself from the environment and answers against DynamoDB', async () => {
    vi.resetModules();
    vi.stubEnv('WINDROW_STATE_TABLE', 'state');
    vi.stubEnv('WINDROW_RESULTS_TABLE', 'results');
    vi.stubEnv('WINDROW_CONFIG', JSON.stringify({ sink: 'dynamodb', tiers: ['1m', '1h'] }));
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    try {
      const { handler: lambda } = await import('../../../functions/query/handler.js');
      const page = await lambda(httpEvent({ method: 'GET', path: '/' }), lambdaContext());
      expect(page.statusCode).toBe(200);
      expect(String(page.body)).toContain('dashboard.js');
      const metrics = await lambda(httpEvent({ method: 'GET', path: '/v1/metrics' }), lambdaContext());
      expect(JSON.parse(String(metrics.body))).toEqual({ metrics: [] });
      const event = {
        ...httpEvent({ method: 'GET', path: '/v1/query' }),
        rawQueryString: 'metric=cpu&since=1h',
      };
      const answer = await lambda(event, lambdaContext());
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(String(answer.body)).series).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
