/**
 * The query use case (DESIGN.md §9): read one metric's results over a time range from the
 * sink's store, filter by point and resource attributes, pick the tier (or tiers) for `tier=auto`,
 * and shape the answer per series with points sorted by start — or, with `by`, per group of series
 * merged from their states (group-by.ts).
 */
import { aggregateOptionsOf } from '../../core/aggregate/contract.js';
import type { WindrowConfig } from '../../core/config/config.js';
import type { Attributes } from '../../core/point.js';
import type { CloseStore } from '../close-ports.js';
import type { ResultReader, ResultRecord } from '../results.js';
import { groupRecords } from './group-by.js';
import { groupKeyText } from './group-keys.js';
import type { QueryParams } from './params.js';
import { type QueryPoint, type QuerySeries, toPoint } from './points.js';
import { QueryParamError } from './query-errors.js';

import { chooseTiers, type TierSegment } from './tier-choice.js';

export type { QueryPoint, QuerySeries } from './points.js';

export interface QueryDeps {
  readonly reader: ResultReader;
  /** Checkpoints, to know which windows of a tier are closed (tier=auto). */
  readonly checkpoints: Pick<CloseStore, 'readCheckpoints'>;
  readonly config: WindrowConfig;
}

export interface QueryResult {
  readonly metric: string;
  /** The tier (or window name) asked for, or for `auto` the coarsest tier used. */
  readonly tier: string;
  readonly window: string;
  /** Every tier used, coarse first (several only for `auto`). */
  readonly tiers: string[];
  readonly from: string;
  readonly to: string;
  readonly series: QuerySeries[];
  /** True when the read stopped at the per-query limit of records, or `by` at its limit of groups. */
  readonly truncated: boolean;
  /** With `by`: the keys, as `attr.K` / `resource.K`. */
  readonly by?: string[];
  /** With `by`: results without a mergeable state (written before windrow kept it), not merged. */
  readonly leftOut?: number;
  /** With `by`, when some were left out: the start of the earliest window that has grouped data. */
  readonly groupedFrom?: string;
}

/** Records read per query at most: a chart of 100 series × 1,000 points. */
export const MAX_RECORDS = 100_000;

/**
 * @example
 * const params = parseQueryParams(event.rawQueryString, config, Date.now());
 * await query('default', params, { reader, checkpoints, config });
 */
export async function query(tenant: string, params: QueryParams, deps: QueryDeps): Promise<QueryResult> {
  if (params.by !== undefined && deps.reader.keepsState !== true) {
    throw new QueryParamError(
      'by',
      `the ${deps.config.sink} sink keeps finalized stats only, which cannot be merged across series; configure a view (README: views at ingest) or use the dynamodb or postgres sink`,
    );
  }
  const segments = await segmentsFor(params, deps);
  const records: ResultRecord[] = [];
  let truncated = false;
  for (const segment of segments) {
    const remaining = MAX_RECORDS - records.length;
    if (remaining <= 0) {
      truncated = true;
      break;
    }
    const read = await deps.reader.read({
      tenant,
      metric: params.metric,
      window: segment.window,
      fromMs: segment.fromMs,
      toMs: segment.toMs,
      where: params.attributes,
      limit: remaining,
      ...(params.by === undefined ? {} : { withState: true }),
    });
    if (read.length >= remaining) truncated = true;
    records.push(...read);
  }
  const mixed = new Set(segments.map((s) => s.window)).size > 1;
  const filtered = records.filter((r) => matches(r.resource, params.resource));
  const shaped = shape(filtered, params, deps.config, mixed);
  return {
    metric: params.metric,
    tier: segments[0]?.window ?? params.tier,
    window: params.window,
    tiers: [...new Set(segments.map((s) => s.window))],
    from: new Date(params.fromMs).toISOString(),
    to: new Date(params.toMs).toISOString(),
    ...shaped.extras,
    series: shaped.series,
    truncated: truncated || shaped.truncated,
  };
}

