/**
 * The normalized data model every decoder (OTLP protobuf, OTLP JSON, simple points) produces and the
 * aggregation core consumes. Pure types, no behaviour.
 *
 * Time: OTLP timestamps are uint64 nanoseconds, which a JS number cannot hold exactly (2^53 ns is
 * ~104 days). Hot-path arithmetic only needs milliseconds, so a time is split into an exact integer
 * `…Ms` (ms since the Unix epoch) and `…Ns` (the 0..999_999 ns remainder), compared as a pair.
 */

/** An attribute value after normalization (OTLP AnyValue). int64 beyond 2^53 keeps its exact decimal
 *  string; bytes become base64 strings; kvlists become plain objects. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = { readonly [key: string]: AttributeValue };

/**
 * A set of attributes with its canonical encoding. `key` is the same string for the same attributes
 * whatever their order on the wire and whether they came from JSON or protobuf (see
 * `lib/core/series/canonical.ts`), so it can be compared and hashed directly.
 */
export interface AttributeSet {
  readonly attributes: Attributes;
  readonly key: string;
}

export interface Scope {
  readonly name: string;
  readonly version: string;
  /** Instrumentation scope attributes (InstrumentationScope field 3); absent when the scope has none,
   *  so scopes without attributes keep the shape (and series ids) they had before scope attributes. */
  readonly attributes?: Attributes;
}

export const MetricKind = {
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponentialHistogram',
  summary: 'summary',
} as const;
export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** OTLP AggregationTemporality numbers. Gauges and summaries use `unspecified`. */
export const Temporality = { unspecified: 0, delta: 1, cumulative: 2 } as const;
export type Temporality = (typeof Temporality)[keyof typeof Temporality];

/** Everything about a metric that is part of series identity besides attributes. */
export interface MetricDescriptor {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly kind: MetricKind;
  readonly temporality: Temporality;
  readonly monotonic: boolean;
}

/** Resource + scope + metric: shared by every point of one OTLP `Metric`, computed once. */
export interface MetricContext {
  readonly resource: AttributeSet;
  readonly scope: Scope;
  readonly metric: MetricDescriptor;
  /** Canonical encoding of resource, scope and metric descriptor (not the tenant, not the points'
   *  attributes); with a point's `attributes.key` and the tenant it gives the series identity. */
  readonly key: string;
}

interface PointBase {
  readonly context: MetricContext;
  readonly attributes: AttributeSet;
  readonly timeMs: number;
  readonly timeNs: number;
  /** Start of the cumulative/delta interval; 0/0 when the sender gave none. */
  readonly startMs: number;
  readonly startNs: number;
}

/** Gauge or sum sample. */
export interface NumberPoint extends PointBase {
  readonly type: 'number';
  readonly value: number;
}

export interface HistogramPoint extends PointBase {
  readonly type: 'histogram';
  readonly count: number;
  /** Undefined when the sender did not set it (optional in OTLP). */
  readonly sum: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Upper bounds, strictly increasing; `bucketCounts.length === bounds.length + 1`. */
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
}

export interface ExpBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

export interface ExponentialHistogramPoint extends PointBase {
  readonly type: 'exponentialHistogram';
  readonly count: number;
  readonly sum: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExpBuckets;
  readonly negative: ExpBuckets;
}

export interface SummaryPoint extends PointBase {
  readonly type: 'summary';
  readonly count: number;
  readonly sum: number;
  /** Carried for completeness; summary quantiles cannot be merged across points and are not used. */
  readonly quantiles: readonly { readonly quantile: number; readonly value: number }[];
}

export type NormalizedPoint = NumberPoint | HistogramPoint | ExponentialHistogramPoint | SummaryPoint;

/** Why a point was refused (partial success). */
export const RejectReason = {
  nonFinite: 'non_finite_value',
  tooFarInFuture: 'too_far_in_future',
  tooOld: 'older_than_horizon',
  missingField: 'missing_field',
  invalidField: 'invalid_field',
  attributeLimit: 'attribute_limit',
  /** Metric name longer than `limits.maxNameLength` or unit longer than `limits.maxUnitLength`. */
  nameLimit: 'name_limit',
  /** Past `limits.maxPointsPerRequest` in one request. */
  pointLimit: 'point_limit',
  /** The tenant created more new series in this window than `limits.maxNewSeriesPerWindow`. */
  seriesLimit: 'series_limit',
  /** The metric's name is a view's name (views are written only by windrow). */
  viewName: 'view_name',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Rejected-point bookkeeping for one request: counts per reason and the first few messages. */
export interface Rejections {
  total: number;
  readonly byReason: Partial<Record<RejectReason, number>>;
  /** At most `MAX_REJECTION_MESSAGES` human-readable messages. */
  readonly messages: string[];
}

export const MAX_REJECTION_MESSAGES = 10;

export function emptyRejections(): Rejections {
  return { total: 0, byReason: {}, messages: [] };
}

export function reject(r: Rejections, reason: RejectReason, message: string, count = 1): void {
  r.total += count;
  r.byReason[reason] = (r.byReason[reason] ?? 0) + count;
  if (r.messages.length < MAX_REJECTION_MESSAGES) r.messages.push(message);
}

/** Limits and clock applied while normalizing; time comes in as a value (the core has no clock). */
export interface NormalizeOptions {
  readonly nowMs: number;
  /** Points older than `nowMs − correctionHorizonMs` are rejected. */
  readonly correctionHorizonMs: number;
  /** Points later than `nowMs + maxFutureMs` are rejected (DESIGN.md §3: 15 minutes). */
  readonly maxFutureMs: number;
  readonly maxAttributes: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
  /** Longest metric name accepted (OpenTelemetry's instrument-name limit is 255). */
  readonly maxNameLength: number;
  readonly maxUnitLength: number;
}

export const DEFAULT_NORMALIZE_LIMITS = {
  maxFutureMs: 15 * 60_000,
  maxAttributes: 128,
  maxKeyLength: 256,
  maxValueLength: 4096,
  maxNameLength: 255,
  maxUnitLength: 63,
} as const;

/** Descriptions are documentation, not identity: longer ones are cut to this many characters. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** What a decoder returns for a body it could decode: the accepted points and what was refused. */
export interface DecodeResult {
  /** The accepted points, unless the decoder was given a sink (then empty: the sink had them). */
  readonly points: NormalizedPoint[];
  /** How many points were accepted (`points.length` when no sink was given). */
  readonly accepted: number;
  readonly rejections: Rejections;
}
