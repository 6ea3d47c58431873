/**
 * The simple points format of `POST /v1/points`, for curl and scripts:
 *
 * ```json
 * {"points":[{"metric":"cpu.temp","timestamp":"2026-11-25T10:00:01.250Z","value":41.5,
 *             "attributes":{"host":"a"},"unit":"Cel","resource":{"service.name":"x"}}]}
 * ```
 *
 * Every point is a gauge sample (kind gauge, temporality unspecified, empty scope). `timestamp` is an
 * RFC 3339 date-time (any offset, up to nanosecond fractions, leap second 60 rolls into the next minute)
 * or epoch milliseconds as a number (fractions kept down to the nanosecond). Attributes and resource
 * are plain JSON objects: strings, numbers, booleans, null, arrays and nested objects (kvlists).
 *
 * The body must be an object with a `points` array (else {@link DecodeError}); anything wrong with one
 * point refuses that point alone, with its index in the message, like OTLP per-point validation.
 */
import { DecodeError } from '../errors.js';
import {
  type DecodeResult,
  type MetricContext,
  MetricKind,
  type NormalizeOptions,
  RejectReason,
  type Scope,
  Temporality,
} from '../point.js';
import {
  type AttributeSetInfo,
  attributeSet,
  type CanonicalEntry,
  type CanonicalValue,
  canonicalArray,
  canonicalBool,
  canonicalEmpty,
  canonicalKvlist,
  canonicalNumber,
  canonicalString,
  EMPTY_ATTRIBUTE_SET_INFO,
  metricContext,
} from '../series/canonical.js';
import { isObject, type Json, type JsonObject, parseJsonBody, ShapeError } from './json-values.js';
import {
  attributeProblem,
  Normalizer,
  nameProblem,
  type PointSink,
  type PointTimes,
  shownName,
} from './normalize.js';
import { MAX_ANY_VALUE_DEPTH } from './pb-attributes.js';

const SCOPE: Scope = { name: '', version: '' };

const describeSimplePoint = (metric: string, index: number): string =>
  metric === '' ? `points[${index}]` : `points[${index}] ("${shownName(metric)}")`;

/**
 * Decodes and normalizes a simple points body.
 *
 * @throws {DecodeError} when the body is not JSON or has no `points` array.
 * @example
 * decodeSimplePoints('{"points":[{"metric":"cpu.temp","timestamp":1764064801250,"value":41.5}]}', options);
 */
export function decodeSimplePoints(
  body: string | Uint8Array,
  options: NormalizeOptions,
  sink?: PointSink,
): DecodeResult {
  const root = parseJsonBody(body, 'points');
  if (!isObject(root) || !Array.isArray(root.points)) {
    throw new DecodeError('points: the body must be an object with a "points" array');
  }
  const n = new Normalizer(options, describeSimplePoint, sink);
  const contexts = new Map<string, MetricContext>();
  const list = root.points;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    const metric = isObject(p) && typeof p.metric === 'string' ? p.metric : '';
    try {
      if (!isObject(p)) throw new ShapeError('a point must be an object');
      simplePoint(p, i, n, contexts);
    } catch (error) {
      if (error instanceof ShapeError) n.refuse(RejectReason.invalidField, metric, i, error.message);
      // Defence in depth: whatever the body, the caller only ever sees a DecodeError (400, not 500).
      else throw new DecodeError('points: undecodable body', { cause: error });
    }
  }
  return n.result();
}

const times: PointTimes = { timeMs: 0, timeNs: 0, startMs: 0, startNs: 0 };

