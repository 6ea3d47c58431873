/** Result records for the Timestream tests, built by factory functions. */
import type { ResultRecord } from '#app/results.js';

/** 2023-11-14T22:14:00Z: a minute boundary. */
export const WINDOW_START = 1_700_000_040_000;

let counter = 0;

/** A 32-hex-digit series id, distinct per call (or derived from `n`). */
export function seriesId(n = ++counter): string {
  return n.toString(16).padStart(32, '0');
}

/** A 1m gauge result with typical stats; `overrides` replace fields. */
export function resultRecord(overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    tenant: 'acme',
    seriesId: seriesId(),
    metric: 'http.server.duration',
    unit: 'ms',
    metricKind: 'gauge',
    attributes: { 'http.method': 'GET', 'http.status_code': 200 },
    resource: { 'service.name': 'checkout', 'host.name': 'ip-10-0-0-1' },
    window: '1m',
    windowKind: 'tier',
    startMs: WINDOW_START,
    endMs: WINDOW_START + 60_000,
    version: 1,
    stats: {
      count: 12,
      sum: 30.5,
      min: 0.25,
      max: 7.75,
      avg: 30.5 / 12,
      stddev: 1.5,
      last: 2,
      percentiles: { p50: 2.01, p90: 6.5, p99: 7.7, 'p99.9': 7.75 },
    },
    ...overrides,
  };
}

/** `n` results of distinct series in one window. */
export function resultRecords(n: number, overrides: Partial<ResultRecord> = {}): ResultRecord[] {
  return Array.from({ length: n }, (_, i) =>
    resultRecord({ seriesId: seriesId(), attributes: { route: `/r/${i}` }, ...overrides }),
  );
}
