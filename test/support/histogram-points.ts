/**
 * Factories and fast-check arbitraries for explicit and exponential histogram points, built from raw
 * values so tests can compare against binning the values directly (the oracle).
 *
 * Exponential values are drawn as exponents: v = ±2^x with x·2^20 never within 1% of an integer,
 * so every v lies strictly inside one bucket at every scale ≤ 20 and its index is exactly
 * ⌊x·2^s⌋ — no boundary rounding can make the oracle and the code disagree.
 *
 * @example
 * ```ts
 * const p = histogramOfValues([1, 7, 30], [5, 10, 25]); // counts [1, 1, 0, 1], sum 38, min 1, max 30
 * const e = expOfValues([{ sign: 1, x: 2.3 }], 3);     // one value 2^2.3 in bucket ⌊2.3·8⌋ = 18
 * ```
 */
import fc from 'fast-check';
import type { ExponentialHistogramPoint, HistogramPoint } from '#core/point.js';
import {
  attributeSet,
  contextFor,
  type PointOptions,
  type PointTime,
  timeArb,
  WINDOW_START_MS,
} from './points.js';

const noAttributes = attributeSet();

function base(options: PointOptions, kind: 'histogram' | 'exponentialHistogram') {
  return {
    context: options.context ?? contextFor(kind),
    attributes: options.attributes ?? noAttributes,
    timeMs: options.timeMs ?? WINDOW_START_MS,
    timeNs: options.timeNs ?? 0,
    startMs: options.startMs ?? 0,
    startNs: options.startNs ?? 0,
  };
}

/** Which optional OTLP fields a point carries (all by default). */
export interface Carried {
  readonly sum?: boolean;
  readonly min?: boolean;
  readonly max?: boolean;
}

export interface HistogramFields {
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
  readonly count?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

export function histogramPoint(fields: HistogramFields, options: PointOptions = {}): HistogramPoint {
  return {
    ...base(options, 'histogram'),
    type: 'histogram',
    count: fields.count ?? fields.bucketCounts.reduce((a, b) => a + b, 0),
    sum: fields.sum,
    min: fields.min,
    max: fields.max,
    bounds: fields.bounds,
    bucketCounts: fields.bucketCounts,
  };
}

/** The index of the explicit bucket holding v: the first bound ≥ v (OTLP's (lo, hi] buckets). */
export function explicitBucket(bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && (bounds[i] as number) < v) i++;
  return i;
}

export function binValues(bounds: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    const i = explicitBucket(bounds, v);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

export function histogramOfValues(
  values: readonly number[],
  bounds: readonly number[],
  options: PointOptions = {},
  carried: Carried = {},
): HistogramPoint {
  const has = values.length > 0;
  return histogramPoint(
    {
      bounds,
      bucketCounts: binValues(bounds, values),
      sum: carried.sum === false ? undefined : values.reduce((a, b) => a + b, 0),
      min: carried.min === false || !has ? undefined : Math.min(...values),
      max: carried.max === false || !has ? undefined : Math.max(...values),
    },
    options,
  );
}

/** A magnitude of 2^x, or an exact zero. */
export type ExpValue = { readonly sign: 1 | -1; readonly x: number } | { readonly sign: 0 };

export function expValue(v: ExpValue): number {
  return v.sign === 0 ? 0 : v.sign * 2 ** v.x;
}

export function expIndex(x: number, scale: number): number {
  return Math.floor(x * 2 ** scale);
}

function expSide(indices: readonly number[]): { offset: number; bucketCounts: number[] } {
  if (indices.length === 0) return { offset: 0, bucketCounts: [] };
  const offset = Math.min(...indices);
  const bucketCounts = new Array<number>(Math.max(...indices) - offset + 1).fill(0);
  for (const i of indices) bucketCounts[i - offset] = (bucketCounts[i - offset] as number) + 1;
  return { offset, bucketCounts };
}

/**
 * An exponential histogram point of `values` at `scale`, as an SDK would make it: magnitudes up to
 * `zeroThreshold` in the zero count, the others in their buckets.
 */
export function expOfValues(
  values: readonly ExpValue[],
  scale: number,
  options: PointOptions = {},
  carried: Carried = {},
  zeroThreshold = 0,
): ExponentialHistogramPoint {
  const numbers = values.map(expValue);
  const positive: number[] = [];
  const negative: number[] = [];
  let zeroCount = 0;
  for (const v of values) {
    if (v.sign === 0 || 2 ** v.x <= zeroThreshold) zeroCount++;
    else (v.sign > 0 ? positive : negative).push(expIndex(v.x, scale));
  }
  const has = values.length > 0;
  return {
    ...base(options, 'exponentialHistogram'),
    type: 'exponentialHistogram',
    count: values.length,
    sum: carried.sum === false ? undefined : numbers.reduce((a, b) => a + b, 0),
    min: carried.min === false || !has ? undefined : Math.min(...numbers),
    max: carried.max === false || !has ? undefined : Math.max(...numbers),
    scale,
    zeroCount,
    zeroThreshold,
    positive: expSide(positive),
    negative: expSide(negative),
  };
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/** Bound sets drawn from one grid, so that different points share some bounds (and sometimes none). */
const BOUND_GRID = [-10, -1, 0, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000];

export const boundsArb: fc.Arbitrary<number[]> = fc
  .subarray(BOUND_GRID)
  .map((b) => [...b].sort((x, y) => x - y));

/** Values that often sit exactly on a bound, plus negatives, zeros and magnitudes in between. */
export const histogramValueArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...BOUND_GRID),
  fc.double({ min: -2000, max: 2000, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -20, max: 20 }),
);

