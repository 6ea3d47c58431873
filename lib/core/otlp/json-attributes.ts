/**
 * OTLP/JSON `KeyValue[]` → canonical attribute sets. AnyValue is an object with one of stringValue,
 * boolValue, intValue, doubleValue, arrayValue {values}, kvlistValue {values}, bytesValue (base64);
 * `{}` is the empty value. If a sender puts several, the first in that order is used.
 *
 * Flat attribute lists (the usual case) are memoized by a length-prefixed signature of their raw JSON
 * values in wire order, so a repeated set costs one string build and one Map lookup instead of
 * decoding, sorting and canonical-key building.
 */
import {
  type AttributeSetInfo,
  attributeSet,
  type CanonicalEntry,
  type CanonicalValue,
  canonicalArray,
  canonicalBool,
  canonicalBytes,
  canonicalEmpty,
  canonicalInt64Decimal,
  canonicalKvlist,
  canonicalNumber,
  canonicalString,
  EMPTY_ATTRIBUTE_SET_INFO,
} from '../series/canonical.js';
import {
  canonicalBase64,
  doubleValue,
  int64Decimal,
  isObject,
  type Json,
  ShapeError,
} from './json-values.js';
import { MAX_ANY_VALUE_DEPTH } from './pb-attributes.js';

const MAX_MEMO = 65_536;
const memo = new Map<string, AttributeSetInfo>();

/** The attribute set of a JSON KeyValue list; throws {@link ShapeError} on malformed entries. */
export function jsonAttributes(list: readonly Json[]): AttributeSetInfo {
  if (list.length === 0) return EMPTY_ATTRIBUTE_SET_INFO;
  const sig = signature(list);
  if (sig !== undefined) {
    const hit = memo.get(sig);
    if (hit !== undefined) return hit;
  }
  const entries: CanonicalEntry[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) entries[i] = keyValue(list[i], 0);
  const info = attributeSet(entries);
  if (sig !== undefined) {
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(sig, info);
  }
  return info;
}

/**
 * An injective string for a flat list of well-formed scalar attributes, or undefined when some entry
 * is nested or unusual (then the list is decoded, and validated, in full every time).
 */
function signature(list: readonly Json[]): string | undefined {
  let sig = '';
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    if (!isObject(kv)) return undefined;
    const key = kv.key;
    const v = kv.value;
    if (typeof key !== 'string' || !isObject(v)) return undefined;
    sig += `${key.length}:${key}`;
    const s = v.stringValue;
    if (typeof s === 'string') {
      sig += `s${s.length}:${s}`;
      continue;
    }
    if (s !== undefined) return undefined;
    const b = v.boolValue;
    if (typeof b === 'boolean') {
      sig += b ? 'T' : 'F';
      continue;
    }
    if (b !== undefined) return undefined;
    const n = v.intValue;
    if (typeof n === 'number') {
      sig += `i${n};`;
      continue;
    }
    if (typeof n === 'string') {
      sig += `I${n.length}:${n}`;
      continue;
    }
    if (n !== undefined) return undefined;
    const d = v.doubleValue;
    if (typeof d === 'number') {
      sig += `d${d};`;
      continue;
    }
    return undefined;
  }
  return sig;
}

function keyValue(kv: Json | undefined, depth: number): CanonicalEntry {
  if (!isObject(kv)) throw new ShapeError('attributes must hold KeyValue objects');
  const key = kv.key;
  if (typeof key !== 'string') throw new ShapeError('an attribute key must be a string');
  const v = kv.value;
  return { key, value: v === undefined || v === null ? canonicalEmpty() : anyValue(v, depth) };
}

function anyValue(v: Json, depth: number): CanonicalValue {
  if (depth >= MAX_ANY_VALUE_DEPTH) {
    throw new ShapeError(`attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }
  if (!isObject(v)) throw new ShapeError('an attribute value must be an AnyValue object');
  if (present(v.stringValue)) {
    if (typeof v.stringValue !== 'string') throw new ShapeError('stringValue must be a string');
    return canonicalString(v.stringValue);
  }
  if (present(v.boolValue)) {
    if (typeof v.boolValue !== 'boolean') throw new ShapeError('boolValue must be true or false');
    return canonicalBool(v.boolValue);
  }
  if (present(v.intValue)) return canonicalInt64Decimal(int64Decimal(v.intValue, 'intValue'));
  if (present(v.doubleValue)) return canonicalNumber(doubleValue(v.doubleValue, 'doubleValue'));
  if (present(v.arrayValue)) {
    const values = listOf(v.arrayValue, 'arrayValue');
    return canonicalArray(values.map((item) => anyValue(item, depth + 1)));
  }
  if (present(v.kvlistValue)) {
    const values = listOf(v.kvlistValue, 'kvlistValue');
    return canonicalKvlist(values.map((item) => keyValue(item, depth + 1)));
  }
  if (present(v.bytesValue)) return canonicalBytes(canonicalBase64(v.bytesValue, 'bytesValue'));
  return canonicalEmpty();
}

function present(v: Json | undefined): v is Json {
  return v !== undefined && v !== null;
}

/** `{values: [...]}` of ArrayValue / KeyValueList (absent values = empty). */
function listOf(container: Json, field: string): Json[] {
  if (!isObject(container)) throw new ShapeError(`${field} must be an object`);
  const values = container.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new ShapeError(`${field}.values must be an array`);
  return values;
}
