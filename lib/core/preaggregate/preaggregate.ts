import type { AggregateKind, AggregateOptions } from '../aggregate/contract.js';
import type { AttributeSet, MetricContext, NormalizedPoint } from '../point.js';
import type { SeriesIdCache, SeriesRef } from '../series/id.js';
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
  private readonly byWindow = new Map<number, WindowIndex>();
  /**
   * A memo in front of the series-id cache and the window index, by object identity: context →
   * attribute set → the series' ref and its latest window's state. The decoders hand out the same
   * context object for every point of a Metric and interned attribute sets, so a point of a series
   * seen before in the same window costs one identity-keyed lookup instead of five string- and
   * number-keyed ones (id cache: tenant, context key, attributes key; window; series id). It only
   * caches what the canonical path returns: equal sets in different objects take that path and find
   * the same state by series id.
   */
  private readonly slots = new Map<MetricContext, Map<AttributeSet, SeriesSlot>>();
  private lastContext: MetricContext | undefined;
  private lastSlots: Map<AttributeSet, SeriesSlot> | undefined;
  private lastWindowStartMs = Number.NaN;
  private lastWindow: WindowIndex | undefined;
  private points = 0;
  private seriesWindows = 0;

  constructor(private readonly options: PreAggregateOptions) {}

  add(point: NormalizedPoint): void {
    const context = point.context;
    let slots = this.lastSlots;
    if (this.lastContext !== context || slots === undefined) {
      slots = this.slots.get(context);
      if (slots === undefined) {
        slots = new Map();
        this.slots.set(context, slots);
      }
      this.lastContext = context;
      this.lastSlots = slots;
    }
    const windowStartMs = windowStart(point.timeMs, this.options.tier);
    const slot = slots.get(point.attributes);
    let entry: SeriesWindowState;
    if (slot !== undefined && slot.windowStartMs === windowStartMs) {
      entry = slot.entry;
    } else {
      const { tenant, ids } = this.options;
      const ref = slot === undefined ? ids.ref(tenant, context, point.attributes) : slot.ref;
      entry = this.entryFor(point, ref, windowStartMs);
      if (slot === undefined) {
        slots.set(point.attributes, new SeriesSlot(ref, windowStartMs, entry));
      } else {
        slot.windowStartMs = windowStartMs;
        slot.entry = entry;
      }
    }
    entry.kind.add(entry.state, point, this.options.aggregate);
    entry.points++;
    this.points++;
  }

  /** The state of series `ref` in window `windowStartMs`, created on first need. */
  private entryFor(point: NormalizedPoint, ref: SeriesRef, windowStartMs: number): SeriesWindowState {
    let window = this.lastWindow;
    if (this.lastWindowStartMs !== windowStartMs || window === undefined) {
      window = this.byWindow.get(windowStartMs);
      if (window === undefined) {
        window = new WindowIndex();
        this.byWindow.set(windowStartMs, window);
      }
      this.lastWindowStartMs = windowStartMs;
      this.lastWindow = window;
    }
    let entry = window.series.get(ref.seriesId);
    if (entry === undefined) {
      const { tenant, resolveKind } = this.options;
      const kind = resolveKind(point);
      entry = new SeriesWindowEntry(
        tenant,
        ref.seriesId,
        ref.idBytes,
        ref.shard,
        windowStartMs,
        point.context,
        point.attributes,
        kind,
        kind.empty(),
      );
      window.series.set(ref.seriesId, entry);
      this.seriesWindows++;
      let group = window.groups[ref.shard];
      if (group === undefined) {
        const groupKey = `${windowStartMs}#${ref.shard}`;
        group = this.groups.get(groupKey);
        if (group === undefined) {
          group = new Group(windowStartMs, ref.shard);
          this.groups.set(groupKey, group);
        }
        window.groups[ref.shard] = group;
      }
      group.series.set(ref.seriesId, entry);
    }
    return entry;
  }

  result(): PreAggregation {
    return { groups: this.groups, points: this.points, seriesWindows: this.seriesWindows };
  }
}

/** One window of a {@link PreAggregator}: its states by series id, and its groups by shard. */
class WindowIndex {
  readonly series = new Map<string, SeriesWindowState>();
  readonly groups: (WindowShardGroup | undefined)[] = [];
}

/** A series' ref and its state in the last window a point of it fell in (see `PreAggregator.slots`). */
class SeriesSlot {
  constructor(
    readonly ref: SeriesRef,
    public windowStartMs: number,
    public entry: SeriesWindowState,
  ) {}
}

// Classes rather than literals: these live until the request's partials are written, and literal
// sites whose objects survive young collections get pretenured (see lib/core/otlp/points.ts).
class SeriesWindowEntry implements SeriesWindowState {
  points = 0;
  constructor(
    readonly tenant: string,
    readonly seriesId: string,
    readonly idBytes: Uint8Array,
    readonly shard: number,
    readonly windowStartMs: number,
    readonly context: MetricContext,
    readonly attributes: AttributeSet,
    readonly kind: AggregateKind<unknown>,
    readonly state: unknown,
  ) {}
}

class Group implements WindowShardGroup {
  readonly series = new Map<string, SeriesWindowState>();
  constructor(
    readonly windowStartMs: number,
    readonly shard: number,
  ) {}
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
