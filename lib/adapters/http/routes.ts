/**
 * The HTTP API's routes: one table for who serves what. In AWS, API Gateway sends each route to its
 * function (infra/stack.ts) and the Lambda authorizer guards every route but the public ones; the
 * ingest and query edges (ingest-request.ts, query-edge.ts) look their routes up here, and the local
 * runner routes with {@link apiFor} and {@link isPublicPath} the way API Gateway does. Two parts, so
 * that each function's bundle carries only its own.
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

/** `POST` routes of the ingest function, and what each accepts. */
export const INGEST_ROUTES = {
  '/v1/metrics': 'otlp',
  '/v1/points': 'points',
} as const;

/** `GET` (and `HEAD`) routes of the query function, and what each serves. */
export const QUERY_ROUTES = {
  '/v1/metrics': 'metrics',
  '/v1/query': 'query',
  '/': 'page',
  '/index.html': 'page',
  '/dashboard.js': 'script',
} as const;

export type IngestRoute = (typeof INGEST_ROUTES)[keyof typeof INGEST_ROUTES];
export type QueryRoute = (typeof QUERY_ROUTES)[keyof typeof QUERY_ROUTES];

/** Served without the authorizer: the dashboard's page and script (its API calls carry the key). */
const PUBLIC: readonly QueryRoute[] = ['page', 'script'];

/** What the ingest route at `path` accepts (any method: the edge answers 405 to all but POST). */
export function ingestRoute(path: string): IngestRoute | undefined {
  return Object.hasOwn(INGEST_ROUTES, path) ? INGEST_ROUTES[path as keyof typeof INGEST_ROUTES] : undefined;
}

/** What the query route at `path` serves (the edge answers 405 to methods but GET and HEAD). */
export function queryRoute(path: string): QueryRoute | undefined {
  return Object.hasOwn(QUERY_ROUTES, path) ? QUERY_ROUTES[path as keyof typeof QUERY_ROUTES] : undefined;
}

/** Whether `path` is served without a key, whatever the method. */
export function isPublicPath(path: string): boolean {
  const route = queryRoute(path);
  return route !== undefined && PUBLIC.includes(route);
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
