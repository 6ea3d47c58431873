/**
 * Validation and normalization shared by every decoder (OTLP protobuf, OTLP/JSON, simple points).
 * Decoders parse the wire format into plain fields and hand them here; this file decides whether a
 * point is accepted (`accept*`, then pushed as a {@link NormalizedPoint} built with the classes of
 * points.ts, by `number()` etc. here or by the protobuf readers themselves) or refused (counted in
 * {@link Rejections} with a reason and a message, the OTLP partial-success figures). Nothing here
 * throws.
 *
 * Checks run in this order, the first failure decides the reason: metric-level problems (they refuse
 * every point of the metric), time missing, time out of range, start after time, attribute limits,
 * then the checks of the point's kind. Reasons:
 * - `missing_field`: no `time_unix_nano` (0), no number value, bucket counts absent while bounds are
 *   present, or a metric without a name;
 * - `too_far_in_future` / `older_than_horizon`: time beyond `nowMs + maxFutureMs` or before
 *   `nowMs − correctionHorizonMs`;
 * - `invalid_field`: start after time, unspecified or unknown temporality, malformed histogram
 *   (bounds not finite and strictly increasing, bucket counts not bounds + 1 long or not summing to
 *   count, min > max, counts not exact integers, exponential scale outside [-10, 20]), quantiles
 *   outside [0, 1], or (JSON) a field of the wrong type;
 * - `attribute_limit`: more than `maxAttributes` keys, a key longer than `maxKeyLength`, or a value
 *   longer than `maxValueLength` (lengths in UTF-16 code units; see `CanonicalValue.length`), in the
 *   point's, the resource's or the instrumentation scope's attributes;
 * - `name_limit`: a metric name longer than `maxNameLength` or a unit longer than `maxUnitLength`
 *   (UTF-16 code units; a metric-level problem, so every point of the metric);
 * - `non_finite_value`: NaN or ±Infinity in a value, or in a histogram's sum, min, max or zero
 *   threshold, or in a summary's sum or quantile values.
 * Points flagged NO_RECORDED_VALUE are skipped by the decoders: they carry no data, so they are
 * neither accepted nor rejected.
 */

import {
  type DecodeResult,
  emptyRejections,
  type MetricContext,
  MetricKind,
  type NormalizedPoint,
  type NormalizeOptions,
  RejectReason as Reason,
  type Rejections,
  type RejectReason,
  reject,
  type Scope,
  Temporality,
} from '../point.js';
import { type AttributeSetInfo, attributeSet, metricContext } from '../series/canonical.js';
import {
  ExpBucketRange,
  ExponentialHistogramSample,
  HistogramSample,
  NumberSample,
  SummarySample,
} from './points.js';

/** DataPointFlags.FLAG_NO_RECORDED_VALUE (metrics.proto). */
export const FLAG_NO_RECORDED_VALUE = 1;

/** Exponential histogram scales the aggregation core can merge (the OpenTelemetry SDK's range). */
export const MIN_EXP_SCALE = -10;
export const MAX_EXP_SCALE = 20;

/** Where a point came from, for rejection messages. */
export type Describe = (metric: string, index: number) => string;

export const describeOtlpPoint: Describe = (metric, index) => `metric "${shownName(metric)}" point ${index}`;

/** Longest metric name quoted in a rejection message: an over-long name is cut, not echoed whole. */
const SHOWN_NAME_LENGTH = 128;

/** A metric name as quoted in messages: cut with an ellipsis past {@link SHOWN_NAME_LENGTH}. */
export function shownName(name: string): string {
  return name.length <= SHOWN_NAME_LENGTH
    ? name
    : `${name.slice(0, SHOWN_NAME_LENGTH)}… (${name.length} characters)`;
}

/** Receives each accepted point as it is decoded (see {@link Normalizer}). */
export type PointSink = (point: NormalizedPoint) => void;

/**
 * Accumulates one request's accepted points and rejections. With a `sink`, accepted points are
 * handed over one by one instead of collected: the pre-aggregator folds each point and drops it,
 * so points die young in V8's nursery instead of being promoted while a 10,000-point array is
 * alive (measured: GC was ~30% of the ingest path with the array, `npx tsx test/bench/pipeline.ts`).
 */
