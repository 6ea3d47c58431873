/**
 * Views at ingest (README "Views at ingest", DESIGN.md §5): each point of a view's metric also
 * becomes a point of the view's series — the view's name as metric name, the kept resource and
 * point attributes, no scope — pre-aggregated with the request's other points. From there a view's
 * series is a series like any other: packed partials, closes, rollups, sliding and session windows,
 * corrections.
 *
 * Only points that pool point by point go into a view: gauges, delta sums and histograms, and
 * up-down counters. A cumulative counter, histogram or summary counts from its own start, so two
 * sources cannot be added snapshot by snapshot; such a point stays in its source series (whatever
 * `keepSource` says) and the request gets a warning.
 */
import { cumulativeKind } from '../aggregate/cumulative.js';
import { kindForPoint } from '../aggregate/registry.js';
import type { ViewConfig } from '../config/views.js';
import type { AttributeSet, MetricContext, NormalizedPoint } from '../point.js';
import { metricContext } from '../series/canonical.js';
import type { GroupKey } from './keys.js';
import { type Keep, projectSet } from './project.js';

/** What to do with one point. */
export type Routed =
  /** Not a view's metric: as it is. */
  | { readonly kind: 'source' }
  /** Its metric name is a view's name: refused (`view_name`). */
  | { readonly kind: 'refused'; readonly view: string }
  /** A view's metric: the view points, and whether the source point is stored too. */
  | {
      readonly kind: 'viewed';
      readonly keepSource: boolean;
      readonly points: readonly NormalizedPoint[];
      /** Views that could not take the point (cumulative), so the source was kept for it. */
      readonly notPooled: readonly string[];
    };

const SOURCE: Routed = { kind: 'source' };

interface CompiledView {
  readonly view: ViewConfig;
  readonly keepResource: Keep;
  readonly keepAttribute: Keep;
  /** Projected point attributes, by the source set (decoders intern sets, so identity hits). */
  readonly attributes: WeakMap<AttributeSet, AttributeSet>;
}

/**
 * Routes points to views. Keep one per request (its memos hold the request's contexts and sets).
 *
 * @example
 * const router = new ViewRouter(config.views);
 * const routed = router.route(point); // { kind: 'viewed', keepSource: true, points: [viewPoint], notPooled: [] }
 */
export class ViewRouter {
  private readonly byMetric = new Map<string, CompiledView[]>();
  private readonly names: Set<string>;
  /** View contexts by source context object and view. */
  private readonly contexts = new WeakMap<MetricContext, Map<CompiledView, MetricContext>>();

  constructor(views: readonly ViewConfig[]) {
    this.names = new Set(views.map((v) => v.name));
    for (const view of views) {
      const list = this.byMetric.get(view.metric) ?? [];
      list.push(compile(view));
      this.byMetric.set(view.metric, list);
    }
  }

  /** True when no view is configured (callers skip routing). */
  get empty(): boolean {
    return this.names.size === 0;
  }

  route(point: NormalizedPoint): Routed {
    const name = point.context.metric.name;
    if (this.names.has(name)) return { kind: 'refused', view: name };
    const views = this.byMetric.get(name);
    if (views === undefined) return SOURCE;
    if (kindForPoint(point) === cumulativeKind) {
      return { kind: 'viewed', keepSource: true, points: [], notPooled: views.map((v) => v.view.name) };
    }
    const points: NormalizedPoint[] = [];
    let keepSource = false;
    for (const view of views) {
      keepSource ||= view.view.keepSource;
      points.push({
        ...point,
        context: this.contextOf(point.context, view),
        attributes: attributesOf(point.attributes, view),
      });
    }
    return { kind: 'viewed', keepSource, points, notPooled: [] };
  }

  private contextOf(source: MetricContext, view: CompiledView): MetricContext {
    let byView = this.contexts.get(source);
    if (byView === undefined) {
      byView = new Map();
      this.contexts.set(source, byView);
    }
    let context = byView.get(view);
    if (context === undefined) {
      context = metricContext(
        projectSet(source.resource, view.keepResource),
        { name: '', version: '' },
        { ...source.metric, name: view.view.name },
      );
      byView.set(view, context);
    }
    return context;
  }
}

function attributesOf(source: AttributeSet, view: CompiledView): AttributeSet {
  let projected = view.attributes.get(source);
  if (projected === undefined) {
    projected = projectSet(source, view.keepAttribute);
    view.attributes.set(source, projected);
  }
  return projected;
}

function compile(view: ViewConfig): CompiledView {
  const names = (keys: readonly GroupKey[] | undefined, source: GroupKey['source']) =>
    new Set((keys ?? []).filter((k) => k.source === source).map((k) => k.name));
  const keeper = (source: GroupKey['source']): Keep => {
    if (view.by !== undefined) {
      const kept = names(view.by, source);
      return (name) => kept.has(name);
    }
    const dropped = names(view.without, source);
    return (name) => !dropped.has(name);
  };
  return {
    view,
    keepResource: keeper('resource'),
    keepAttribute: keeper('attr'),
    attributes: new WeakMap(),
  };
}
