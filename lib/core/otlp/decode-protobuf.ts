/**
 * OTLP/HTTP protobuf metrics: `ExportMetricsServiceRequest` bytes → normalized points.
 *
 * Field numbers (opentelemetry-proto: collector/metrics/v1, metrics/v1, common/v1, resource/v1):
 * - ExportMetricsServiceRequest{resource_metrics=1}
 * - ResourceMetrics{resource=1, scope_metrics=2, schema_url=3}; Resource{attributes=1,
 *   dropped_attributes_count=2}
 * - ScopeMetrics{scope=1, metrics=2, schema_url=3}; InstrumentationScope{name=1, version=2,
 *   attributes=3, dropped_attributes_count=4}
 * - Metric{name=1, description=2, unit=3, gauge=5, sum=7, histogram=9, exponential_histogram=10,
 *   summary=11, metadata=12}; 4, 6, 8 were the retired int_* kinds and are skipped as unknown
 * - Gauge{data_points=1}; Sum{data_points=1, aggregation_temporality=2, is_monotonic=3};
 *   Histogram / ExponentialHistogram{data_points=1, aggregation_temporality=2}; Summary{data_points=1}
 * - data points: see the per-kind readers below.
 *
 * Wire errors (truncation, length overruns, wrong wire types for known fields, invalid UTF-8, too
 * deep AnyValue nesting) make the whole body undecodable: {@link DecodeError}. Damage that is
 * local to a point with intact framing (NaN, bad histogram, time out of range…) is a per-point
 * rejection decided in normalize.ts.
 *
 * Speed: messages whose header fields may follow their children on the wire (Sum's temporality comes
 * after its points in the JS exporter) are scanned twice, the first pass only skipping lengths; the
 * context is built once per Metric; attribute sets are interned by raw bytes (pb-attributes.ts);
 * scratch objects are reused so a point allocates only its NormalizedPoint (and bucket arrays).
 *
 * Points are validated by the shared {@link Normalizer} but built here, not by its `number()` etc.:
 * V8 decides per object-literal site whether to allocate objects straight into the old generation
 * (allocation-site pretenuring). Points decoded from JSON outlive many young-generation collections
 * (JSON.parse garbage) and get their site pretenured; sharing that site made protobuf points, which
 * die young, go through full mark-compact collections: measured 1.4 M instead of 2.4 M points/s (per
 * CPU second) in a process that had decoded JSON before.
 */
import { DecodeError } from '../errors.js';
import {
  type DecodeResult,
  type MetricContext,
  MetricKind,
  type NormalizeOptions,
  type Scope,
  Temporality,
} from '../point.js';
import {
  type AttributeSetInfo,
  attributeSet,
  type CanonicalEntry,
  metricContext,
} from '../series/canonical.js';
import {
  attributeProblem,
  FLAG_NO_RECORDED_VALUE,
  metricProblem,
  Normalizer,
  type PointTimes,
  type RawExponentialHistogram,
  type RawHistogram,
  type RawSummary,
} from './normalize.js';
import { attributesOfRange, collectKeyValues } from './pb-attributes.js';
import { decodeUtf8, nanosToMs, WireReader, WireType, wrongWireType } from './wire.js';

const LEN = WireType.len;
const I64 = WireType.fixed64;
const VARINT = WireType.varint;
const TWO_32 = 4294967296;
/** hi halves at or above this make a uint64 count exceed 2^53. */
const SAFE_HI = 0x200000;

/**
 * Decodes and normalizes an OTLP/HTTP protobuf metrics body.
 *
 * @throws {DecodeError} when the body is not a decodable ExportMetricsServiceRequest (and only then).
 * @example
 * const { points, rejections } = decodeOtlpProtobuf(body, { nowMs: Date.now(), correctionHorizonMs: 86_400_000,
 *   ...DEFAULT_NORMALIZE_LIMITS });
 */
export function decodeOtlpProtobuf(body: Uint8Array, options: NormalizeOptions): DecodeResult {
  const n = new Normalizer(options);
  const r = new WireReader(body);
  try {
    const end = body.length;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === ((1 << 3) | LEN)) {
        const stop = r.len(end);
        resourceMetrics(r, stop, n);
        r.pos = stop;
      } else {
        skipKnown(r, tag, end, 'ExportMetricsServiceRequest', 1);
      }
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    // Defence in depth: whatever the bytes, the caller only ever sees a DecodeError (400, not 500).
    throw new DecodeError('protobuf: undecodable body', { cause: error });
  } finally {
    lastBounds.buf = undefined; // do not keep the body alive
  }
  return n.result();
}