function simplePoint(
  p: JsonObject,
  index: number,
  n: Normalizer,
  contexts: Map<string, MetricContext>,
): void {
  const metric = p.metric;
  if (metric === undefined || metric === null || metric === '') {
    n.refuse(RejectReason.missingField, '', index, 'metric is missing');
    return;
  }
  if (typeof metric !== 'string') throw new ShapeError('metric must be a string');
  const unit = p.unit ?? '';
  if (typeof unit !== 'string') throw new ShapeError('unit must be a string');
  const named = nameProblem(metric, unit, n.options);
  if (named !== undefined) {
    n.refuse(RejectReason.nameLimit, metric, index, named);
    return;
  }
  const resource = plainAttributes(p.resource, 'resource');
  const limit = attributeProblem(resource, n.options);
  if (limit !== undefined) {
    n.refuse(RejectReason.attributeLimit, metric, index, `resource: ${limit}`);
    return;
  }
  const attrs = plainAttributes(p.attributes, 'attributes');

  const ts = p.timestamp;
  if (ts === undefined || ts === null) {
    n.refuse(RejectReason.missingField, metric, index, 'timestamp is missing');
    return;
  }
  readTimestamp(ts);
  const value = p.value;
  if (value === undefined || value === null) {
    n.refuse(RejectReason.missingField, metric, index, 'value is missing');
    return;
  }
  n.number(context(contexts, resource, metric, unit), attrs, times, numberValue(value), index);
}

/** One context per (resource, metric, unit) in the request. */
function context(
  contexts: Map<string, MetricContext>,
  resource: AttributeSetInfo,
  name: string,
  unit: string,
): MetricContext {
  const k = `${resource.set.key}\u0000${name}\u0000${unit}`;
  let ctx = contexts.get(k);
  if (ctx === undefined) {
    ctx = metricContext(resource.set, SCOPE, {
      name,
      unit,
      description: '',
      kind: MetricKind.gauge,
      temporality: Temporality.unspecified,
      monotonic: false,
    });
    contexts.set(k, ctx);
  }
  return ctx;
}

function numberValue(v: Json): number {
  if (typeof v === 'number') return v;
  // JSON cannot carry NaN/Infinity as numbers; the strings are read so they are refused as non-finite.
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new ShapeError('value must be a number');
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Fills `times` (start 0/0: a gauge sample has no interval). */
function readTimestamp(ts: Json): void {
  times.startMs = 0;
  times.startNs = 0;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || ts < 0)
      throw new ShapeError('timestamp must be non-negative epoch milliseconds');
    const ms = Math.floor(ts);
    times.timeMs = ms;
    times.timeNs = Math.min(999_999, Math.round((ts - ms) * 1e6));
    return;
  }
  if (typeof ts !== 'string')
    throw new ShapeError('timestamp must be an RFC 3339 string or epoch milliseconds');
  const m = RFC3339.exec(ts);
  if (m === null) throw new ShapeError(`timestamp "${ts}" is not RFC 3339`);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    throw new ShapeError(`timestamp "${ts}" is not a valid date-time`);
  }
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) throw new ShapeError(`timestamp "${ts}" has an invalid offset`);
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const frac = (m[7] ?? '').padEnd(9, '0');
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  // Date.UTC maps years 0–99 to 1900–1999; such timestamps are refused as too old anyway.
  times.timeMs = utc + Number(frac.slice(0, 3));
  times.timeNs = Number(frac.slice(3));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A plain JSON object of attributes → canonical set (absent = empty). */
function plainAttributes(v: Json | undefined, field: string): AttributeSetInfo {
  if (v === undefined || v === null) return EMPTY_ATTRIBUTE_SET_INFO;
  if (!isObject(v)) throw new ShapeError(`${field} must be an object`);
  const entries: CanonicalEntry[] = [];
  for (const key of Object.keys(v)) {
    entries.push({ key, value: plainValue(v[key] as Json, 0, field) });
  }
  return attributeSet(entries);
}

function plainValue(v: Json, depth: number, field: string): CanonicalValue {
  if (depth >= MAX_ANY_VALUE_DEPTH)
    throw new ShapeError(`${field} nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  if (typeof v === 'string') return canonicalString(v);
  if (typeof v === 'number') return canonicalNumber(v);
  if (typeof v === 'boolean') return canonicalBool(v);
  if (v === null) return canonicalEmpty();
  if (Array.isArray(v)) return canonicalArray(v.map((item) => plainValue(item, depth + 1, field)));
  return canonicalKvlist(
    Object.keys(v).map((key) => ({ key, value: plainValue(v[key] as Json, depth + 1, field) })),
  );
}
