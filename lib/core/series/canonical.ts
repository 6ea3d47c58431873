/**
 * Canonical encoding of attribute sets and metric contexts: the `key` strings that series identity
 * (`lib/core/series/id.ts`) hashes. Two sets with the same attributes get the same key whatever the
 * order on the wire and whatever the encoding (OTLP protobuf, OTLP/JSON, simple points).
 *
 * Key grammar (injective, so different sets never share a key):
 *
 * ```
 * set     = "" | entry ("," entry)*          entries sorted by key (UTF-16 code unit order)
 * entry   = jsonString "=" value             jsonString = JSON.stringify(key)
 * value   = jsonString                       string
 *         | "n" number                       int64 or double (see below)
 *         | "t" | "f"                        bool
 *         | "x" jsonString                   bytes, as standard padded base64
 *         | "[" (value ("," value)*)? "]"    array (order kept)
 *         | "{" set "}"                      kvlist (sorted like a set)
 *         | "z"                              empty AnyValue
 * ```
 *
 * - Values are type-tagged, so `"1"` (string), `1` (number) and `true` never share a key.
 * - int64 and double share the tag `n`: `intValue: 1` and `doubleValue: 1.0` are the same number and
 *   get the same key (JavaScript SDKs cannot even tell them apart: they send every integer-valued
 *   number as `intValue`). Integers are written as their exact decimal (also beyond 2^53, where
 *   doubles are expanded exactly and int64 keep their exact string), other doubles as `String(v)`, so
 *   equal numeric values always give equal keys. `-0` is `0`.
 * - Duplicate keys (forbidden by OTLP, but seen on the wire): the last occurrence wins, as in a map
 *   built by assignment in wire order.
 * - JSON.stringify escapes control characters, so a key never contains a raw `\u0000` (id.ts joins
 *   keys with it).
 */
import {
  type AttributeSet,
  type Attributes,
  type AttributeValue,
  MAX_DESCRIPTION_LENGTH,
  type MetricContext,
  type MetricDescriptor,
  type Scope,
} from '../point.js';

/** A decoded attribute value together with its canonical fragment (see the grammar above). */
export interface CanonicalValue {
  readonly value: AttributeValue;
  readonly key: string;
  /** Length counted against `maxValueLength`: the string's length for strings and bytes (base64),
   *  the canonical fragment's length for arrays and kvlists, 0 for numbers, bools and empty values. */
  readonly length: number;
}

/** One attribute as decoded, before sorting and de-duplication. */
export interface CanonicalEntry {
  readonly key: string;
  readonly value: CanonicalValue;
}

/** An attribute set with the figures the attribute limits are checked against. */
export interface AttributeSetInfo {
  readonly set: AttributeSet;
  /** Number of distinct keys. */
  readonly count: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
}

const TRUE: CanonicalValue = { value: true, key: 't', length: 0 };
const FALSE: CanonicalValue = { value: false, key: 'f', length: 0 };
const EMPTY: CanonicalValue = { value: null, key: 'z', length: 0 };

export function canonicalString(s: string): CanonicalValue {
  return { value: s, key: JSON.stringify(s), length: s.length };
}

export function canonicalBool(b: boolean): CanonicalValue {
  return b ? TRUE : FALSE;
}

export function canonicalEmpty(): CanonicalValue {
  return EMPTY;
}

/** A double, or an int64 that is a safe integer. */
export function canonicalNumber(n: number): CanonicalValue {
  return { value: n, key: `n${exactDecimal(n)}`, length: 0 };
}

/**
 * The decimal a number is keyed by. `String(n)` is the shortest round-trip form, which for integers
 * beyond 2^53 is not their exact value (String(2 ** 60) is "1152921504606847000"), so those are
 * expanded exactly and match the decimal of an int64 with the same value. Beyond the int64 range no
 * integer can collide, and `String` is kept. String(-0) is "0"; NaN and ±Infinity keep their names.
 */
function exactDecimal(n: number): string {
  if (Number.isSafeInteger(n) || !Number.isInteger(n) || Math.abs(n) >= TWO_64) return String(n);
  return BigInt(n).toString();
}

const TWO_64 = 2 ** 64;

/**
 * An int64 given as its exact decimal string. Within ±(2^53 − 1) it becomes a number; beyond, the
 * attribute keeps the exact decimal string (point.ts) while the key still tags it as a number.
 */
export function canonicalInt64Decimal(decimal: string): CanonicalValue {
  const n = Number(decimal);
  if (Number.isSafeInteger(n)) return canonicalNumber(n);
  return { value: decimal, key: `n${decimal}`, length: 0 };
}