/** Skips an unknown field; a known repeated/message field `known` with a wrong wire type is an error. */
function skipKnown(r: WireReader, tag: number, end: number, message: string, known: number): void {
  if (tag >>> 3 === known) throw wrongWireType(message, known, tag & 7);
  r.skip(tag & 7, end);
}

interface ResourceInfo {
  readonly attrs: AttributeSetInfo;
  /** Why every point of this resource is refused (attribute limits), or undefined. */
  readonly problem: string | undefined;
}

function resourceMetrics(r: WireReader, end: number, n: Normalizer): void {
  const begin = r.pos;
  let resStart = -1;
  let resEnd = -1;
  // Pass 1: the resource may come after the scope_metrics.
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) {
      resEnd = r.len(end);
      resStart = r.pos;
      r.pos = resEnd;
    } else if (tag === ((2 << 3) | LEN)) {
      r.pos = r.len(end);
    } else if (tag >>> 3 === 1 || tag >>> 3 === 2 || tag >>> 3 === 3) {
      if ((tag & 7) !== LEN) throw wrongWireType('ResourceMetrics', tag >>> 3, tag & 7);
      r.pos = r.len(end);
    } else {
      r.skip(tag & 7, end);
    }
  }
  const resource = resStart < 0 ? EMPTY_RESOURCE : resourceInfo(r, resStart, resEnd, n);
  r.pos = begin;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((2 << 3) | LEN)) {
      const stop = r.len(end);
      scopeMetrics(r, stop, resource, n);
      r.pos = stop;
    } else {
      r.skip(tag & 7, end);
    }
  }
}

const EMPTY_RESOURCE: ResourceInfo = { attrs: attributeSet([]), problem: undefined };

function resourceInfo(r: WireReader, start: number, end: number, n: Normalizer): ResourceInfo {
  r.pos = start;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) {
      if (aStart < 0) aStart = at;
      else if (at !== aEnd) contiguous = false;
      r.pos = r.len(end);
      aEnd = r.pos;
    } else {
      skipKnown(r, tag, end, 'Resource', 1);
    }
  }
  const attrs = attributesOf(r, start, end, aStart, aEnd, contiguous, 1);
  const limit = attributeProblem(attrs, n.options);
  return { attrs, problem: limit === undefined ? undefined : `resource: ${limit}` };
}

/** Attributes collected from a message's `field` tags: interned when contiguous (the usual case). */
function attributesOf(
  r: WireReader,
  msgStart: number,
  msgEnd: number,
  aStart: number,
  aEnd: number,
  contiguous: boolean,
  field: number,
): AttributeSetInfo {
  if (aStart < 0) return EMPTY_RESOURCE.attrs;
  if (contiguous) return attributesOfRange(r, aStart, aEnd, field);
  const saved = r.pos;
  r.pos = msgStart;
  const entries: CanonicalEntry[] = [];
  collectKeyValues(r, msgEnd, field, entries);
  r.pos = saved;
  return attributeSet(entries);
}

function scopeMetrics(r: WireReader, end: number, resource: ResourceInfo, n: Normalizer): void {
  const begin = r.pos;
  let scope: Scope = EMPTY_SCOPE;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) {
      const stop = r.len(end);
      scope = instrumentationScope(r, stop);
      r.pos = stop;
    } else if (tag >>> 3 <= 3) {
      if ((tag & 7) !== LEN) throw wrongWireType('ScopeMetrics', tag >>> 3, tag & 7);
      r.pos = r.len(end);
    } else {
      r.skip(tag & 7, end);
    }
  }
  r.pos = begin;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((2 << 3) | LEN)) {
      const stop = r.len(end);
      metric(r, stop, resource, scope, n);
      r.pos = stop;
    } else {
      r.skip(tag & 7, end);
    }
  }
}

const EMPTY_SCOPE: Scope = { name: '', version: '' };