export class Normalizer {
  readonly points: NormalizedPoint[] = [];
  private accepted = 0;
  readonly rejections: Rejections = emptyRejections();
  readonly options: NormalizeOptions;
  private readonly earliestMs: number;
  private readonly latestMs: number;
  private readonly describe: Describe;

  constructor(
    options: NormalizeOptions,
    describe: Describe = describeOtlpPoint,
    private readonly sink?: PointSink,
  ) {
    this.options = options;
    this.earliestMs = options.nowMs - options.correctionHorizonMs;
    this.latestMs = options.nowMs + options.maxFutureMs;
    this.describe = describe;
  }

  result(): DecodeResult {
    return { points: this.points, accepted: this.accepted, rejections: this.rejections };
  }

  /** Accepts one valid point: to the sink when there is one, else into `points`. */
  emit(point: NormalizedPoint): void {
    this.accepted++;
    if (this.sink === undefined) this.points.push(point);
    else this.sink(point);
  }

  /** Refuses one point (or `count` points sharing one problem) with a message naming it. */
  refuse(reason: RejectReason, metric: string, index: number, problem: string, count = 1): void {
    const where = this.describe(metric, index);
    reject(
      this.rejections,
      reason,
      count > 1 ? `${where} and ${count - 1} more: ${problem}` : `${where}: ${problem}`,
      count,
    );
  }

  /** The checks every point kind shares; false when the point was refused. */
  private common(ctx: MetricContext, attrs: AttributeSetInfo, t: PointTimes, index: number): boolean {
    const name = ctx.metric.name;
    if (t.timeMs === 0 && t.timeNs === 0) {
      this.refuse(Reason.missingField, name, index, 'time_unix_nano is missing');
      return false;
    }
    if (t.timeMs > this.latestMs || (t.timeMs === this.latestMs && t.timeNs > 0)) {
      this.refuse(
        Reason.tooFarInFuture,
        name,
        index,
        `time ${isoTime(t.timeMs)} is more than ${this.options.maxFutureMs} ms after now (${isoTime(this.options.nowMs)})`,
      );
      return false;
    }
    if (t.timeMs < this.earliestMs) {
      this.refuse(
        Reason.tooOld,
        name,
        index,
        `time ${isoTime(t.timeMs)} is older than the correction horizon (${isoTime(this.earliestMs)})`,
      );
      return false;
    }
    if (t.startMs > t.timeMs || (t.startMs === t.timeMs && t.startNs > t.timeNs)) {
      this.refuse(Reason.invalidField, name, index, 'start_time_unix_nano is after time_unix_nano');
      return false;
    }
    const problem = attributeProblem(attrs, this.options);
    if (problem !== undefined) {
      this.refuse(Reason.attributeLimit, name, index, problem);
      return false;
    }
    return true;
  }

  /** Validates a gauge or sum sample (`value` undefined: neither as_double nor as_int). */
  acceptNumber(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    value: number | undefined,
    index: number,
  ): value is number {
    if (!this.common(ctx, attrs, t, index)) return false;
    if (value === undefined) {
      this.refuse(Reason.missingField, ctx.metric.name, index, 'the point has no value (as_double / as_int)');
      return false;
    }
    if (!Number.isFinite(value)) {
      this.refuse(Reason.nonFinite, ctx.metric.name, index, `value is ${value}`);
      return false;
    }
    return true;
  }

  /** Validates and keeps a gauge or sum sample. */
  number(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    value: number | undefined,
    index: number,
  ): void {
    if (!this.acceptNumber(ctx, attrs, t, value, index)) return;
    this.emit(new NumberSample(ctx, attrs.set, t.timeMs, t.timeNs, t.startMs, t.startNs, value));
  }

