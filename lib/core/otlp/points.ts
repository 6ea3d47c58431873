/**
 * The classes every decoder builds its {@link NormalizedPoint}s with (plain data: own readonly fields,
 * no methods, so they compare, clone and serialize like object literals).
 *
 * Why classes and not object literals: V8 tracks object-literal sites and, when the objects from one
 * site keep surviving young-generation collections, allocates them straight into the old generation
 * ("allocation-site pretenuring"). A decoder's points all live until the decode returns, so that
 * decision fired in some processes and not others, and when it did, short-lived points went through
 * full mark-compact collections: protobuf decoding measured 1.4–1.6 M points/s in such processes
 * against 2.8–3.1 M otherwise (and JSON decoding in the same process triggered it for a shared site).
 * Instances made with `new` have no allocation site, so they stay young and cheap to collect; one
 * class per kind also gives downstream code a single object layout per kind, whichever decoder.
 */
import type {
  AttributeSet,
  ExpBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  MetricContext,
  NumberPoint,
  SummaryPoint,
} from '../point.js';

export class NumberSample implements NumberPoint {
  readonly type = 'number';
  constructor(
    readonly context: MetricContext,
    readonly attributes: AttributeSet,
    readonly timeMs: number,
    readonly timeNs: number,
    readonly startMs: number,
    readonly startNs: number,
    readonly value: number,
  ) {}
}

export class HistogramSample implements HistogramPoint {
  readonly type = 'histogram';
  constructor(
    readonly context: MetricContext,
    readonly attributes: AttributeSet,
    readonly timeMs: number,
    readonly timeNs: number,
    readonly startMs: number,
    readonly startNs: number,
    readonly count: number,
    readonly sum: number | undefined,
    readonly min: number | undefined,
    readonly max: number | undefined,
    readonly bounds: readonly number[],
    readonly bucketCounts: readonly number[],
  ) {}
}

export class ExponentialHistogramSample implements ExponentialHistogramPoint {
  readonly type = 'exponentialHistogram';
  constructor(
    readonly context: MetricContext,
    readonly attributes: AttributeSet,
    readonly timeMs: number,
    readonly timeNs: number,
    readonly startMs: number,
    readonly startNs: number,
    readonly count: number,
    readonly sum: number | undefined,
    readonly min: number | undefined,
    readonly max: number | undefined,
    readonly scale: number,
    readonly zeroCount: number,
    readonly zeroThreshold: number,
    readonly positive: ExpBuckets,
    readonly negative: ExpBuckets,
  ) {}
}

export class SummarySample implements SummaryPoint {
  readonly type = 'summary';
  constructor(
    readonly context: MetricContext,
    readonly attributes: AttributeSet,
    readonly timeMs: number,
    readonly timeNs: number,
    readonly startMs: number,
    readonly startNs: number,
    readonly count: number,
    readonly sum: number,
    readonly quantiles: readonly { readonly quantile: number; readonly value: number }[],
  ) {}
}

/** The positive or negative range of an exponential histogram. */
export class ExpBucketRange implements ExpBuckets {
  constructor(
    readonly offset: number,
    readonly bucketCounts: readonly number[],
  ) {}
}
