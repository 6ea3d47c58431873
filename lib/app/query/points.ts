/** The answer's shape per series and window, and how a result record becomes a point. */
import type { FinalStats } from '../../core/aggregate/contract.js';
import type { Attributes } from '../../core/point.js';
import type { ResultRecord } from '../results.js';

export interface QueryPoint {
  readonly start: string;
  readonly end: string;
  /** Set when `tier=auto` mixed tiers: the tier this point came from. */
  readonly tier?: string;
  readonly count: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly avg?: number;
  readonly stddev?: number;
  readonly last?: number;
  readonly rate?: number;
  /** With `by`: how many series had data in this window. */
  readonly series?: number;
  /** With `by`: explicit histograms with different bounds were merged onto the bounds they share. */
  readonly mergedBounds?: true;
  readonly version: number;
  readonly [percentile: `p${string}`]: number;
}

export interface QuerySeries {
  readonly resource: Attributes;
  readonly attributes: Attributes;
  readonly unit: string;
  /** With `by`: the metric type of the group (gauge, sum, histogram, …). */
  readonly type?: string;
  /** With `by`: how many series the group merged. */
  readonly merged?: number;
  readonly points: QueryPoint[];
}

/**
 * A record as an answer point: the stats a kind has (absent ones left out), the tier when
 * `tier=auto` mixed tiers, and for `by` the group's extras.
 */
export function toPoint(
  r: Pick<ResultRecord, 'startMs' | 'endMs' | 'window' | 'stats' | 'version'>,
  withTier: boolean,
  extras: { series?: number; mergedBounds?: true } = {},
): QueryPoint {
  const s: FinalStats = r.stats;
  const point: Record<string, unknown> = {
    start: new Date(r.startMs).toISOString(),
    end: new Date(r.endMs).toISOString(),
    ...(withTier ? { tier: r.window } : {}),
    count: s.count,
  };
  for (const key of ['sum', 'min', 'max', 'avg', 'stddev'] as const)
    if (s[key] !== undefined) point[key] = s[key];
  for (const [name, value] of Object.entries(s.percentiles ?? {})) point[name] = value;
  if (s.last !== undefined) point.last = s.last;
  if (s.rate !== undefined) point.rate = s.rate;
  if (s.buckets !== undefined) point.buckets = s.buckets;
  if (s.expBuckets !== undefined) point.expBuckets = s.expBuckets;
  if (extras.series !== undefined) point.series = extras.series;
  if (extras.mergedBounds) point.mergedBounds = true;
  point.version = r.version;
  return point as unknown as QueryPoint;
}
