/**
 * OTLP/HTTP JSON metrics (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): the
 * proto3 JSON mapping of `ExportMetricsServiceRequest` with lowerCamelCase field names only, 64-bit
 * integers as strings or numbers, enums as numbers (names accepted too), AnyValue bytes as base64.
 * Unknown fields are ignored, as the spec requires; exemplars are ignored entirely (trace ids in hex).
 *
 * Error policy (DESIGN.md §11: a point refused is counted in the partial success, a body that cannot be
 * understood is a 400):
 * - Unparseable JSON, or a wrong JSON type at or above the data-point level (request, resourceMetrics,
 *   resource and its attributes, scopeMetrics, scope, metric, its data object and `dataPoints`) →
 *   {@link DecodeError}: nothing can be attributed to countable points, exactly like a protobuf wire
 *   error.
 * - A data point that is not an object, or one of its fields with the wrong type or form
 *   (`asDouble: "x"`, `timeUnixNano: {}`, attributes that are not KeyValues…) → that point alone is
 *   refused with `invalid_field`: the JSON framing is intact, the damage is local, and the rest of the
 *   request is still meaningful.
 * - Values JSON can carry but metrics cannot ("NaN", "Infinity" for doubles) → per-point
 *   `non_finite_value`, like any other validation in normalize.ts.
 */
import { DecodeError } from '../errors.js';
import {
  type DecodeResult,
  type MetricContext,
  MetricKind,
  type NormalizeOptions,
  RejectReason,
} from '../point.js';
import { attributeSet } from '../series/canonical.js';
import { jsonAttributes } from './json-attributes.js';
import {
  countField,
  countValue,
  doubleValue,
  enumField,
  int32Field,
  isObject,
  type Json,
  type JsonObject,
  nanosField,
  optionalArray,
  optionalBool,
  optionalDouble,
  optionalObject,
  optionalString,
  parseJsonBody,
  ShapeError,
} from './json-values.js';
import {
  admitMetric,
  attributeProblem,
  describeOtlpPoint,
  EMPTY_SCOPE,
  FLAG_NO_RECORDED_VALUE,
  Normalizer,
  type PointSink,
  type PointTimes,
  type ResourceInfo,
  type ScopeInfo,
} from './normalize.js';

const TEMPORALITY_NAMES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
] as const;

/** Metric JSON field → kind; the first present in this order is used. */
const DATA_FIELDS: readonly (readonly [string, MetricKind])[] = [
  ['gauge', MetricKind.gauge],
  ['sum', MetricKind.sum],
  ['histogram', MetricKind.histogram],
  ['exponentialHistogram', MetricKind.exponentialHistogram],
  ['summary', MetricKind.summary],
];

/**
 * Decodes and normalizes an OTLP/HTTP JSON metrics body.
 *
 * @throws {DecodeError} when the body is not JSON or not shaped like an ExportMetricsServiceRequest.
 * @example
 * const { points, rejections } = decodeOtlpJson('{"resourceMetrics":[]}', options);
 */
export function decodeOtlpJson(
  body: string | Uint8Array,
  options: NormalizeOptions,
  sink?: PointSink,
): DecodeResult {
  const root = parseJsonBody(body, 'OTLP/JSON');
  const n = new Normalizer(options, describeOtlpPoint, sink);
  try {
    if (!isObject(root)) throw new ShapeError('the body must be a JSON object');
    const rms = optionalArray(root, 'resourceMetrics');
    for (let i = 0; i < rms.length; i++) {
      resourceMetrics(at(rms[i], `resourceMetrics[${i}]`), n);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    if (error instanceof ShapeError) throw new DecodeError(`OTLP/JSON: ${error.message}`);
    throw new DecodeError('OTLP/JSON: undecodable body', { cause: error });
  }
  return n.result();
}

/** An array element that must be an object (above the point level: a shape error otherwise). */
function at(v: Json | undefined, where: string): JsonObject {
  if (!isObject(v)) throw new ShapeError(`${where} must be an object`);
  return v;
}

function resourceMetrics(rm: JsonObject, n: Normalizer): void {
  const res = optionalObject(rm, 'resource');
  const attrs = res === undefined ? attributeSet([]) : jsonAttributes(optionalArray(res, 'attributes'));
  const limit = attributeProblem(attrs, n.options);
  const resource: ResourceInfo = { attrs, problem: limit === undefined ? undefined : `resource: ${limit}` };
  const sms = optionalArray(rm, 'scopeMetrics');
  for (let i = 0; i < sms.length; i++) {
    const sm = at(sms[i], `scopeMetrics[${i}]`);
    const s = optionalObject(sm, 'scope');
    const scope = s === undefined ? EMPTY_SCOPE : scopeInfo(s, n);
    const ms = optionalArray(sm, 'metrics');
    for (let j = 0; j < ms.length; j++) metric(at(ms[j], `metrics[${j}]`), resource, scope, n);
  }
}

function scopeInfo(s: JsonObject, n: Normalizer): ScopeInfo {
  const attrs = jsonAttributes(optionalArray(s, 'attributes'));
  const limit = attrs.count === 0 ? undefined : attributeProblem(attrs, n.options);
  return {
    scope: { name: optionalString(s, 'name'), version: optionalString(s, 'version') },
    attrs,
    problem: limit === undefined ? undefined : `instrumentation scope: ${limit}`,
  };
}

function metric(m: JsonObject, resource: ResourceInfo, scope: ScopeInfo, n: Normalizer): void {
  const name = optionalString(m, 'name');
  const description = optionalString(m, 'description');
  const unit = optionalString(m, 'unit');
  let kind: MetricKind | undefined;
  let data: JsonObject | undefined;
  for (const [field, k] of DATA_FIELDS) {
    data = optionalObject(m, field);
    if (data !== undefined) {
      kind = k;
      break;
    }
  }
  if (kind === undefined || data === undefined) return; // no data: no points to accept or refuse
  const hasTemporality = kind !== MetricKind.gauge && kind !== MetricKind.summary;
  const temporality = hasTemporality ? enumField(data, 'aggregationTemporality', TEMPORALITY_NAMES) : 0;
  const monotonic = kind === MetricKind.sum ? optionalBool(data, 'isMonotonic') : false;
  const points = optionalArray(data, 'dataPoints');
  if (points.length === 0) return;

  const ctx = admitMetric(
    n,
    { name, unit, description, kind, temporality, monotonic },
    resource,
    scope,
    points.length,
  );
  if (ctx === undefined) return;
  const read = POINT_READERS[kind];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    try {
      if (!isObject(p)) throw new ShapeError('the data point must be an object');
      read(p, ctx, n, i);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      n.refuse(RejectReason.invalidField, name, i, error.message);
    }
  }
}