function instrumentationScope(r: WireReader, end: number): Scope {
  let name = '';
  let version = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) name = r.string(end);
    else if (tag === ((2 << 3) | LEN)) version = r.string(end);
    else if (tag >>> 3 === 1 || tag >>> 3 === 2 || tag >>> 3 === 3) {
      throw wrongWireType('InstrumentationScope', tag >>> 3, tag & 7);
    } else r.skip(tag & 7, end);
  }
  return { name, version };
}

/** Metric.data oneof field number → kind. */
const DATA_KINDS: Partial<Record<number, MetricKind>> = {
  5: MetricKind.gauge,
  7: MetricKind.sum,
  9: MetricKind.histogram,
  10: MetricKind.exponentialHistogram,
  11: MetricKind.summary,
};

function metric(r: WireReader, end: number, resource: ResourceInfo, scope: Scope, n: Normalizer): void {
  let name = '';
  let description = '';
  let unit = '';
  let kind: MetricKind | undefined;
  let dataStart = 0;
  let dataEnd = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field <= 3 || field === 12 || DATA_KINDS[field] !== undefined) {
      if (wt !== LEN) throw wrongWireType('Metric', field, wt);
      const stop = r.len(end);
      if (field === 1) name = decodeUtf8Checked(r, stop);
      else if (field === 2) description = decodeUtf8Checked(r, stop);
      else if (field === 3) unit = decodeUtf8Checked(r, stop);
      else if (field !== 12) {
        // A oneof: the last data field on the wire wins.
        kind = DATA_KINDS[field];
        dataStart = r.pos;
        dataEnd = stop;
      }
      r.pos = stop;
    } else {
      r.skip(wt, end);
    }
  }
  if (kind === undefined) return; // no data: no points to accept or refuse

  // Pass 1 over the data message: temporality and monotonicity may follow the points.
  r.pos = dataStart;
  let temporality = 0;
  let monotonic = false;
  let pointCount = 0;
  const hasTemporality = kind !== MetricKind.gauge && kind !== MetricKind.summary;
  while (r.pos < dataEnd) {
    const tag = r.tag(dataEnd);
    if (tag === ((1 << 3) | LEN)) {
      r.pos = r.len(dataEnd);
      pointCount++;
    } else if (hasTemporality && tag === ((2 << 3) | VARINT)) {
      temporality = r.int32(dataEnd);
    } else if (kind === MetricKind.sum && tag === ((3 << 3) | VARINT)) {
      monotonic = r.bool(dataEnd);
    } else if (
      tag >>> 3 === 1 ||
      (hasTemporality && tag >>> 3 === 2) ||
      (kind === MetricKind.sum && tag >>> 3 === 3)
    ) {
      throw wrongWireType(kind, tag >>> 3, tag & 7);
    } else {
      r.skip(tag & 7, dataEnd);
    }
  }
  if (pointCount === 0) return;

  const problem = metricProblem(name, kind, temporality, resource);
  if (problem !== undefined) {
    n.refuse(problem.reason, name, 0, problem.message, pointCount);
    return;
  }
  const ctx = metricContext(resource.attrs.set, scope, {
    name,
    unit,
    description,
    kind,
    temporality: (hasTemporality ? temporality : Temporality.unspecified) as Temporality,
    monotonic,
  });

  // Pass 2: the points.
  r.pos = dataStart;
  let index = 0;
  while (r.pos < dataEnd) {
    const tag = r.tag(dataEnd);
    if (tag === ((1 << 3) | LEN)) {
      const stop = r.len(dataEnd);
      switch (kind) {
        case MetricKind.gauge:
        case MetricKind.sum:
          numberPoint(r, stop, ctx, n, index);
          break;
        case MetricKind.histogram:
          histogramPoint(r, stop, ctx, n, index);
          break;
        case MetricKind.exponentialHistogram:
          exponentialPoint(r, stop, ctx, n, index);
          break;
        case MetricKind.summary:
          summaryPoint(r, stop, ctx, n, index);
          break;
      }
      index++;
      r.pos = stop;
    } else {
      r.skip(tag & 7, dataEnd);
    }
  }
}

function decodeUtf8Checked(r: WireReader, stop: number): string {
  return decodeUtf8(r.buf, r.pos, stop);
}

