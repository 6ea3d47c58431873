/**
 * OTLP/HTTP protobuf metrics: `ExportMetricsServiceRequest` bytes → normalized points.
 *
 * Field numbers (opentelemetry-proto: collector/metrics/v1, metrics/v1, common/v1, resource/v1):
 * - ExportMetricsServiceRequest{resource_metrics=1}
 * - ResourceMetrics{resource=1, scope_metrics=2, schema_url=3}; Resource{attributes=1,
 *   dropped_attributes_count=2}
 * - ScopeMetrics{scope=1, metrics=2, schema_url=3}; InstrumentationScope{name=1, version=2,
 *   attributes=3, dropped_attributes_count=4} (scope attributes are part of the series identity)
 * - Metric{name=1, description=2, unit=3, gauge=5, sum=7, histogram=9, exponential_histogram=10,
 *   summary=11, metadata=12}; 4, 6, 8 were the retired int_* kinds and are skipped as unknown
 * - Gauge{data_points=1}; Sum{data_points=1, aggregation_temporality=2, is_monotonic=3};
 *   Histogram / ExponentialHistogram{data_points=1, aggregation_temporality=2}; Summary{data_points=1}
 * - data points: see the readers in pb-points.ts and pb-histograms.ts.
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
 */
import { DecodeError } from '../errors.js';
import { type DecodeResult, MetricKind, type NormalizeOptions } from '../point.js';
import { attributeSet } from '../series/canonical.js';
import {
  admitMetric,
  attributeProblem,
  describeOtlpPoint,
  EMPTY_SCOPE,
  Normalizer,
  type PointSink,
  type ResourceInfo,
  type ScopeInfo,
} from './normalize.js';
import { attributesOf } from './pb-attributes.js';
import { exponentialPoint, histogramPoint, releaseBody } from './pb-histograms.js';
import { numberPoint, summaryPoint } from './pb-points.js';
import { decodeUtf8, WireReader, WireType, wrongWireType } from './wire.js';

const LEN = WireType.len;
const VARINT = WireType.varint;

/**
 * Decodes and normalizes an OTLP/HTTP protobuf metrics body.
 *
 * @throws {DecodeError} when the body is not a decodable ExportMetricsServiceRequest (and only then).
 * @example
 * const { points, rejections } = decodeOtlpProtobuf(body, { nowMs: Date.now(), correctionHorizonMs: 86_400_000,
 *   ...DEFAULT_NORMALIZE_LIMITS });
 */
export function decodeOtlpProtobuf(
  body: Uint8Array,
  options: NormalizeOptions,
  sink?: PointSink,
): DecodeResult {
  const n = new Normalizer(options, describeOtlpPoint, sink);
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
    releaseBody(); // do not keep the body alive
  }
  return n.result();
}

/** Skips an unknown field; a known repeated/message field `known` with a wrong wire type is an error. */
function skipKnown(r: WireReader, tag: number, end: number, message: string, known: number): void {
  if (tag >>> 3 === known) throw wrongWireType(message, known, tag & 7);
  r.skip(tag & 7, end);
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

function scopeMetrics(r: WireReader, end: number, resource: ResourceInfo, n: Normalizer): void {
  const begin = r.pos;
  let scope: ScopeInfo = EMPTY_SCOPE;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) {
      const stop = r.len(end);
      scope = instrumentationScope(r, stop, n);
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

/** InstrumentationScope{name=1, version=2, attributes=3 (repeated KeyValue), dropped_attributes_count=4}. */
function instrumentationScope(r: WireReader, end: number, n: Normalizer): ScopeInfo {
  const start = r.pos;
  let name = '';
  let version = '';
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    if (tag === ((1 << 3) | LEN)) name = r.string(end);
    else if (tag === ((2 << 3) | LEN)) version = r.string(end);
    else if (tag === ((3 << 3) | LEN)) {
      if (aStart < 0) aStart = at;
      else if (at !== aEnd) contiguous = false;
      r.pos = r.len(end);
      aEnd = r.pos;
    } else if (tag >>> 3 >= 1 && tag >>> 3 <= 3) {
      throw wrongWireType('InstrumentationScope', tag >>> 3, tag & 7);
    } else r.skip(tag & 7, end);
  }
  const attrs = attributesOf(r, start, end, aStart, aEnd, contiguous, 3);
  const limit = attrs.count === 0 ? undefined : attributeProblem(attrs, n.options);
  return {
    scope: { name, version },
    attrs,
    problem: limit === undefined ? undefined : `instrumentation scope: ${limit}`,
  };
}

/** Metric.data oneof field number → kind. */
const DATA_KINDS: Partial<Record<number, MetricKind>> = {
  5: MetricKind.gauge,
  7: MetricKind.sum,
  9: MetricKind.histogram,
  10: MetricKind.exponentialHistogram,
  11: MetricKind.summary,
};

function metric(r: WireReader, end: number, resource: ResourceInfo, scope: ScopeInfo, n: Normalizer): void {
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

  const ctx = admitMetric(
    n,
    { name, unit, description, kind, temporality, monotonic },
    resource,
    scope,
    pointCount,
  );
  if (ctx === undefined) return;

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
