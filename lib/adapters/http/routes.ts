/**
 * The HTTP API's routes: one table for who serves what. In AWS, API Gateway sends each route to its
 * function (infra/stack.ts) and the Lambda authorizer guards every route but the public ones; the
 * ingest and query edges (ingest-edge.ts, query-edge.ts) look their routes up here, and the local
 * runner routes with {@link apiFor} and {@link isPublicPath} the way API Gateway does.
 *
 * Our own small table rather than Powertools' event handler (`@aws-lambda-powertools/event-handler`
 * 2.35, the newest beside our 2.3x packages): its Router turns every event into a web `Request`
 * before a route runs, which would decode the body before the ingest edge can refuse it from its
 * length (the size limit before any decoding, base64 checked by length), and answers unknown routes
 * and methods with its own bodies, so the wire would change; and it adds about 23 KB (minified) to
 * each bundle, where this table is a few lines.
 */

/** The two functions behind the HTTP API. */
export type HttpApi = 'ingest' | 'query';

/** What a route serves, as its edge dispatches on it. */
export type RouteTarget =
  | { readonly api: 'ingest'; readonly accepts: 'otlp' | 'points' }
  | { readonly api: 'query'; readonly serves: 'metrics' | 'query' | 'page' | 'script' };

export type HttpRoute = RouteTarget & {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Served without the authorizer (the dashboard page and script; its API calls carry the key). */
  readonly public?: boolean;
};

export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/v1/metrics', api: 'ingest', accepts: 'otlp' },
  { method: 'POST', path: '/v1/points', api: 'ingest', accepts: 'points' },
  { method: 'GET', path: '/v1/metrics', api: 'query', serves: 'metrics' },
  { method: 'GET', path: '/v1/query', api: 'query', serves: 'query' },
  { method: 'GET', path: '/', api: 'query', serves: 'page', public: true },
  { method: 'GET', path: '/index.html', api: 'query', serves: 'page', public: true },
  { method: 'GET', path: '/dashboard.js', api: 'query', serves: 'script', public: true },
];

/** The ingest route at `path` (any method: the edge answers 405 to all but POST). */
export function ingestRoute(path: string): (HttpRoute & { readonly api: 'ingest' }) | undefined {
  return HTTP_ROUTES.find((r): r is HttpRoute & { api: 'ingest' } => r.api === 'ingest' && r.path === path);
}

/** The query route at `path` (GET and HEAD; the edge answers 405 to other methods). */
export function queryRoute(path: string): (HttpRoute & { readonly api: 'query' }) | undefined {
  return HTTP_ROUTES.find((r): r is HttpRoute & { api: 'query' } => r.api === 'query' && r.path === path);
}

/** Whether `path` is served without a key, whatever the method. */
export function isPublicPath(path: string): boolean {
  return HTTP_ROUTES.some((r) => r.path === path && r.public === true);
}

/**
 * The function that answers `method path`: reads (GET, HEAD) go to query unless the path is only
 * ingest's, so query answers 404 to unknown paths; any other method on an ingest path goes to ingest,
 * which answers 405; anything else to neither (the caller answers 404).
 *
 * @example apiFor('GET', '/v1/metrics') // 'query'
 * @example apiFor('PUT', '/v1/metrics') // 'ingest' (405, Allow: POST)
 */
export function apiFor(method: string, path: string): HttpApi | undefined {
  const read = method === 'GET' || method === 'HEAD';
  const ingest = ingestRoute(path) !== undefined;
  if (read && (!ingest || queryRoute(path) !== undefined)) return 'query';
  return ingest ? 'ingest' : undefined;
}
