/**
 * Factories and fast-check arbitraries for {@link NormalizedPoint} values, shared by the aggregate
 * tests. Keys are `JSON.stringify` of sorted entries: enough for tests, which never compare them
 * with keys made by `lib/core/series/canonical.ts`.
 *
 * @example
 * ```ts
 * const p = numberPoint(42, { kind: 'sum', timeMs: WINDOW_START_MS + 1_000 });
 * fc.assert(fc.property(fc.array(numberPointArb()), (points) => { ... }));
 * ```
 */
import fc from 'fast-check';
import type {
  AttributeSet,
  Attributes,
  MetricContext,
  MetricDescriptor,
  MetricKind,
  NumberPoint,
  SummaryPoint,
} from '#core/point.js';

/** 2026-01-01T00:00:00Z: the start of the window most tests aggregate into. */
export const WINDOW_START_MS = 1_767_225_600_000;
export const WINDOW_SIZE_MS = 60_000;

export function attributeSet(attributes: Attributes = {}): AttributeSet {
  const sorted = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { attributes, key: JSON.stringify(sorted) };
}

/** Temporality and monotonicity follow the kind unless given: sums are delta and monotonic. */
export function metricContext(metric: Partial<MetricDescriptor> = {}): MetricContext {
  const kind = metric.kind ?? 'gauge';
  const descriptor: MetricDescriptor = {
    name: metric.name ?? `test.${kind}`,
    unit: metric.unit ?? '1',
    description: metric.description ?? '',
    kind,
    temporality: metric.temporality ?? (kind === 'gauge' || kind === 'summary' ? 0 : 1),
    monotonic: metric.monotonic ?? kind === 'sum',
  };
  const resource = attributeSet({ 'service.name': 'windrow-test' });
  const scope = { name: 'windrow.test', version: '1.0.0' };
  return { resource, scope, metric: descriptor, key: JSON.stringify([resource.key, scope, descriptor]) };
}

const contexts = new Map<MetricKind, MetricContext>();

/** One shared context per kind, so points of a kind look like one series. */
export function contextFor(kind: MetricKind): MetricContext {
  let context = contexts.get(kind);
  if (context === undefined) {
    context = metricContext({ kind });
    contexts.set(kind, context);
  }
  return context;
}

export interface PointTime {
  readonly timeMs: number;
  /** 0..999_999 */
  readonly timeNs: number;
}

export interface PointOptions extends Partial<PointTime> {
  /** Metric kind of the context; ignored when `context` is given. Default `gauge` for numbers. */
  readonly kind?: MetricKind;
  readonly context?: MetricContext;
  readonly attributes?: AttributeSet;
  readonly startMs?: number;
  readonly startNs?: number;
}

const noAttributes = attributeSet();

// Object literals with every field spelled out (no spread): points of one shape, like a decoder's.
export function numberPoint(value: number, options: PointOptions = {}): NumberPoint {
  return {
    context: options.context ?? contextFor(options.kind ?? 'gauge'),
    attributes: options.attributes ?? noAttributes,
    timeMs: options.timeMs ?? WINDOW_START_MS,
    timeNs: options.timeNs ?? 0,
    startMs: options.startMs ?? 0,
    startNs: options.startNs ?? 0,
    type: 'number',
    value,
  };
}

export function summaryPoint(count: number, sum: number, options: PointOptions = {}): SummaryPoint {
  return {
    context: options.context ?? contextFor(options.kind ?? 'summary'),
    attributes: options.attributes ?? noAttributes,
    timeMs: options.timeMs ?? WINDOW_START_MS,
    timeNs: options.timeNs ?? 0,
    startMs: options.startMs ?? 0,
    startNs: options.startNs ?? 0,
    type: 'summary',
    count,
    sum,
    quantiles: [],
  };
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/**
 * Counterexamples print as `number(-3.5 @ +1ms+999999ns sum)` instead of the whole context. The
 * method is non-enumerable so points still compare equal to points built without it.
 */
function withShortString<P extends NumberPoint | SummaryPoint>(point: P): P {
  const at = `+${point.timeMs - WINDOW_START_MS}ms+${point.timeNs}ns`;
  const what = point.type === 'number' ? `${point.value}` : `count ${point.count}, sum ${point.sum}`;
  const text = `${point.type}(${what} @ ${at} ${point.context.metric.kind})`;
  Object.defineProperty(point, fc.toStringMethod, { value: () => text, enumerable: false });
  return point;
}

/** A non-zero magnitude in [1e-9, 1e12], either sign. fc.double draws across the binary exponents,
 *  so tiny and huge values both come up often. */
export const magnitudeArb: fc.Arbitrary<number> = fc
  .tuple(fc.double({ min: 1e-9, max: 1e12, noNaN: true, noDefaultInfinity: true }), fc.boolean())
  .map(([m, negative]) => (negative ? -m : m));

/** Small integers of either sign, including 0: sums of these stay exact in doubles. */
export const smallIntegerArb: fc.Arbitrary<number> = fc.integer({ min: -1_000_000, max: 1_000_000 });

/** Values with negatives, zeros, small integers and magnitudes from 1e-9 to 1e12. */
export const valueArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: -100, max: 100 }), weight: 2 },
  { arbitrary: magnitudeArb, weight: 5 },
);

/**
 * A time inside the test window. `ties: true` draws from a handful of instants (three ms, three ns
 * remainders) so equal timestamps are frequent, which exercises first/last tie-breaks.
 */
export function timeArb(options: { readonly ties?: boolean } = {}): fc.Arbitrary<PointTime> {
  if (options.ties === true) {
    return fc.record({
      timeMs: fc.integer({ min: WINDOW_START_MS, max: WINDOW_START_MS + 2 }),
      timeNs: fc.constantFrom(0, 1, 999_999),
    });
  }
  return fc.record({
    timeMs: fc.integer({ min: WINDOW_START_MS, max: WINDOW_START_MS + WINDOW_SIZE_MS - 1 }),
    timeNs: fc.integer({ min: 0, max: 999_999 }),
  });
}

export interface NumberPointArbOptions {
  readonly values?: fc.Arbitrary<number>;
  readonly kind?: MetricKind;
  readonly times?: fc.Arbitrary<PointTime>;
}

/** Number points of one series; by default gauge points with {@link valueArb} values and frequent
 *  timestamp ties. */
export function numberPointArb(options: NumberPointArbOptions = {}): fc.Arbitrary<NumberPoint> {
  const kind = options.kind ?? 'gauge';
  return fc
    .tuple(options.values ?? valueArb, options.times ?? timeArb({ ties: true }))
    .map(([value, time]) => withShortString(numberPoint(value, { kind, ...time })));
}

export interface SummaryPointArbOptions {
  readonly sums?: fc.Arbitrary<number>;
  readonly times?: fc.Arbitrary<PointTime>;
}

/** Summary points (delta view): a count and a sum of observations. */
export function summaryPointArb(options: SummaryPointArbOptions = {}): fc.Arbitrary<SummaryPoint> {
  return (
    fc
      .tuple(fc.nat({ max: 1_000_000 }), options.sums ?? valueArb, options.times ?? timeArb({ ties: true }))
      // No observations means no sum: a count-0 point with a sum would be malformed.
      .map(([count, sum, time]) => summaryPoint(count, count === 0 ? 0 : sum, time))
  );
}
