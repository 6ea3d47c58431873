import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { NormalizedPoint } from '../point.js';

/**
 * One mergeable aggregate kind (one file per kind, like OpenTelemetry's `src/aggregator/`).
 *
 * Laws every kind obeys (checked by property tests in test/core/aggregate):
 * - `merge` is associative and commutative, `empty()` is its identity, and it never mutates inputs;
 * - `merge(fold(a), fold(b))` equals `fold(a ++ b)` (exact for count/min/max/integer sums, float
 *   tolerance for the rest);
 * - `decode(encode(s))` equals `s`.
 * Ties (same timestamp for first/last) are broken by value, never by argument order.
 */
export interface AggregateKind<S> {
  /** Stable one-byte tag written in front of encoded states; never reuse a retired tag. */
  readonly tag: number;
  readonly name: StateKindName;
  empty(): S;
  /** Adds one point in place (hot path). */
  add(state: S, point: NormalizedPoint, options: AggregateOptions): void;
  /** A new state; `a` and `b` are untouched. */
  merge(a: S, b: S, options: AggregateOptions): S;
  /** In-place merge of `source` into `target` (hot path); `source` is untouched. */
  mergeInto(target: S, source: S, options: AggregateOptions): void;
  finalize(state: S, context: FinalizeContext): FinalStats;
  encode(state: S, out: ByteWriter): void;
  decode(input: ByteReader): S;
}

export type StateKindName = 'number' | 'cumulative' | 'histogram' | 'exponentialHistogram' | 'summary';

export interface AggregateOptions {
  /** Relative accuracy α of the quantile sketch (default 0.01). */
  readonly sketchRelativeAccuracy: number;
  /** Upper bound on sketch buckets per state; the lowest buckets collapse past it. */
  readonly sketchMaxBuckets: number;
}

export const DEFAULT_AGGREGATE_OPTIONS: AggregateOptions = {
  sketchRelativeAccuracy: 0.01,
  sketchMaxBuckets: 2048,
};

/** The aggregate options of a configuration: its sketch accuracy, the default bucket bound. */
export function aggregateOptionsOf(config: { readonly sketchRelativeAccuracy: number }): AggregateOptions {
  return {
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    sketchMaxBuckets: DEFAULT_AGGREGATE_OPTIONS.sketchMaxBuckets,
  };
}

export interface FinalizeContext {
  /** The window the state covers, [startMs, endMs). Rates are per second over it. */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Percentiles to report, e.g. [50, 90, 95, 99] → p50, p90, p95, p99. */
  readonly percentiles: readonly number[];
  /**
   * For cumulative kinds: the last snapshot of the previous window (from its closed state), the
   * baseline for the first increase in this window. Undefined when there is none.
   */
  readonly baseline?: unknown;
}

/** Explicit-bucket layout in results: `counts.length === bounds.length + 1`. */
export interface FinalBuckets {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

/** Exponential buckets in results (OTLP layout). */
export interface FinalExpBuckets {
  readonly scale: number;
  readonly zeroCount: number;
  readonly positive: { readonly offset: number; readonly counts: readonly number[] };
  readonly negative: { readonly offset: number; readonly counts: readonly number[] };
}

/**
 * What a window reports. Stats a kind cannot compute are absent (never 0 or NaN):
 * a cumulative sum has `sum` (the increase) and `rate` but no percentiles; a summary only count/sum.
 * `percentiles` keys are `p50`, `p90`, `p99.9`, ….
 */
export interface FinalStats {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  avg?: number;
  stddev?: number;
  percentiles?: Record<string, number>;
  last?: number;
  rate?: number;
  buckets?: FinalBuckets;
  expBuckets?: FinalExpBuckets;
}

/** `p50`, `p99.9`: the name of a percentile in results. */
export function percentileName(p: number): string {
  return `p${p}`;
}
