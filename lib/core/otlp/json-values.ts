/**
 * Reading OTLP/JSON scalars (proto3 JSON mapping, as the OTLP spec profiles it): 64-bit integers as
 * decimal strings or numbers, doubles as numbers or the strings "NaN" / "Infinity" / "-Infinity"
 * (or a numeric string), enums as numbers or names, bytes as base64.
 *
 * A value of the wrong JSON type throws {@link ShapeError}; the decoder decides whether that damages a
 * single point (refused) or the body (DecodeError), see decode-json.ts.
 */
import { DecodeError, WindrowError } from '../errors.js';

/** A JSON value of the wrong type or form; internal to the JSON decoders. */
export class ShapeError extends WindrowError {}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a JSON body (string or UTF-8 bytes); anything unparseable is a {@link DecodeError}. */
export function parseJsonBody(body: string | Uint8Array, what: string): unknown {
  let text: string;
  if (typeof body === 'string') {
    text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body; // like TextDecoder does for bytes
  } else {
    try {
      text = utf8.decode(body);
    } catch (cause) {
      throw new DecodeError(`${what}: body is not valid UTF-8`, { cause });
    }
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DecodeError(`${what}: body is not valid JSON (${(cause as Error).message})`, { cause });
  }
}

// ignoreBOM false: a leading BOM is stripped, as JSON senders sometimes add one.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function optionalString(o: JsonObject, field: string): string {
  const v = o[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ShapeError(`${field} must be a string`);
  return v;
}

export function optionalArray(o: JsonObject, field: string): Json[] {
  const v = o[field];
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) throw new ShapeError(`${field} must be an array`);
  return v;
}

const EMPTY: Json[] = [];

export function optionalObject(o: JsonObject, field: string): JsonObject | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ShapeError(`${field} must be an object`);
  return v;
}

export function optionalBool(o: JsonObject, field: string): boolean {
  const v = o[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ShapeError(`${field} must be true or false`);
  return v;
}

const UINT64_DIGITS = /^[0-9]{1,20}$/;
const INT64_DIGITS = /^-?[0-9]{1,19}$/;

/**
 * A uint64 nanosecond timestamp → exact ms + ns remainder (0/0 when absent). Strings are split by
 * digits, so no precision is lost and no BigInt is needed.
 */
export function nanosField(o: JsonObject, field: string, out: { ms: number; ns: number }): void {
  const v = o[field];
  if (v === undefined || v === null) {
    out.ms = 0;
    out.ns = 0;
    return;
  }
  if (typeof v === 'string') {
    // Digit by digit: the first len−6 digits are whole ms (< 2^53 for any uint64), the last 6 the ns.
    const len = v.length;
    if (len === 0 || len > 20) throw new ShapeError(`${field} must be a decimal uint64`);
    const cut = len - 6;
    let ms = 0;
    let ns = 0;
    for (let i = 0; i < len; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) throw new ShapeError(`${field} must be a decimal uint64`);
      if (i < cut) ms = ms * 10 + d;
      else ns = ns * 10 + d;
    }
    if (len === 20 && v > '18446744073709551615') throw new ShapeError(`${field} must be a decimal uint64`);
    out.ms = ms;
    out.ns = ns;
    return;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    if (Number.isSafeInteger(v)) {
      const ns = v % 1_000_000;
      out.ms = (v - ns) / 1_000_000;
      out.ns = ns;
    } else {
      // Already rounded by JSON.parse; split its exact decimal expansion like a string.
      nanosField({ [field]: BigInt(v).toString() }, field, out);
    }
    return;
  }
  throw new ShapeError(`${field} must be a uint64 (decimal string or integer)`);
}

/** A uint64 count: a safe integer, or NaN when beyond 2^53 (then refused as not exact). */
export function countField(o: JsonObject, field: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  return countValue(v, field);
}

export function countValue(v: Json, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${field} must be a non-negative integer`);
    return Number.isSafeInteger(v) ? v : Number.NaN;
  }
  if (typeof v === 'string' && UINT64_DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : Number.NaN;
  }
  throw new ShapeError(`${field} must be a uint64 (decimal string or integer)`);
}

/** A double field: undefined when absent. */
export function optionalDouble(o: JsonObject, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  return doubleValue(v, field);
}

export function doubleValue(v: Json, field: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = v.trim() === '' ? Number.NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  throw new ShapeError(`${field} must be a number`);
}

/** An int32 field (JSON numbers only; strings are accepted too, as proto3 JSON allows). */
export function int32Field(o: JsonObject, field: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && INT64_DIGITS.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw new ShapeError(`${field} must be a 32-bit integer`);
  }
  return n;
}

/** An int64 as an exact decimal string (canonical form: no leading zeros, no "-0"). */
export function int64Decimal(v: Json, field: string): string {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ShapeError(`${field} must be an integer`);
    if (Number.isSafeInteger(v)) return String(v === 0 ? 0 : v);
    return checkInt64(BigInt(v), field);
  }
  if (typeof v === 'string' && INT64_DIGITS.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return String(n === 0 ? 0 : n);
    return checkInt64(BigInt(v), field);
  }
  throw new ShapeError(`${field} must be an int64 (decimal string or integer)`);
}

function checkInt64(b: bigint, field: string): string {
  if (b < -(2n ** 63n) || b >= 2n ** 63n) throw new ShapeError(`${field} is outside the int64 range`);
  return b.toString();
}

/**
 * An enum given as its number or its name (`names[i]` is the name of value i); unknown names give
 * -1 so the caller refuses them like an unknown number.
 */
export function enumField(o: JsonObject, field: string, names: readonly string[]): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') return names.indexOf(v);
  throw new ShapeError(`${field} must be an enum number or name`);
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** base64 (standard or URL-safe, padded or not) → standard padded base64, the normalized form. */
export function canonicalBase64(v: Json, field: string): string {
  if (typeof v !== 'string' || !BASE64.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw new ShapeError(`${field} must be base64`);
  }
  return Buffer.from(v, 'base64').toString('base64');
}