  /**
   * Validates a histogram; returns the bucket counts to keep (a single `[count]` bucket for a
   * count/sum-only histogram), or undefined when the point was refused.
   */
  acceptHistogram(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    h: RawHistogram,
    index: number,
  ): number[] | undefined {
    if (!this.common(ctx, attrs, t, index)) return undefined;
    const name = ctx.metric.name;
    const problem = statsProblem(h.count, h.sum, h.min, h.max);
    if (problem !== undefined) {
      this.refuse(problem.reason, name, index, problem.message);
      return undefined;
    }
    const bounds = h.bounds;
    let counts = h.bucketCounts;
    if (bounds.length === 0 && counts.length === 0) {
      // Count and sum only (allowed by OTLP): one bucket (-inf, +inf) holds everything.
      counts = [h.count];
    } else if (counts.length === 0) {
      this.refuse(
        Reason.missingField,
        name,
        index,
        `bucket_counts is missing for ${bounds.length} explicit_bounds`,
      );
      return undefined;
    } else if (counts.length !== bounds.length + 1) {
      this.refuse(
        Reason.invalidField,
        name,
        index,
        `bucket_counts has ${counts.length} entries for ${bounds.length} explicit_bounds (expected ${bounds.length + 1})`,
      );
      return undefined;
    }
    let previous = Number.NEGATIVE_INFINITY;
    for (const b of bounds) {
      if (!Number.isFinite(b) || !(b > previous)) {
        this.refuse(
          Reason.invalidField,
          name,
          index,
          'explicit_bounds must be finite and strictly increasing',
        );
        return undefined;
      }
      previous = b;
    }
    const total = countsTotal(counts);
    if (total !== h.count) {
      this.refuse(Reason.invalidField, name, index, countMismatch(total, h.count));
      return undefined;
    }
    return counts;
  }

  /** Validates and keeps a histogram. */
  histogram(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    h: RawHistogram,
    index: number,
  ): void {
    const counts = this.acceptHistogram(ctx, attrs, t, h, index);
    if (counts === undefined) return;
    this.emit(
      new HistogramSample(
        ctx,
        attrs.set,
        t.timeMs,
        t.timeNs,
        t.startMs,
        t.startNs,
        h.count,
        h.sum,
        h.min,
        h.max,
        h.bounds,
        counts,
      ),
    );
  }

  /** Validates an exponential histogram. */
  acceptExponentialHistogram(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    h: RawExponentialHistogram,
    index: number,
  ): boolean {
    if (!this.common(ctx, attrs, t, index)) return false;
    const name = ctx.metric.name;
    const problem = statsProblem(h.count, h.sum, h.min, h.max);
    if (problem !== undefined) {
      this.refuse(problem.reason, name, index, problem.message);
      return false;
    }
    if (!Number.isInteger(h.scale) || h.scale < MIN_EXP_SCALE || h.scale > MAX_EXP_SCALE) {
      this.refuse(
        Reason.invalidField,
        name,
        index,
        `scale ${h.scale} is outside [${MIN_EXP_SCALE}, ${MAX_EXP_SCALE}]`,
      );
      return false;
    }
    if (!Number.isFinite(h.zeroThreshold)) {
      this.refuse(Reason.nonFinite, name, index, `zero_threshold is ${h.zeroThreshold}`);
      return false;
    }
    if (h.zeroThreshold < 0) {
      this.refuse(Reason.invalidField, name, index, `zero_threshold ${h.zeroThreshold} is negative`);
      return false;
    }
    if (
      !isCount(h.zeroCount) ||
      !Number.isSafeInteger(h.positiveOffset) ||
      !Number.isSafeInteger(h.negativeOffset)
    ) {
      this.refuse(Reason.invalidField, name, index, 'zero_count and bucket offsets must be integers');
      return false;
    }
    const total = h.zeroCount + countsTotal(h.positiveCounts) + countsTotal(h.negativeCounts);
    if (total !== h.count) {
      this.refuse(Reason.invalidField, name, index, countMismatch(total, h.count));
      return false;
    }
    return true;
  }

  /** Validates and keeps an exponential histogram. */
  exponentialHistogram(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    h: RawExponentialHistogram,
    index: number,
  ): void {
    if (!this.acceptExponentialHistogram(ctx, attrs, t, h, index)) return;
    this.emit(exponentialSample(ctx, attrs, t, h));
  }

