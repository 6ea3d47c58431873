import type { AggregateKind, AggregateOptions } from '../aggregate/contract.js';
import type { AttributeSet, MetricContext, NormalizedPoint } from '../point.js';
import type { SeriesIdCache } from '../series/id.js';
import type { Tier } from '../window/tiers.js';
import { windowStart } from '../window/window.js';

/** Picks the aggregate kind for a point (see `lib/core/aggregate/registry.ts`). */
export type KindResolver = (point: NormalizedPoint) => AggregateKind<unknown>;

/** The pre-aggregated state of one series in one first-tier window of one request. */
export interface SeriesWindowState {
  readonly tenant: string;
  readonly seriesId: string;
  readonly shard: number;
  readonly windowStartMs: number;
  /** Readable identity, for the series catalog. */
  readonly context: MetricContext;
  readonly attributes: AttributeSet;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
  points: number;
}

/** All series of one (window, shard): what becomes one packed partial item. */
export interface WindowShardGroup {
  readonly windowStartMs: number;
  readonly shard: number;
  /** In first-seen order; callers that need a canonical order sort by seriesId. */
  readonly series: Map<string, SeriesWindowState>;
}

export interface PreAggregation {
  /** Keyed by `${windowStartMs}#${shard}`. */
  readonly groups: Map<string, WindowShardGroup>;
  readonly points: number;
  readonly seriesWindows: number;
}

export interface PreAggregateOptions {
  readonly tenant: string;
  /** The first tier: ingest writes only there; coarser tiers are rolled up at close. */
  readonly tier: Tier;
  readonly ids: SeriesIdCache;
  readonly aggregate: AggregateOptions;
  readonly resolveKind: KindResolver;
}

/**
 * Groups a request's normalized points by (tenant, series, first-tier window) and folds each group
 * into one aggregate state: the function the ingest Lambda calls before writing partials. A request
 * of N points over S series in W windows produces S×W states, typically S (one window).
 *
 * @example
 * const agg = preAggregate(decodeOtlpProtobuf(body, opts).points, { tenant: 'default', tier, ids, aggregate, resolveKind });
 * for (const group of agg.groups.values()) writePartial(group.windowStartMs, group.shard, group.series);
 */
export function preAggregate(
  points: readonly NormalizedPoint[],
  options: PreAggregateOptions,
): PreAggregation {
  const { tenant, tier, ids, aggregate, resolveKind } = options;
  const groups = new Map<string, WindowShardGroup>();
  // Two-level index (window → seriesId → state) avoids building a composite string key per point.
  const byWindow = new Map<number, Map<string, SeriesWindowState>>();
  let seriesWindows = 0;
  for (const point of points) {
    const ref = ids.ref(tenant, point.context, point.attributes);
    const windowStartMs = windowStart(point.timeMs, tier);
    let windowSeries = byWindow.get(windowStartMs);
    if (windowSeries === undefined) {
      windowSeries = new Map();
      byWindow.set(windowStartMs, windowSeries);
    }
    let entry = windowSeries.get(ref.seriesId);
    if (entry === undefined) {
      const kind = resolveKind(point);
      entry = {
        tenant,
        seriesId: ref.seriesId,
        shard: ref.shard,
        windowStartMs,
        context: point.context,
        attributes: point.attributes,
        kind,
        state: kind.empty(),
        points: 0,
      };
      windowSeries.set(ref.seriesId, entry);
      seriesWindows++;
      const groupKey = `${windowStartMs}#${ref.shard}`;
      let group = groups.get(groupKey);
      if (group === undefined) {
        group = { windowStartMs, shard: ref.shard, series: new Map() };
        groups.set(groupKey, group);
      }
      group.series.set(ref.seriesId, entry);
    }
    entry.kind.add(entry.state, point, aggregate);
    entry.points++;
  }
  return { groups, points: points.length, seriesWindows };
}
