/**
 * One query request at the HTTP edge: `GET /v1/metrics`, `GET /v1/query`, and the dashboard (`GET /`
 * and its script), for API Gateway HTTP API (payload v2) events. Every parameter is validated before
 * a reader sees it; a bad one gets a 400 naming it (`{error, param}`), a busy store a 503 with
 * Retry-After, an unexpected failure a generic 500 (never exception text). No logger: the outcome
 * says what happened, and the Lambda shell (lib/compose/query) logs it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { StoreUnavailableError } from '../../app/errors.js';
import { parseQueryParams, QueryParamError } from '../../app/query/params.js';
import type { MetricCatalog, MetricSummary } from '../../app/query/ports.js';
import { type QueryDeps, type QueryResult, query } from '../../app/query/query.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { describeView } from '../../core/config/views.js';
import { queryRoute } from './routes.js';
import { tenantOf } from './tenant.js';

type Response = APIGatewayProxyStructuredResultV2;

/** The dashboard's page and script (built by `lib/dashboard`). */
export interface DashboardAssets {
  readonly html: string;
  readonly js: string;
}

export interface QueryEdgeDeps {
  readonly config: WindrowConfig;
  /** The query use case's ports (the configuration is added from `config`). */
  readonly deps: Omit<QueryDeps, 'config'>;
  readonly metrics: MetricCatalog;
  readonly dashboard?: DashboardAssets;
  readonly clock: { nowMs(): number };
}

/** Answered without a query: the dashboard, the metric list, or a refusal (4xx, 503). */
export interface AnsweredOutcome {
  readonly kind: 'answered';
  readonly response: Response;
}

/** A query ran: its response and what the log line says about it. */
export interface QueriedOutcome {
  readonly kind: 'queried';
  readonly response: Response;
  readonly log: QueryLog;
}

/** The fields of a query's log line. */
export interface QueryLog {
  readonly tenant: string;
  readonly metric: string;
  readonly tiers: readonly string[];
  readonly series: number;
  readonly points: number;
  /** The query's own time (reads and merging), rounded to the millisecond. */
  readonly durationMs: number;
}

/** A bug of ours (500): the error is for the log, never for the response. */
export interface FailedQueryOutcome {
  readonly kind: 'failed';
  readonly response: Response;
  readonly error: unknown;
}

export type QueryEdgeOutcome = AnsweredOutcome | QueriedOutcome | FailedQueryOutcome;

const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";

/**
 * Serves one query-side event. Never throws.
 *
 * @example
 * const outcome = await handleQueryEvent(event, { config, deps: { reader, checkpoints }, metrics });
 * return outcome.response;
 */
export async function handleQueryEvent(
  event: APIGatewayProxyEventV2,
  edge: QueryEdgeDeps,
): Promise<QueryEdgeOutcome> {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  if (method !== 'GET' && method !== 'HEAD') {
    return answered(json(405, { error: `${method} is not allowed on ${path}` }, { allow: 'GET' }));
  }
  const route = queryRoute(path);
  if (route === 'page' || route === 'script') {
    const { dashboard } = edge;
    if (dashboard === undefined) return answered(json(404, { error: 'no dashboard in this build' }));
    return answered(route === 'page' ? page(dashboard.html) : script(dashboard.js));
  }
  const tenant = tenantOf(event);
  if (typeof tenant !== 'string') return answered(json(tenant.status, { error: tenant.message }));
  try {
    switch (route) {
      case 'metrics':
        return answered(
          json(200, { metrics: withViews(await edge.metrics.listMetrics(tenant), edge.config) }),
        );
      case 'query':
        return await runQuery(event, tenant, edge);
      default:
        return answered(json(404, { error: `no route for GET ${path}` }));
    }
  } catch (error) {
    if (error instanceof QueryParamError) {
      return answered(json(400, { error: error.message, param: error.param }));
    }
    if (error instanceof StoreUnavailableError) {
      return answered(
        json(
          503,
          { error: 'the store is busy, retry shortly' },
          { 'retry-after': String(error.retryAfterSeconds) },
        ),
      );
    }
    return { kind: 'failed', response: json(500, { error: 'internal error' }), error };
  }
}

/** The metric list with each view's source and keys (a view's series are listed like any metric's). */
function withViews(metrics: readonly MetricSummary[], config: WindrowConfig): MetricSummary[] {
  if (config.views.length === 0) return [...metrics];
  const views = new Map(config.views.map((v) => [v.name, v]));
  return metrics.map((m) => {
    const view = views.get(m.name);
    return view === undefined ? m : { ...m, view: describeView(view) };
  });
}

/** `GET /v1/query`: the parameters checked, then the use case. */
async function runQuery(
  event: APIGatewayProxyEventV2,
  tenant: string,
  edge: QueryEdgeDeps,
): Promise<QueriedOutcome> {
  const params = parseQueryParams(event.rawQueryString ?? '', edge.config, edge.clock.nowMs());
  const started = performance.now();
  const result = fitResponse(await query(tenant, params, { ...edge.deps, config: edge.config }));
  const points = result.series.reduce((a, s) => a + s.points.length, 0);
  return {
    kind: 'queried',
    response: json(200, result),
    log: {
      tenant,
      metric: params.metric,
      tiers: result.tiers,
      series: result.series.length,
      points,
      durationMs: Math.round(performance.now() - started),
    },
  };
}

/**
 * Largest answer body: a Lambda response is at most 6 MB (payload and headers), so a query whose
 * answer would be bigger fails outright there. Past this, the answer keeps the series that fit.
 */
export const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

/** The answer within {@link MAX_ANSWER_BYTES}: whole, or its first series that fit and `truncated`. */
export function fitResponse(result: QueryResult, maxBytes = MAX_ANSWER_BYTES): QueryResult {
  const whole = Buffer.byteLength(JSON.stringify(result));
  if (whole <= maxBytes) return result;
  const empty = Buffer.byteLength(JSON.stringify({ ...result, series: [], truncated: true }));
  let used = empty;
  let keep = 0;
  for (const series of result.series) {
    const size = Buffer.byteLength(JSON.stringify(series)) + 1; // and its comma
    if (used + size > maxBytes) break;
    used += size;
    keep++;
  }
  return { ...result, series: result.series.slice(0, keep), truncated: true };
}

function answered(response: Response): AnsweredOutcome {
  return { kind: 'answered', response };
}

function page(html: string): Response {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
    },
    body: html,
  };
}

function script(js: string): Response {
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' },
    body: js,
  };
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Response {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