  /** Validates a summary. */
  acceptSummary(
    ctx: MetricContext,
    attrs: AttributeSetInfo,
    t: PointTimes,
    s: RawSummary,
    index: number,
  ): boolean {
    if (!this.common(ctx, attrs, t, index)) return false;
    const name = ctx.metric.name;
    const problem = statsProblem(s.count, s.sum, undefined, undefined);
    if (problem !== undefined) {
      this.refuse(problem.reason, name, index, problem.message);
      return false;
    }
    for (const q of s.quantiles) {
      if (!(q.quantile >= 0 && q.quantile <= 1)) {
        this.refuse(Reason.invalidField, name, index, `quantile ${q.quantile} is outside [0, 1]`);
        return false;
      }
      if (!Number.isFinite(q.value)) {
        this.refuse(Reason.nonFinite, name, index, `value at quantile ${q.quantile} is ${q.value}`);
        return false;
      }
    }
    return true;
  }

  /** Validates and keeps a summary. */
  summary(ctx: MetricContext, attrs: AttributeSetInfo, t: PointTimes, s: RawSummary, index: number): void {
    if (!this.acceptSummary(ctx, attrs, t, s, index)) return;
    this.emit(
      new SummarySample(
        ctx,
        attrs.set,
        t.timeMs,
        t.timeNs,
        t.startMs,
        t.startNs,
        s.count,
        s.sum,
        s.quantiles,
      ),
    );
  }
}

/** A point's times as exact ms + ns remainder (0/0 = not set). */
export interface PointTimes {
  timeMs: number;
  timeNs: number;
  startMs: number;
  startNs: number;
}

export interface RawHistogram {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  bounds: number[];
  bucketCounts: number[];
}

export interface RawExponentialHistogram {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positiveOffset: number;
  positiveCounts: number[];
  negativeOffset: number;
  negativeCounts: number[];
}