export const carriedArb: fc.Arbitrary<Carried> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 6 },
  { arbitrary: fc.record({ sum: fc.boolean(), min: fc.boolean(), max: fc.boolean() }), weight: 1 },
);

export interface HistogramPointArbOptions {
  readonly bounds?: fc.Arbitrary<readonly number[]>;
  readonly values?: fc.Arbitrary<number>;
  readonly carried?: fc.Arbitrary<Carried>;
  readonly times?: fc.Arbitrary<PointTime>;
  readonly maxValues?: number;
}

/** Delta histogram points of one series, with their raw values for oracles. */
export function histogramWithValuesArb(
  options: HistogramPointArbOptions = {},
): fc.Arbitrary<{ point: HistogramPoint; values: number[] }> {
  return fc
    .tuple(
      fc.array(options.values ?? histogramValueArb, { maxLength: options.maxValues ?? 12 }),
      options.bounds ?? boundsArb,
      options.carried ?? carriedArb,
      options.times ?? timeArb({ ties: true }),
    )
    .map(([values, bounds, carried, time]) => ({
      point: histogramOfValues(values, bounds, time, carried),
      values,
    }));
}

export function histogramPointArb(options: HistogramPointArbOptions = {}): fc.Arbitrary<HistogramPoint> {
  return histogramWithValuesArb(options).map(({ point }) => point);
}

/** x with x·2^20 = k + f, f ∈ [0.01, 0.99]: never near a bucket boundary at any scale ≤ 20. */
export function exponentArb(minX: number, maxX: number): fc.Arbitrary<number> {
  return fc
    .tuple(
      fc.integer({ min: Math.ceil(minX * 2 ** 20), max: Math.floor(maxX * 2 ** 20) }),
      fc.integer({ min: 1, max: 99 }),
    )
    .map(([k, f]) => (k + f / 100) / 2 ** 20);
}

export function expValueArb(minX: number, maxX: number): fc.Arbitrary<ExpValue> {
  return fc.oneof(
    { arbitrary: fc.constant<ExpValue>({ sign: 0 }), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom<1 | -1>(1, -1), exponentArb(minX, maxX))
        .map(([sign, x]): ExpValue => ({ sign, x })),
      weight: 8,
    },
  );
}

export interface ExpPointArbOptions {
  readonly scales?: fc.Arbitrary<number>;
  readonly values?: fc.Arbitrary<ExpValue>;
  readonly thresholds?: fc.Arbitrary<number>;
  readonly carried?: fc.Arbitrary<Carried>;
  readonly times?: fc.Arbitrary<PointTime>;
  readonly maxValues?: number;
}

/**
 * Exponential histogram points of one series with their raw values. By default: either a wide
 * range (2^−30 … 2^30 at scales −2…4, so merges must downscale to fit 160 buckets) or a narrow one
 * (a few % around 10 at scales 8…14), thresholds mostly 0 and sometimes 2^−10, 0.5 or 3.
 */
export function expWithValuesArb(
  options: ExpPointArbOptions = {},
): fc.Arbitrary<{ point: ExponentialHistogramPoint; values: ExpValue[] }> {
  const wide = fc.tuple(fc.integer({ min: -2, max: 4 }), fc.constant(-30), fc.constant(30));
  const narrow = fc.tuple(fc.integer({ min: 8, max: 14 }), fc.constant(3.3), fc.constant(3.36));
  const shape = fc.oneof(wide, narrow);
  return shape.chain(([scale, minX, maxX]) =>
    fc
      .tuple(
        options.scales ?? fc.constant(scale),
        fc.array(options.values ?? expValueArb(minX, maxX), { maxLength: options.maxValues ?? 12 }),
        options.thresholds ??
          fc.oneof(
            { arbitrary: fc.constant(0), weight: 6 },
            { arbitrary: fc.constantFrom(2 ** -10, 0.5, 3), weight: 1 },
          ),
        options.carried ?? carriedArb,
        options.times ?? timeArb({ ties: true }),
      )
      .map(([s, values, threshold, carried, time]) => ({
        point: expOfValues(values, s, time, carried, threshold),
        values,
      })),
  );
}

export function expPointArb(options: ExpPointArbOptions = {}): fc.Arbitrary<ExponentialHistogramPoint> {
  return expWithValuesArb(options).map(({ point }) => point);
}
