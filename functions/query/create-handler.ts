/**
 * The query function as a factory: `GET /v1/metrics`, `GET /v1/query`, and the dashboard (`GET /`
 * and its script), for API Gateway HTTP API (payload v2) events. middy with Powertools logger and
 * metrics, like the other functions. Every parameter is validated before a reader sees it; a bad
 * one gets a 400 naming it; an unexpected failure a generic 500 (never exception text).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { tenantOf } from '../../lib/adapters/http/tenant.js';
import { StoreUnavailableError } from '../../lib/app/errors.js';
import { parseQueryParams, QueryParamError } from '../../lib/app/query/params.js';
import type { MetricCatalog } from '../../lib/app/query/ports.js';
import { type QueryDeps, query } from '../../lib/app/query/query.js';
import type { WindrowConfig } from '../../lib/core/config/config.js';

export const QUERY_SERVICE = 'windrow-query';

/** The dashboard's page and script (built by `lib/dashboard`). */
export interface DashboardAssets {
  readonly html: string;
  readonly js: string;
}

export interface QueryHandlerOptions {
  readonly config: WindrowConfig;
  readonly deps: Omit<QueryDeps, 'config'>;
  readonly metrics: MetricCatalog;
  readonly dashboard?: DashboardAssets;
  readonly clock?: { nowMs(): number };
  readonly logger?: Logger;
  readonly emf?: Metrics;
}

export type QueryHttpHandler = MiddyfiedHandler<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
>;

function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** @example export const handler = createQueryHandler({ config, deps: { reader, checkpoints }, metrics }); */
export function createQueryHandler(options: QueryHandlerOptions): QueryHttpHandler {
  const logger = options.logger ?? new Logger({ serviceName: QUERY_SERVICE });
  const emf = options.emf ?? new Metrics({ namespace: 'windrow', serviceName: QUERY_SERVICE, logger });
  const clock = options.clock ?? { nowMs: () => Date.now() };
  const deps: QueryDeps = { ...options.deps, config: options.config };

  const serve = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    const path = event.rawPath;
    emf.addMetric('Requests', MetricUnit.Count, 1);
    if (method !== 'GET' && method !== 'HEAD') {
      return json(405, { error: `${method} is not allowed on ${path}` }, { allow: 'GET' });
    }
    if (path === '/' || path === '/index.html') {
      if (options.dashboard === undefined) return json(404, { error: 'no dashboard in this build' });
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
          'x-content-type-options': 'nosniff',
        },
        body: options.dashboard.html,
      };
    }
    if (path === '/dashboard.js') {
      if (options.dashboard === undefined) return json(404, { error: 'no dashboard in this build' });
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' },
        body: options.dashboard.js,
      };
    }
    const tenant = tenantOf(event);
    if (typeof tenant !== 'string') return json(tenant.status, { error: tenant.message });
    try {
      if (path === '/v1/metrics') {
        return json(200, { metrics: await options.metrics.listMetrics(tenant) });
      }
      if (path === '/v1/query') {
        const params = parseQueryParams(event.rawQueryString ?? '', options.config, clock.nowMs());
        const started = performance.now();
        const result = await query(tenant, params, deps);
        const points = result.series.reduce((a, s) => a + s.points.length, 0);
        emf.addMetric('QueryPoints', MetricUnit.Count, points);
        logger.info('query', {
          tenant,
          metric: params.metric,
          tiers: result.tiers,
          series: result.series.length,
          points,
          durationMs: Math.round(performance.now() - started),
        });
        return json(200, result);
      }
      return json(404, { error: `no route for GET ${path}` });
    } catch (error) {
      if (error instanceof QueryParamError) return json(400, { error: error.message, param: error.param });
      if (error instanceof StoreUnavailableError) {
        return json(
          503,
          { error: 'the store is busy, retry shortly' },
          { 'retry-after': String(error.retryAfterSeconds) },
        );
      }
      logger.error('query failed', { error: error as Error });
      return json(500, { error: 'internal error' });
    }
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(serve)
    .use(injectLambdaContext(logger))
    .use(logMetrics(emf));
}