/** The answer's series: one per series, or with `by` one per group (and what `by` adds). */
function shape(
  records: readonly ResultRecord[],
  params: QueryParams,
  config: WindrowConfig,
  mixed: boolean,
): { series: QuerySeries[]; truncated: boolean; extras: Partial<QueryResult> } {
  if (params.by === undefined) return { series: perSeries(records, mixed), truncated: false, extras: {} };
  const options = aggregateOptionsOf(config);
  const grouped = groupRecords(records, params.by, config.percentiles, options, mixed);
  const extras: Partial<QueryResult> = {
    by: params.by.map(groupKeyText),
    ...(grouped.leftOut > 0 ? { leftOut: grouped.leftOut } : {}),
    ...(grouped.groupedFromMs === undefined
      ? {}
      : { groupedFrom: new Date(grouped.groupedFromMs).toISOString() }),
  };
  return { series: grouped.series, truncated: grouped.truncated, extras };
}

/** One answer series per series, points sorted by start, series by their attributes. */
function perSeries(records: readonly ResultRecord[], mixed: boolean): QuerySeries[] {
  const bySeries = new Map<string, { record: ResultRecord; points: QueryPoint[] }>();
  for (const r of records) {
    const entry = bySeries.get(r.seriesId) ?? { record: r, points: [] };
    bySeries.set(r.seriesId, entry);
    entry.points.push(toPoint(r, mixed));
  }
  return [...bySeries.values()]
    .map(({ record, points }) => ({
      resource: record.resource,
      attributes: record.attributes,
      unit: record.unit,
      points: points.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)),
    }))
    .sort((a, b) => {
      const x = JSON.stringify([a.resource, a.attributes]);
      const y = JSON.stringify([b.resource, b.attributes]);
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

interface WindowSegment {
  readonly window: string;
  readonly fromMs: number;
  readonly toMs: number;
}

async function segmentsFor(params: QueryParams, deps: QueryDeps): Promise<WindowSegment[]> {
  const { config } = deps;
  const whole = (window: string): WindowSegment[] => [{ window, fromMs: params.fromMs, toMs: params.toMs }];
  if (params.window === 'sliding')
    return whole(params.tier === 'auto' ? (config.sliding[0]?.name ?? '') : params.tier);
  if (params.window === 'session') {
    // A session starts before the range when it is long: reach back one gap… and keep it simple.
    return whole(params.tier === 'auto' ? (config.sessions[0]?.name ?? '') : params.tier);
  }
  if (params.tier !== 'auto') {
    const tier = config.tiers.find((t) => t.name === params.tier);
    const size = tier?.sizeMs ?? 1;
    // Windows that start before `from` but reach into the range count.
    return [{ window: params.tier, fromMs: Math.floor(params.fromMs / size) * size, toMs: params.toMs }];
  }
  const closedEnd = new Map<number, number | undefined>();
  await Promise.all(
    config.tiers.map(async (tier) => {
      const checkpoints = await deps.checkpoints.readCheckpoints(tier.level);
      let min: number | undefined;
      for (let shard = 0; shard < config.shards; shard++) {
        const c = checkpoints.get(shard);
        if (c === undefined) {
          min = undefined;
          break;
        }
        min = Math.min(min ?? Number.POSITIVE_INFINITY, c.closedThroughMs + tier.sizeMs);
      }
      closedEnd.set(tier.level, min);
    }),
  );
  return chooseTiers(config.tiers, params.fromMs, params.toMs, (level) => closedEnd.get(level)).map(
    (s: TierSegment) => ({ window: s.tier.name, fromMs: s.fromMs, toMs: s.toMs }),
  );
}

function matches(resource: Attributes, filter: Readonly<Record<string, string>>): boolean {
  for (const [key, want] of Object.entries(filter)) {
    const value = resource[key];
    if (value === undefined) return false;
    if ((typeof value === 'string' ? value : JSON.stringify(value)) !== want) return false;
  }
  return true;
}
