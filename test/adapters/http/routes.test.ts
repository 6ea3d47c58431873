/**
 * The route table: which function serves which route, which routes are public, and how the local
 * runner picks the function for any method and path (the same answers its if-chain gave before the
 * table).
 */
import { describe, expect, it } from 'vitest';
import {
  apiFor,
  INGEST_ROUTES,
  ingestRoute,
  isPublicPath,
  QUERY_ROUTES,
  queryRoute,
} from '#adapters/http/routes.js';

describe('The HTTP route table', () => {
  it('lists the routes API Gateway sends to each function', () => {
    expect(INGEST_ROUTES).toEqual({ '/v1/metrics': 'otlp', '/v1/points': 'points' });
    expect(QUERY_ROUTES).toEqual({
      '/v1/metrics': 'metrics',
      '/v1/query': 'query',
      '/': 'page',
      '/index.html': 'page',
      '/dashboard.js': 'script',
    });
    expect(ingestRoute('/v1/metrics')).toBe('otlp');
    expect(ingestRoute('/v1/points')).toBe('points');
    expect(queryRoute('/v1/metrics')).toBe('metrics');
    expect(queryRoute('/dashboard.js')).toBe('script');
    for (const path of [
      '/v1/metrics/',
      '/V1/metrics',
      '',
      '__proto__',
      'constructor',
      'toString',
      '/v1/query?x',
    ]) {
      expect(ingestRoute(path), path).toBeUndefined();
      expect(queryRoute(path), path).toBeUndefined();
    }
    expect(queryRoute('/v1/points')).toBeUndefined();
  });

  it('keeps only the dashboard page and script public, whatever the method', () => {
    expect(['/', '/index.html', '/dashboard.js'].every(isPublicPath)).toBe(true);
    expect(['/v1/metrics', '/v1/points', '/v1/query', '/dashboard.js/', '/x'].some(isPublicPath)).toBe(false);
  });

  it.each([
    ['GET', '/v1/metrics', 'query'],
    ['HEAD', '/v1/metrics', 'query'],
    ['GET', '/v1/query', 'query'],
    ['GET', '/', 'query'],
    ['GET', '/nothing', 'query'],
    ['HEAD', '/v1/metrics/', 'query'],
    ['POST', '/v1/metrics', 'ingest'],
    ['POST', '/v1/points', 'ingest'],
    ['PUT', '/v1/metrics', 'ingest'],
    ['DELETE', '/v1/points', 'ingest'],
    ['GET', '/v1/points', 'ingest'],
    ['HEAD', '/v1/points', 'ingest'],
    ['POST', '/v1/query', undefined],
    ['POST', '/', undefined],
    ['DELETE', '/', undefined],
    ['POST', '/v1/metrics/', undefined],
    ['OPTIONS', '/nothing', undefined],
  ])('sends %s %s to %s', (method, path, api) => {
    expect(apiFor(method, path)).toBe(api);
  });
});