export interface RawSummary {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

/** A resource with its attribute set and why every point of it is refused (attribute limits), if so. */
export interface ResourceInfo {
  readonly attrs: AttributeSetInfo;
  readonly problem: string | undefined;
}

/** An instrumentation scope with its attribute set (for the series key) and its limit problem. */
export interface ScopeInfo {
  readonly scope: Scope;
  readonly attrs: AttributeSetInfo;
  readonly problem: string | undefined;
}

export const EMPTY_SCOPE: ScopeInfo = {
  scope: { name: '', version: '' },
  attrs: attributeSet([]),
  problem: undefined,
};

/**
 * The context shared by every point of a metric — or undefined after refusing all `pointCount` of
 * its points for a metric-level problem (its own, its resource's, its scope's). Shared by the OTLP
 * decoders.
 */
export function admitMetric(
  n: Normalizer,
  m: MetricHeader & { readonly description: string; readonly monotonic: boolean },
  resource: ResourceInfo,
  scope: ScopeInfo,
  pointCount: number,
): MetricContext | undefined {
  const problem = metricProblem(m, n.options, resource, scope);
  if (problem !== undefined) {
    n.refuse(problem.reason, m.name, 0, problem.message, pointCount);
    return undefined;
  }
  const hasTemporality = m.kind !== MetricKind.gauge && m.kind !== MetricKind.summary;
  return metricContext(
    resource.attrs.set,
    scope.scope,
    {
      name: m.name,
      unit: m.unit,
      description: m.description,
      kind: m.kind,
      temporality: (hasTemporality ? m.temporality : Temporality.unspecified) as Temporality,
      monotonic: m.monotonic,
    },
    scope.attrs.set,
  );
}

/** What the metric-level checks need of a metric. */
export interface MetricHeader {
  readonly name: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly temporality: number;
}

/** A problem shared by every point of a metric (its own, its resource's or its scope's), or undefined. */
export function metricProblem(
  m: MetricHeader,
  options: NormalizeOptions,
  resource: { readonly problem: string | undefined },
  scope: { readonly problem: string | undefined } = NO_PROBLEM,
): { reason: RejectReason; message: string } | undefined {
  if (m.name === '') return { reason: Reason.missingField, message: 'the metric has no name' };
  const named = nameProblem(m.name, m.unit, options);
  if (named !== undefined) return { reason: Reason.nameLimit, message: named };
  if (m.kind !== MetricKind.gauge && m.kind !== MetricKind.summary) {
    if (m.temporality !== Temporality.delta && m.temporality !== Temporality.cumulative) {
      return {
        reason: Reason.invalidField,
        message: `aggregation_temporality ${m.temporality} is not DELTA (1) or CUMULATIVE (2)`,
      };
    }
  }
  if (resource.problem !== undefined) return { reason: Reason.attributeLimit, message: resource.problem };
  if (scope.problem !== undefined) return { reason: Reason.attributeLimit, message: scope.problem };
  return undefined;
}

const NO_PROBLEM = { problem: undefined };

/** Why a metric name or unit breaks `maxNameLength` / `maxUnitLength`, or undefined. */
export function nameProblem(name: string, unit: string, options: NormalizeOptions): string | undefined {
  if (name.length > options.maxNameLength) {
    return `the metric name has ${name.length} characters, more than the limit of ${options.maxNameLength}`;
  }
  if (unit.length > options.maxUnitLength) {
    return `the unit has ${unit.length} characters, more than the limit of ${options.maxUnitLength}`;
  }
  return undefined;
}

/** The point for a validated exponential histogram (shared by every decoder). */
export function exponentialSample(
  ctx: MetricContext,
  attrs: AttributeSetInfo,
  t: PointTimes,
  h: RawExponentialHistogram,
): ExponentialHistogramSample {
  return new ExponentialHistogramSample(
    ctx,
    attrs.set,
    t.timeMs,
    t.timeNs,
    t.startMs,
    t.startNs,
    h.count,
    h.sum,
    h.min,
    h.max,
    h.scale,
    h.zeroCount,
    h.zeroThreshold,
    new ExpBucketRange(h.positiveOffset, h.positiveCounts),
    new ExpBucketRange(h.negativeOffset, h.negativeCounts),
  );
}

/** Why an attribute set breaks the limits, or undefined. */
export function attributeProblem(info: AttributeSetInfo, options: NormalizeOptions): string | undefined {
  if (info.count > options.maxAttributes) {
    return `${info.count} attributes exceed the limit of ${options.maxAttributes}`;
  }
  if (info.maxKeyLength > options.maxKeyLength) {
    return `an attribute key of ${info.maxKeyLength} characters exceeds the limit of ${options.maxKeyLength}`;
  }
  if (info.maxValueLength > options.maxValueLength) {
    return `an attribute value of ${info.maxValueLength} characters exceeds the limit of ${options.maxValueLength}`;
  }
  return undefined;
}

function statsProblem(
  count: number,
  sum: number | undefined,
  min: number | undefined,
  max: number | undefined,
): { reason: RejectReason; message: string } | undefined {
  if (!isCount(count))
    return { reason: Reason.invalidField, message: `count ${count} is not an exact non-negative integer` };
  if (sum !== undefined && !Number.isFinite(sum))
    return { reason: Reason.nonFinite, message: `sum is ${sum}` };
  if (min !== undefined && !Number.isFinite(min))
    return { reason: Reason.nonFinite, message: `min is ${min}` };
  if (max !== undefined && !Number.isFinite(max))
    return { reason: Reason.nonFinite, message: `max is ${max}` };
  if (min !== undefined && max !== undefined && min > max) {
    return { reason: Reason.invalidField, message: `min ${min} is greater than max ${max}` };
  }
  return undefined;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Σ counts, or NaN when one is not an exact non-negative integer (so it never equals a count). */
function countsTotal(counts: readonly number[]): number {
  let total = 0;
  for (const c of counts) {
    if (!isCount(c)) return Number.NaN;
    total += c;
  }
  return Number.isSafeInteger(total) ? total : Number.NaN;
}

function countMismatch(total: number, count: number): string {
  return Number.isNaN(total)
    ? 'bucket counts must be exact non-negative integers'
    : `bucket counts add up to ${total}, not count ${count}`;
}

function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}
