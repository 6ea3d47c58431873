/**
 * OTLP `KeyValue` / `AnyValue` (common/v1/common.proto) from protobuf into canonical attribute sets.
 *
 * AnyValue: string_value=1 (string), bool_value=2 (bool), int_value=3 (int64), double_value=4 (double),
 * array_value=5 (ArrayValue{values=1}), kvlist_value=6 (KeyValueList{values=1}), bytes_value=7 (bytes).
 * KeyValue: key=1 (string), value=2 (AnyValue).
 */
import { DecodeError } from '../errors.js';
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
import { BytesInterner } from './intern.js';
import { type WireReader, WireType, wrongWireType } from './wire.js';

/** Deepest AnyValue nesting accepted (arrays/kvlists inside values); deeper bodies are refused. */
export const MAX_ANY_VALUE_DEPTH = 32;

const TWO_32 = 4294967296;

/** Shared across requests: senders repeat the same attribute bytes in every export. */
const interned = new BytesInterner<AttributeSetInfo>(65_536, 16 * 1024 * 1024);

/**
 * The attribute set of a contiguous run of `repeated KeyValue` fields `buf[start, end)`, tags
 * included (so one cached entry never serves two field numbers). Cached by raw bytes.
 */
export function attributesOfRange(
  r: WireReader,
  start: number,
  end: number,
  field: number,
): AttributeSetInfo {
  if (start === end) return EMPTY_ATTRIBUTE_SET_INFO;
  const hit = interned.lookup(r.view, start, end);
  if (hit !== undefined) return hit;
  const saved = r.pos;
  r.pos = start;
  const entries: CanonicalEntry[] = [];
  collectKeyValues(r, end, field, entries);
  r.pos = saved;
  const info = attributeSet(entries);
  interned.insert(r.view, start, end, info);
  return info;
}

/**
 * Reads every `field` KeyValue in `[r.pos, end)` into `entries`, skipping other fields (used directly
 * for the rare messages whose attributes are not contiguous).
 */
export function collectKeyValues(r: WireReader, end: number, field: number, entries: CanonicalEntry[]): void {
  const wanted = (field << 3) | WireType.len;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === wanted) {
      const stop = r.len(end);
      entries.push(keyValue(r, stop, 0));
      r.pos = stop;
    } else if (tag >>> 3 === field) {
      throw wrongWireType('KeyValue list', field, tag & 7);
    } else {
      r.skip(tag & 7, end);
    }
  }
}

/** Attributes collected from a message's `field` tags: interned when contiguous (the usual case). */
export function attributesOf(
  r: WireReader,
  msgStart: number,
  msgEnd: number,
  aStart: number,
  aEnd: number,
  contiguous: boolean,
  field: number,
): AttributeSetInfo {
  if (aStart < 0) return EMPTY_ATTRIBUTE_SET_INFO;
  if (contiguous) return attributesOfRange(r, aStart, aEnd, field);
  const saved = r.pos;
  r.pos = msgStart;
  const entries: CanonicalEntry[] = [];
  collectKeyValues(r, msgEnd, field, entries);
  r.pos = saved;
  return attributeSet(entries);
}

/** Clears the attribute cache (tests, memory pressure). */
export function clearAttributeCache(): void {
  interned.clear();
}

function keyValue(r: WireReader, end: number, depth: number): CanonicalEntry {
  let key = '';
  let value = canonicalEmpty();
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case (1 << 3) | WireType.len:
        key = r.string(end);
        break;
      case (2 << 3) | WireType.len: {
        const stop = r.len(end);
        value = anyValue(r, stop, depth);
        r.pos = stop;
        break;
      }
      default:
        if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('KeyValue', tag >>> 3, tag & 7);
        r.skip(tag & 7, end);
    }
  }
  return { key, value };
}

function anyValue(r: WireReader, end: number, depth: number): CanonicalValue {
  if (depth >= MAX_ANY_VALUE_DEPTH) {
    throw new DecodeError(`protobuf: attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }
  // A oneof: the last value field on the wire wins; no value field is the "empty" AnyValue.
  let value = canonicalEmpty();
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        if (wt !== WireType.len) throw wrongWireType('AnyValue', field, wt);
        value = canonicalString(r.string(end));
        break;
      case 2:
        if (wt !== WireType.varint) throw wrongWireType('AnyValue', field, wt);
        value = canonicalBool(r.bool(end));
        break;
      case 3:
        if (wt !== WireType.varint) throw wrongWireType('AnyValue', field, wt);
        r.varint64(end);
        value = int64Value(r.lo, r.hi);
        break;
      case 4:
        if (wt !== WireType.fixed64) throw wrongWireType('AnyValue', field, wt);
        value = canonicalNumber(r.double(end));
        break;
      case 5: {
        if (wt !== WireType.len) throw wrongWireType('AnyValue', field, wt);
        const stop = r.len(end);
        value = arrayValue(r, stop, depth + 1);
        r.pos = stop;
        break;
      }
      case 6: {
        if (wt !== WireType.len) throw wrongWireType('AnyValue', field, wt);
        const stop = r.len(end);
        value = kvlistValue(r, stop, depth + 1);
        r.pos = stop;
        break;
      }
      case 7: {
        if (wt !== WireType.len) throw wrongWireType('AnyValue', field, wt);
        const stop = r.len(end);
        value = canonicalBytes(
          Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, stop - r.pos).toString('base64'),
        );
        r.pos = stop;
        break;
      }
      default:
        r.skip(wt, end);
    }
  }
  return value;
}

function arrayValue(r: WireReader, end: number, depth: number): CanonicalValue {
  const items: CanonicalValue[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | WireType.len)) {
      const stop = r.len(end);
      items.push(anyValue(r, stop, depth));
      r.pos = stop;
    } else if (tag >>> 3 === 1) {
      throw wrongWireType('ArrayValue', 1, tag & 7);
    } else {
      r.skip(tag & 7, end);
    }
  }
  return canonicalArray(items);
}

function kvlistValue(r: WireReader, end: number, depth: number): CanonicalValue {
  const entries: CanonicalEntry[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | WireType.len)) {
      const stop = r.len(end);
      entries.push(keyValue(r, stop, depth));
      r.pos = stop;
    } else if (tag >>> 3 === 1) {
      throw wrongWireType('KeyValueList', 1, tag & 7);
    } else {
      r.skip(tag & 7, end);
    }
  }
  return canonicalKvlist(entries);
}

/** int64 from its two's-complement halves: a number when safe, else its exact decimal string. */
function int64Value(lo: number, hi: number): CanonicalValue {
  const v = (hi | 0) * TWO_32 + lo;
  if (Number.isSafeInteger(v)) return canonicalNumber(v);
  // Rare (|v| ≥ 2^53): BigInt only here, off the per-point path.
  return canonicalInt64Decimal(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString());
}
