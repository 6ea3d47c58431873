/**
 * Shared builders for the closing-core tests: series ids, one metric context per aggregate kind,
 * merged series folded from points through the registry's `kindForPoint`, and byte helpers.
 */
import { type AggregateKind, DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { encodeTaggedState, kindForPoint } from '#core/aggregate/registry.js';
import type { ClosedEntry } from '#core/close/closed-state.js';
import type { MergedSeries } from '#core/close/merge.js';
import type { NormalizedPoint, NumberPoint } from '#core/point.js';
import { seriesIdBytes } from '#core/series/id.js';
import { expOfValues, histogramOfValues } from '../../support/histogram-points.js';
import { metricContext, numberPoint, summaryPoint, WINDOW_START_MS } from '../../support/points.js';

export const WS = WINDOW_START_MS;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** A 32-hex-character series id from a small number (distinct numbers, distinct ids). */
export function sid(n: number): string {
  return n.toString(16).padStart(32, '0');
}

export const contexts = {
  gauge: metricContext({ kind: 'gauge', name: 'cpu.temp' }),
  counter: metricContext({ kind: 'sum', temporality: 2, monotonic: true, name: 'requests' }),
  deltaHistogram: metricContext({ kind: 'histogram', temporality: 1, name: 'latency' }),
  cumulativeHistogram: metricContext({ kind: 'histogram', temporality: 2, name: 'latency.cumulative' }),
  deltaExp: metricContext({ kind: 'exponentialHistogram', temporality: 1, name: 'size' }),
  summary: metricContext({ kind: 'summary', name: 'rpc' }),
};

export function gauge(value: number, timeMs: number): NumberPoint {
  return numberPoint(value, { context: contexts.gauge, timeMs });
}

export function counter(value: number, timeMs: number, startMs = 0): NumberPoint {
  return numberPoint(value, { context: contexts.counter, timeMs, startMs });
}

export const BOUNDS = [0, 10, 100, 1000];

export function deltaHistogram(values: readonly number[], timeMs: number): NormalizedPoint {
  return histogramOfValues(values, BOUNDS, { context: contexts.deltaHistogram, timeMs });
}

export function cumulativeHistogram(values: readonly number[], timeMs: number, startMs: number) {
  return histogramOfValues(values, BOUNDS, { context: contexts.cumulativeHistogram, timeMs, startMs });
}

export function deltaExp(exponents: readonly number[], timeMs: number): NormalizedPoint {
  return expOfValues(
    exponents.map((x) => ({ sign: 1 as const, x })),
    3,
    { context: contexts.deltaExp, timeMs },
  );
}

export function summary(count: number, sum: number, timeMs: number, startMs: number) {
  return summaryPoint(count, sum, { context: contexts.summary, timeMs, startMs });
}

/** The kind of the first point (they must all be of one series) and the fold of every point. */
export function fold(points: readonly NormalizedPoint[]): { kind: AggregateKind<unknown>; state: unknown } {
  const first = points[0];
  if (first === undefined) throw new Error('fold: no points');
  const kind = kindForPoint(first);
  const state = kind.empty();
  for (const p of points) {
    if (kindForPoint(p) !== kind) throw new Error('fold: points of different kinds');
    kind.add(state, p, DEFAULT_AGGREGATE_OPTIONS);
  }
  return { kind, state };
}

export function mergedOf(tenant: string, seriesId: string, points: readonly NormalizedPoint[]): MergedSeries {
  return { tenant, seriesId, ...fold(points) };
}

/** A packed-partial entry (see packStates) of a merged series. */
export function packed(series: MergedSeries) {
  return { ...series, idBytes: seriesIdBytes(series.seriesId) };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function stateHex(series: { kind: AggregateKind<unknown>; state: unknown }): string {
  return hex(encodeTaggedState(series.kind, series.state));
}

/** A closed entry as comparable plain data: tenant, id, the tagged state's bytes, the carry. */
export function entryView(entry: ClosedEntry) {
  return {
    tenant: entry.tenant,
    seriesId: entry.seriesId,
    merged: entry.merged === undefined ? undefined : stateHex(entry.merged),
    mergedIds: entry.merged === undefined ? undefined : [entry.merged.tenant, entry.merged.seriesId],
    carry: entry.carry,
  };
}