type PointReader = (p: JsonObject, ctx: MetricContext, n: Normalizer, index: number) => void;

const times: PointTimes = { timeMs: 0, timeNs: 0, startMs: 0, startNs: 0 };
const nanos = { ms: 0, ns: 0 };

/** Reads the fields every point has; false when the point is flagged NO_RECORDED_VALUE. */
function common(p: JsonObject): boolean {
  const flags = int32Field(p, 'flags');
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return false;
  nanosField(p, 'timeUnixNano', nanos);
  times.timeMs = nanos.ms;
  times.timeNs = nanos.ns;
  nanosField(p, 'startTimeUnixNano', nanos);
  times.startMs = nanos.ms;
  times.startNs = nanos.ns;
  return true;
}

const numberPoint: PointReader = (p, ctx, n, index) => {
  if (!common(p)) return;
  const attrs = jsonAttributes(optionalArray(p, 'attributes'));
  let value: number | undefined;
  const d = p.asDouble;
  if (d !== undefined && d !== null) {
    value = doubleValue(d, 'asDouble');
  } else {
    const i = p.asInt;
    // int64 as a double: metric values are doubles downstream, so rounding beyond 2^53 is accepted.
    if (i !== undefined && i !== null) value = intValue(i);
  }
  n.number(ctx, attrs, times, value, index);
};

function intValue(v: Json): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?[0-9]{1,19}$/.test(v)) return Number(v);
  throw new ShapeError('asInt must be an int64 (decimal string or integer)');
}

const histogramPoint: PointReader = (p, ctx, n, index) => {
  if (!common(p)) return;
  const attrs = jsonAttributes(optionalArray(p, 'attributes'));
  n.histogram(
    ctx,
    attrs,
    times,
    {
      count: countField(p, 'count'),
      sum: optionalDouble(p, 'sum'),
      min: optionalDouble(p, 'min'),
      max: optionalDouble(p, 'max'),
      bounds: optionalArray(p, 'explicitBounds').map((b) => doubleValue(b, 'explicitBounds')),
      bucketCounts: optionalArray(p, 'bucketCounts').map((c) => countValue(c, 'bucketCounts')),
    },
    index,
  );
};

const exponentialPoint: PointReader = (p, ctx, n, index) => {
  if (!common(p)) return;
  const attrs = jsonAttributes(optionalArray(p, 'attributes'));
  const pos = optionalObject(p, 'positive');
  const neg = optionalObject(p, 'negative');
  n.exponentialHistogram(
    ctx,
    attrs,
    times,
    {
      count: countField(p, 'count'),
      sum: optionalDouble(p, 'sum'),
      min: optionalDouble(p, 'min'),
      max: optionalDouble(p, 'max'),
      scale: int32Field(p, 'scale'),
      zeroCount: countField(p, 'zeroCount'),
      zeroThreshold: optionalDouble(p, 'zeroThreshold') ?? 0,
      positiveOffset: pos === undefined ? 0 : int32Field(pos, 'offset'),
      positiveCounts: pos === undefined ? [] : bucketCounts(pos),
      negativeOffset: neg === undefined ? 0 : int32Field(neg, 'offset'),
      negativeCounts: neg === undefined ? [] : bucketCounts(neg),
    },
    index,
  );
};

function bucketCounts(b: JsonObject): number[] {
  return optionalArray(b, 'bucketCounts').map((c) => countValue(c, 'bucketCounts'));
}

const summaryPoint: PointReader = (p, ctx, n, index) => {
  if (!common(p)) return;
  const attrs = jsonAttributes(optionalArray(p, 'attributes'));
  const quantiles = optionalArray(p, 'quantileValues').map((q) => {
    if (!isObject(q)) throw new ShapeError('quantileValues must hold objects');
    return { quantile: optionalDouble(q, 'quantile') ?? 0, value: optionalDouble(q, 'value') ?? 0 };
  });
  n.summary(
    ctx,
    attrs,
    times,
    { count: countField(p, 'count'), sum: optionalDouble(p, 'sum') ?? 0, quantiles },
    index,
  );
};

const POINT_READERS: Record<MetricKind, PointReader> = {
  gauge: numberPoint,
  sum: numberPoint,
  histogram: histogramPoint,
  exponentialHistogram: exponentialPoint,
  summary: summaryPoint,
};
