/**
 * The core demo behind `npm start` until the ingest function lands: synthetic OTLP/JSON exports go
 * through the same decode → normalize → pre-aggregate path the ingest Lambda uses; the per-request
 * partial states are merged per first-tier window (what closing a window does), rolled up tier by
 * tier from merged state, and finalized — all in memory.
 */
import { type AggregateKind, aggregateOptionsOf, type FinalStats } from '../core/aggregate/contract.js';
import { cumulativeBaseline, encodeTaggedState } from '../core/aggregate/index.js';
import { kindForPoint } from '../core/aggregate/registry.js';
import type { WindrowConfig } from '../core/config/config.js';
import { ConfigError } from '../core/errors.js';
import { decodeOtlpJson } from '../core/otlp/decode-json.js';
import type { AttributeSet, MetricContext } from '../core/point.js';
import { preAggregate } from '../core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '../core/series/id.js';
import { windowStart } from '../core/window/window.js';
import { type DemoOptions, demoRequests } from './demo-traffic.js';

interface SeriesInfo {
  readonly context: MetricContext;
  readonly attributes: AttributeSet;
  readonly kind: AggregateKind<unknown>;
}

/** windowStart → seriesId → merged state, for one tier. */
type TierWindows = Map<number, Map<string, unknown>>;

export interface DemoSeriesResult {
  readonly metric: string;
  readonly resource: string;
  readonly attributes: string;
  /** Per tier name, the finalized windows in time order. */
  readonly tiers: Record<string, { startMs: number; stats: FinalStats }[]>;
}

export interface DemoResult {
  readonly requests: number;
  readonly pointsAccepted: number;
  readonly pointsRejected: number;
  readonly series: number;
  readonly firstTierStates: number;
  readonly firstTierStateBytes: number;
  readonly results: DemoSeriesResult[];
}

export function runDemo(config: WindrowConfig, options: DemoOptions): DemoResult {
  const tiers = config.tiers;
  const first = tiers[0];
  if (first === undefined) throw new ConfigError('configuration has no tiers');
  const ids = new SeriesIdCache(config.shards);
  const aggregate = aggregateOptionsOf(config);
  const series = new Map<string, SeriesInfo>();
  const windows: TierWindows[] = tiers.map(() => new Map());
  let requests = 0;
  let pointsAccepted = 0;
  let pointsRejected = 0;

  for (const request of demoRequests(options)) {
    requests++;
    const decoded = decodeOtlpJson(request.body, {
      nowMs: request.sentAtMs,
      correctionHorizonMs: config.correctionHorizonMs,
      maxFutureMs: 15 * 60_000,
      maxAttributes: config.limits.maxAttributes,
      maxKeyLength: config.limits.maxKeyLength,
      maxValueLength: config.limits.maxValueLength,
      maxNameLength: config.limits.maxNameLength,
      maxUnitLength: config.limits.maxUnitLength,
    });
    pointsAccepted += decoded.points.length;
    pointsRejected += decoded.rejections.total;
    const pre = preAggregate(decoded.points, {
      tenant: 'default',
      tier: first,
      ids,
      aggregate,
      resolveKind: kindForPoint,
    });
    for (const group of pre.groups.values()) {
      for (const entry of group.series.values()) {
        series.set(entry.seriesId, {
          context: entry.context,
          attributes: entry.attributes,
          kind: entry.kind,
        });
        mergeInto(windows[0], entry.windowStartMs, entry.seriesId, entry.kind, entry.state, aggregate);
      }
    }
  }

  // Roll up tier by tier from merged state: never from finalized numbers.
  for (let level = 1; level < tiers.length; level++) {
    const tier = tiers[level];
    const below = windows[level - 1];
    const here = windows[level];
    if (tier === undefined || below === undefined || here === undefined) continue;
    for (const [childStart, states] of below) {
      const parentStart = windowStart(childStart, tier);
      for (const [seriesId, state] of states) {
        const info = series.get(seriesId);
        if (info !== undefined) mergeInto(here, parentStart, seriesId, info.kind, state, aggregate);
      }
    }
  }

  let firstTierStates = 0;
  let firstTierStateBytes = 0;
  for (const states of windows[0]?.values() ?? []) {
    for (const [seriesId, state] of states) {
      const info = series.get(seriesId);
      if (info === undefined) continue;
      firstTierStates++;
      firstTierStateBytes += encodeTaggedState(info.kind, state).length;
    }
  }

  const results: DemoSeriesResult[] = [];
  for (const [seriesId, info] of series) {
    const byTier: DemoSeriesResult['tiers'] = {};
    for (const [level, tier] of tiers.entries()) {
      const starts = [...(windows[level]?.keys() ?? [])].sort((a, b) => a - b);
      const rows: { startMs: number; stats: FinalStats }[] = [];
      let baseline: unknown;
      for (const startMs of starts) {
        const state = windows[level]?.get(startMs)?.get(seriesId);
        if (state === undefined) continue;
        const stats = info.kind.finalize(state, {
          windowStartMs: startMs,
          windowEndMs: startMs + tier.sizeMs,
          percentiles: config.percentiles,
          baseline,
        });
        rows.push({ startMs, stats });
        if (info.kind.name === 'cumulative') baseline = cumulativeBaseline(state as never, baseline);
      }
      byTier[tier.name] = rows;
    }
    results.push({
      metric: info.context.metric.name,
      resource: describe(info.context.resource.attributes),
      attributes: describe(info.attributes.attributes),
      tiers: byTier,
    });
  }
  return {
    requests,
    pointsAccepted,
    pointsRejected,
    series: series.size,
    firstTierStates,
    firstTierStateBytes,
    results,
  };
}

function mergeInto(
  windows: TierWindows | undefined,
  startMs: number,
  seriesId: string,
  kind: AggregateKind<unknown>,
  state: unknown,
  options: { sketchRelativeAccuracy: number; sketchMaxBuckets: number },
): void {
  if (windows === undefined) return;
  let states = windows.get(startMs);
  if (states === undefined) {
    states = new Map();
    windows.set(startMs, states);
  }
  const existing = states.get(seriesId);
  if (existing === undefined) states.set(seriesId, kind.merge(kind.empty(), state, options));
  else kind.mergeInto(existing, state, options);
}

function describe(attributes: Readonly<Record<string, unknown>>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}
