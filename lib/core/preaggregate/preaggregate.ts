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
  readonly idBytes: Uint8Array;
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
 * into one aggregate state: what the ingest Lambda does before writing partials. A request of N
 * points over S series in W windows produces S×W states, typically S (one window).
 *
 * Points are added one at a time so a decoder can stream into it (`decodeOtlpProtobuf(body, opts,
 * (p) => agg.add(p))`) and no array of the request's points is ever held.
 *
 * @example
 * const agg = new PreAggregator({ tenant: 'default', tier, ids, aggregate, resolveKind: kindForPoint });
 * decodeOtlpProtobuf(body, normalizeOptions, (p) => agg.add(p));
 * for (const group of agg.result().groups.values()) writePartial(group);
 */
export class PreAggregator {
  private readonly groups = new Map<string, WindowShardGroup>();
  // Two-level index (window → seriesId → state) avoids building a composite string key per point.
  private readonly byWindow = new Map<number, Map<string, SeriesWindowState>>();
  private points = 0;
  private seriesWindows = 0;

  constructor(private readonly options: PreAggregateOptions) {}

  add(point: NormalizedPoint): void {
    const { tenant, tier, ids, aggregate, resolveKind } = this.options;
    const ref = ids.ref(tenant, point.context, point.attributes);
    const windowStartMs = windowStart(point.timeMs, tier);
    let windowSeries = this.byWindow.get(windowStartMs);
    if (windowSeries === undefined) {
      windowSeries = new Map();
      this.byWindow.set(windowStartMs, windowSeries);
    }
    let entry = windowSeries.get(ref.seriesId);
    if (entry === undefined) {
      const kind = resolveKind(point);
      entry = {
        tenant,
        seriesId: ref.seriesId,
        idBytes: ref.idBytes,
        shard: ref.shard,
        windowStartMs,
        context: point.context,
        attributes: point.attributes,
        kind,
        state: kind.empty(),
        points: 0,
      };
      windowSeries.set(ref.seriesId, entry);
      this.seriesWindows++;
      const groupKey = `${windowStartMs}#${ref.shard}`;
      let group = this.groups.get(groupKey);
      if (group === undefined) {
        group = { windowStartMs, shard: ref.shard, series: new Map() };
        this.groups.set(groupKey, group);
      }
      group.series.set(ref.seriesId, entry);
    }
    entry.kind.add(entry.state, point, aggregate);
    entry.points++;
    this.points++;
  }

  result(): PreAggregation {
    return { groups: this.groups, points: this.points, seriesWindows: this.seriesWindows };
  }
}

/** {@link PreAggregator} over an array of points. */
export function preAggregate(
  points: readonly NormalizedPoint[],
  options: PreAggregateOptions,
): PreAggregation {
  const agg = new PreAggregator(options);
  for (const point of points) agg.add(point);
  return agg.result();
}