// Scratch reused by every point: NormalizedPoints copy what they keep.
const times: PointTimes = { timeMs: 0, timeNs: 0, startMs: 0, startNs: 0 };
const nanos = { ms: 0, ns: 0 };

function readTime(r: WireReader, end: number, start: boolean): void {
  r.fixed64(end);
  nanosToMs(r.lo, r.hi, nanos);
  if (start) {
    times.startMs = nanos.ms;
    times.startNs = nanos.ns;
  } else {
    times.timeMs = nanos.ms;
    times.timeNs = nanos.ns;
  }
}

function resetTimes(): void {
  times.timeMs = 0;
  times.timeNs = 0;
  times.startMs = 0;
  times.startNs = 0;
}

/** fixed64 count → number; NaN beyond 2^53 (refused as not an exact count). */
function readCount(r: WireReader, end: number): number {
  r.fixed64(end);
  return r.hi >= SAFE_HI ? Number.NaN : r.hi * TWO_32 + r.lo;
}

/**
 * NumberDataPoint{attributes=7, start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64,
 * as_double=4 double, exemplars=5, as_int=6 sfixed64, flags=8 uint32}.
 */
function numberPoint(r: WireReader, end: number, ctx: MetricContext, n: Normalizer, index: number): void {
  const begin = r.pos;
  resetTimes();
  let value: number | undefined;
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (7 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        value = r.double(end);
        break;
      case (6 << 3) | I64:
        r.fixed64(end);
        value = (r.hi | 0) * TWO_32 + r.lo;
        break;
      case (8 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      default:
        checkUnknown(tag, NUMBER_FIELDS, 'NumberDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 7);
  if (!n.acceptNumber(ctx, attrs, times, value, index)) return;
  n.points.push({
    type: 'number',
    context: ctx,
    attributes: attrs.set,
    timeMs: times.timeMs,
    timeNs: times.timeNs,
    startMs: times.startMs,
    startNs: times.startNs,
    value,
  });
}

/** Known fields per point message: a known field with an unexpected wire type is an error. */
const NUMBER_FIELDS = fieldSet([2, 3, 4, 6, 7, 8]);
const HISTOGRAM_FIELDS = fieldSet([2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
const EXPONENTIAL_FIELDS = fieldSet([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]);
const SUMMARY_FIELDS = fieldSet([2, 3, 4, 5, 6, 7, 8]);

function fieldSet(fields: number[]): number {
  let bits = 0;
  for (const f of fields) bits |= 1 << f;
  return bits;
}

function checkUnknown(tag: number, known: number, message: string): void {
  const field = tag >>> 3;
  if (field < 31 && (known & (1 << field)) !== 0) throw wrongWireType(message, field, tag & 7);
}

// Histogram scratch; bucket arrays are fresh per point because the NormalizedPoint keeps them.
const hist: RawHistogram = {
  count: 0,
  sum: undefined,
  min: undefined,
  max: undefined,
  bounds: [],
  bucketCounts: [],
};

/**
 * HistogramDataPoint{start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64, count=4 fixed64,
 * sum=5 double, bucket_counts=6 repeated fixed64, explicit_bounds=7 repeated double, exemplars=8,
 * attributes=9, flags=10 uint32, min=11 double, max=12 double}. Repeated scalars are accepted packed
 * and unpacked, as protobuf parsers must.
 */
function histogramPoint(r: WireReader, end: number, ctx: MetricContext, n: Normalizer, index: number): void {
  const begin = r.pos;
  resetTimes();
  hist.count = 0;
  hist.sum = undefined;
  hist.min = undefined;
  hist.max = undefined;
  let bounds: number[] | undefined;
  const counts: number[] = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (9 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        hist.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        hist.sum = r.double(end);
        break;
      case (6 << 3) | LEN: {
        const stop = r.len(end);
        if ((stop - r.pos) % 8 !== 0)
          throw new DecodeError('protobuf: packed bucket_counts is not a multiple of 8 bytes');
        while (r.pos < stop) counts.push(readCount(r, stop));
        break;
      }
      case (6 << 3) | I64:
        counts.push(readCount(r, end));
        break;
      case (7 << 3) | LEN: {
        const stop = r.len(end);
        if ((stop - r.pos) % 8 !== 0)
          throw new DecodeError('protobuf: packed explicit_bounds is not a multiple of 8 bytes');
        bounds = packedBounds(r, stop, bounds);
        break;
      }
      case (7 << 3) | I64:
        bounds = bounds === undefined || bounds === lastBounds.array ? (bounds ?? []).slice() : bounds;
        bounds.push(r.double(end));
        break;
      case (10 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      case (11 << 3) | I64:
        hist.min = r.double(end);
        break;
      case (12 << 3) | I64:
        hist.max = r.double(end);
        break;
      default:
        checkUnknown(tag, HISTOGRAM_FIELDS, 'HistogramDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  hist.bounds = bounds ?? [];
  hist.bucketCounts = counts;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 9);
  const bucketCounts = n.acceptHistogram(ctx, attrs, times, hist, index);
  if (bucketCounts === undefined) return;
  n.points.push({
    type: 'histogram',
    context: ctx,
    attributes: attrs.set,
    timeMs: times.timeMs,
    timeNs: times.timeNs,
    startMs: times.startMs,
    startNs: times.startNs,
    count: hist.count,
    sum: hist.sum,
    min: hist.min,
    max: hist.max,
    bounds: hist.bounds,
    bucketCounts,
  });
}

/**
 * The last packed explicit_bounds decoded: the points of a histogram metric nearly always share their
 * bounds, so the same bytes reuse the same array (cheaper than decoding, and downstream merges
 * compare bounds by reference first). Shared arrays are copied before anything is appended.
 */
const lastBounds: { buf: Uint8Array | undefined; start: number; end: number; array: number[] } = {
  buf: undefined,
  start: 0,
  end: 0,
  array: [],
};

function packedBounds(r: WireReader, stop: number, previous: number[] | undefined): number[] {
  const start = r.pos;
  const n = stop - start;
  const buf = r.buf;
  if (previous === undefined && lastBounds.buf === buf && lastBounds.end - lastBounds.start === n) {
    // n is a multiple of 8 (checked by the caller): compare as int32 words.
    const view = r.view;
    const from = lastBounds.start;
    let same = true;
    for (let i = 0; i < n; i += 4) {
      if (view.getInt32(from + i, true) !== view.getInt32(start + i, true)) {
        same = false;
        break;
      }
    }
    if (same) {
      r.pos = stop;
      return lastBounds.array;
    }
  }
  const bounds = previous === undefined ? new Array<number>(0) : previous.slice();
  while (r.pos < stop) bounds.push(r.double(stop));
  if (previous === undefined) {
    lastBounds.buf = buf;
    lastBounds.start = start;
    lastBounds.end = stop;
    lastBounds.array = bounds;
  }
  return bounds;
}

const expo: RawExponentialHistogram = {
  count: 0,
  sum: undefined,
  min: undefined,
  max: undefined,
  scale: 0,
  zeroCount: 0,
  zeroThreshold: 0,
  positiveOffset: 0,
  positiveCounts: [],
  negativeOffset: 0,
  negativeCounts: [],
};

/**
 * ExponentialHistogramDataPoint{attributes=1, start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64,
 * count=4 fixed64, sum=5 double, scale=6 sint32, zero_count=7 fixed64, positive=8, negative=9,
 * flags=10 uint32, exemplars=11, min=12 double, max=13 double, zero_threshold=14 double};
 * Buckets{offset=1 sint32, bucket_counts=2 repeated uint64}.
 */
function exponentialPoint(
  r: WireReader,
  end: number,
  ctx: MetricContext,
  n: Normalizer,
  index: number,
): void {
  const begin = r.pos;
  resetTimes();
  expo.count = 0;
  expo.sum = undefined;
  expo.min = undefined;
  expo.max = undefined;
  expo.scale = 0;
  expo.zeroCount = 0;
  expo.zeroThreshold = 0;
  expo.positiveOffset = 0;
  expo.positiveCounts = [];
  expo.negativeOffset = 0;
  expo.negativeCounts = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (1 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        expo.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        expo.sum = r.double(end);
        break;
      case (6 << 3) | VARINT:
        expo.scale = r.sint32(end);
        break;
      case (7 << 3) | I64:
        expo.zeroCount = readCount(r, end);
        break;
      case (8 << 3) | LEN: {
        const stop = r.len(end);
        const counts: number[] = [];
        expo.positiveOffset = buckets(r, stop, counts);
        expo.positiveCounts = counts;
        r.pos = stop;
        break;
      }
      case (9 << 3) | LEN: {
        const stop = r.len(end);
        const counts: number[] = [];
        expo.negativeOffset = buckets(r, stop, counts);
        expo.negativeCounts = counts;
        r.pos = stop;
        break;
      }
      case (10 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      case (12 << 3) | I64:
        expo.min = r.double(end);
        break;
      case (13 << 3) | I64:
        expo.max = r.double(end);
        break;
      case (14 << 3) | I64:
        expo.zeroThreshold = r.double(end);
        break;
      default:
        checkUnknown(tag, EXPONENTIAL_FIELDS, 'ExponentialHistogramDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 1);
  if (!n.acceptExponentialHistogram(ctx, attrs, times, expo, index)) return;
  n.points.push({
    type: 'exponentialHistogram',
    context: ctx,
    attributes: attrs.set,
    timeMs: times.timeMs,
    timeNs: times.timeNs,
    startMs: times.startMs,
    startNs: times.startNs,
    count: expo.count,
    sum: expo.sum,
    min: expo.min,
    max: expo.max,
    scale: expo.scale,
    zeroCount: expo.zeroCount,
    zeroThreshold: expo.zeroThreshold,
    positive: { offset: expo.positiveOffset, bucketCounts: expo.positiveCounts },
    negative: { offset: expo.negativeOffset, bucketCounts: expo.negativeCounts },
  });
}

/** Buckets{offset=1 sint32, bucket_counts=2 repeated uint64}: fills `counts`, returns the offset. */
function buckets(r: WireReader, end: number, counts: number[]): number {
  let offset = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case (1 << 3) | VARINT:
        offset = r.sint32(end);
        break;
      case (2 << 3) | LEN: {
        const stop = r.len(end);
        while (r.pos < stop) counts.push(uint64Count(r, stop));
        break;
      }
      case (2 << 3) | VARINT:
        counts.push(uint64Count(r, end));
        break;
      default:
        if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('Buckets', tag >>> 3, tag & 7);
        r.skip(tag & 7, end);
    }
  }
  return offset;
}

function uint64Count(r: WireReader, end: number): number {
  r.varint64(end);
  return r.hi >= SAFE_HI ? Number.NaN : r.hi * TWO_32 + r.lo;
}

const summ: RawSummary = { count: 0, sum: 0, quantiles: [] };

/**
 * SummaryDataPoint{start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64, count=4 fixed64,
 * sum=5 double, quantile_values=6, attributes=7, flags=8 uint32};
 * ValueAtQuantile{quantile=1 double, value=2 double}.
 */
function summaryPoint(r: WireReader, end: number, ctx: MetricContext, n: Normalizer, index: number): void {
  const begin = r.pos;
  resetTimes();
  summ.count = 0;
  summ.sum = 0;
  const quantiles: { quantile: number; value: number }[] = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (7 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        summ.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        summ.sum = r.double(end);
        break;
      case (6 << 3) | LEN: {
        const stop = r.len(end);
        quantiles.push(valueAtQuantile(r, stop));
        r.pos = stop;
        break;
      }
      case (8 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      default:
        checkUnknown(tag, SUMMARY_FIELDS, 'SummaryDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  summ.quantiles = quantiles;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 7);
  if (!n.acceptSummary(ctx, attrs, times, summ, index)) return;
  n.points.push({
    type: 'summary',
    context: ctx,
    attributes: attrs.set,
    timeMs: times.timeMs,
    timeNs: times.timeNs,
    startMs: times.startMs,
    startNs: times.startNs,
    count: summ.count,
    sum: summ.sum,
    quantiles: summ.quantiles,
  });
}

function valueAtQuantile(r: WireReader, end: number): { quantile: number; value: number } {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | I64)) quantile = r.double(end);
    else if (tag === ((2 << 3) | I64)) value = r.double(end);
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('ValueAtQuantile', tag >>> 3, tag & 7);
    else r.skip(tag & 7, end);
  }
  return { quantile, value };
}
