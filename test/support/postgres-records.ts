/** A result record for the PostgreSQL sink and reader tests: a 1m histogram window at {@link T0}, overridable. */
import type { ResultRecord } from '../../lib/app/results.js';

/**
 * Yesterday 00:00 UTC: recent enough that no retention (the sink's pruning, TimescaleDB's policies in
 * the background) removes the test rows.
 */
export const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;

export function record(overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    tenant: 'acme',
    seriesId: '0123456789abcdef0123456789abcdef',
    metric: 'http.server.duration',
    unit: 'ms',
    metricKind: 'histogram',
    attributes: { route: '/api', code: 200 },
    resource: { 'service.name': 'web' },
    window: '1m',
    windowKind: 'tier',
    startMs: T0,
    endMs: T0 + 60_000,
    version: 1,
    stats: {
      count: 3,
      sum: 6,
      min: 1,
      max: 3,
      avg: 2,
      stddev: 0.816,
      percentiles: { p50: 2, p99: 3, 'p99.9': 3 },
      buckets: { bounds: [1, 2], counts: [1, 1, 1] },
    },
    ...overrides,
  };
}