/** Bytes, given as standard padded base64 (the normalized attribute value). */
export function canonicalBytes(base64: string): CanonicalValue {
  const key = `x${JSON.stringify(base64)}`;
  return { value: base64, key, length: base64.length };
}

export function canonicalArray(items: readonly CanonicalValue[]): CanonicalValue {
  const values: AttributeValue[] = new Array(items.length);
  let key = '[';
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as CanonicalValue;
    values[i] = item.value;
    if (i > 0) key += ',';
    key += item.key;
  }
  key += ']';
  return { value: values, key, length: key.length };
}

export function canonicalKvlist(entries: readonly CanonicalEntry[]): CanonicalValue {
  const sorted = sortUnique(entries);
  const { attributes, key } = build(sorted);
  const wrapped = `{${key}}`;
  return { value: attributes, key: wrapped, length: wrapped.length };
}

/**
 * The canonical attribute set of decoded entries (any order, duplicates allowed: last wins).
 *
 * @example
 * attributeSet([{ key: 'b', value: canonicalNumber(1) }, { key: 'a', value: canonicalString('x') }])
 * // → { set: { attributes: { a: 'x', b: 1 }, key: '"a"="x","b"=n1' }, count: 2, … }
 */
export function attributeSet(entries: readonly CanonicalEntry[]): AttributeSetInfo {
  if (entries.length === 0) return EMPTY_ATTRIBUTE_SET_INFO;
  const sorted = sortUnique(entries);
  let maxKeyLength = 0;
  let maxValueLength = 0;
  for (const e of sorted) {
    if (e.key.length > maxKeyLength) maxKeyLength = e.key.length;
    if (e.value.length > maxValueLength) maxValueLength = e.value.length;
  }
  return { set: build(sorted), count: sorted.length, maxKeyLength, maxValueLength };
}

export const EMPTY_ATTRIBUTE_SET: AttributeSet = { attributes: {}, key: '' };

export const EMPTY_ATTRIBUTE_SET_INFO: AttributeSetInfo = {
  set: EMPTY_ATTRIBUTE_SET,
  count: 0,
  maxKeyLength: 0,
  maxValueLength: 0,
};

/**
 * The context shared by every point of one OTLP `Metric`. Its key covers the resource's attribute key,
 * scope name, version and attributes, metric name, unit, kind, temporality and monotonicity (the
 * OpenTelemetry data model counts the instrumentation scope, attributes included, in a stream's
 * identity). The description is documentation and is left out, so editing it does not start new
 * series; it is cut to {@link MAX_DESCRIPTION_LENGTH} characters.
 *
 * Scope attributes enter the key only when there are some, so series whose scope has none keep the
 * ids they had before scope attributes were decoded.
 */
export function metricContext(
  resource: AttributeSet,
  scope: Scope,
  metric: MetricDescriptor,
  scopeAttributes: AttributeSet = EMPTY_ATTRIBUTE_SET,
): MetricContext {
  const parts: unknown[] = [
    resource.key,
    scope.name,
    scope.version,
    metric.name,
    metric.unit,
    metric.kind,
    metric.temporality,
    metric.monotonic,
  ];
  let fullScope = scope;
  if (scopeAttributes.key !== '') {
    parts.push(scopeAttributes.key);
    fullScope = { name: scope.name, version: scope.version, attributes: scopeAttributes.attributes };
  }
  const described =
    metric.description.length > MAX_DESCRIPTION_LENGTH
      ? { ...metric, description: cutText(metric.description, MAX_DESCRIPTION_LENGTH) }
      : metric;
  return { resource, scope: fullScope, metric: described, key: JSON.stringify(parts) };
}

/** The first `max` UTF-16 units of `text`, one fewer where the cut would split a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** Sorted by key, later duplicates replacing earlier ones. */
function sortUnique(entries: readonly CanonicalEntry[]): CanonicalEntry[] {
  // A stable sort keeps wire order among equal keys, so the last of a run is the last on the wire.
  const sorted = entries.slice().sort(compareKeys);
  let w = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i] as CanonicalEntry;
    const next = sorted[i + 1];
    if (next !== undefined && next.key === e.key) continue;
    sorted[w++] = e;
  }
  sorted.length = w;
  return sorted;
}

function compareKeys(a: CanonicalEntry, b: CanonicalEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function build(sorted: readonly CanonicalEntry[]): AttributeSet {
  const attributes: Record<string, AttributeValue> = {};
  let key = '';
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i] as CanonicalEntry;
    setOwn(attributes, e.key, e.value.value);
    if (i > 0) key += ',';
    key += `${JSON.stringify(e.key)}=${e.value.key}`;
  }
  return { attributes: attributes as Attributes, key };
}

/** Plain assignment would turn an attribute named `__proto__` into a prototype change. */
function setOwn(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
