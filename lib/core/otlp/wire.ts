/**
 * A minimal protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/), just what
 * the OTLP metrics decoder needs. Every read is bounds-checked against an explicit `end` and throws
 * {@link DecodeError}; nothing else is ever thrown, and every loop advances, so no input can hang it.
 *
 * 64-bit integers are never turned into BigInt here: fixed64 values are read as two uint32 halves
 * (`lo`, `hi`) that callers combine exactly (e.g. nanoseconds → whole ms + ns remainder).
 */
import { DecodeError } from '../errors.js';

export const WireType = { varint: 0, fixed64: 1, len: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

const TWO_32 = 4294967296;

// `fatal` makes invalid UTF-8 an error instead of U+FFFD, so a corrupt body cannot pass as text.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class WireReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;
  /** Low and high 32-bit halves of the last 64-bit value read by {@link fixed64} or {@link varint64}. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a field tag (field number << 3 | wire type) before `end`; rejects field number 0. */
  tag(end: number): number {
    const pos = this.pos;
    // Fast path: fields 1–15 have one-byte tags.
    if (pos < end) {
      const b = this.buf[pos] as number;
      if (b < 0x80 && b >= 8) {
        this.pos = pos + 1;
        return b;
      }
    }
    const t = this.uint32(end);
    if (t < 8) throw new DecodeError(`protobuf: invalid field number 0 at byte ${this.pos}`);
    return t;
  }

  /** A varint that must fit in 32 bits unsigned (tags, lengths, uint32 fields): at most 5 bytes. */
  uint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw truncated(pos);
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw truncated(pos);
      b = buf[pos++] as number;
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v;
      }
    }
    if (pos >= end) throw truncated(pos);
    b = buf[pos++] as number;
    if (b > 0x0f) throw new DecodeError(`protobuf: varint exceeds 32 bits at byte ${pos - 1}`);
    this.pos = pos;
    return v + b * 0x10000000;
  }

  /** An int32/enum varint (negative values arrive sign-extended to 10 bytes). */
  int32(end: number): number {
    this.varint64(end);
    return this.lo | 0;
  }

  /** A 64-bit varint into {@link lo}/{@link hi}. */
  varint64(end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw truncated(pos);
      const b = buf[pos++] as number;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else {
        hi |= (b & 0x7f) << (shift - 32);
      }
      if (b < 0x80) break;
      shift += 7;
      if (shift > 63) throw new DecodeError(`protobuf: varint longer than 10 bytes at byte ${pos}`);
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** An unsigned 64-bit varint as a number; exact up to 2^53, rounded above (callers check). */
  uint64(end: number): number {
    this.varint64(end);
    return this.hi * TWO_32 + this.lo;
  }

  /** A zigzag-encoded sint32. */
  sint32(end: number): number {
    const v = this.uint32(end);
    return (v >>> 1) ^ -(v & 1);
  }

  bool(end: number): boolean {
    this.varint64(end);
    return this.lo !== 0 || this.hi !== 0;
  }

  /** Eight little-endian bytes into {@link lo}/{@link hi}. */
  fixed64(end: number): void {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated(pos);
    const buf = this.buf;
    this.lo =
      ((buf[pos] as number) | ((buf[pos + 1] as number) << 8) | ((buf[pos + 2] as number) << 16)) +
      (buf[pos + 3] as number) * 0x1000000;
    this.hi =
      ((buf[pos + 4] as number) | ((buf[pos + 5] as number) << 8) | ((buf[pos + 6] as number) << 16)) +
      (buf[pos + 7] as number) * 0x1000000;
    this.pos = pos + 8;
  }

  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated(pos);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes (checked against `end`). */
  len(end: number): number {
    const n = this.uint32(end);
    const stop = this.pos + n;
    if (stop > end) {
      throw new DecodeError(`protobuf: length ${n} at byte ${this.pos} overruns its enclosing message`);
    }
    return stop;
  }

  /** A length-delimited UTF-8 string. */
  string(end: number): string {
    const stop = this.len(end);
    const s = decodeUtf8(this.buf, this.pos, stop);
    this.pos = stop;
    return s;
  }

  /** Skips a field's value by wire type (unknown fields). Groups are obsolete and refused. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint64(end);
        return;
      case WireType.fixed64:
        if (this.pos + 8 > end) throw truncated(this.pos);
        this.pos += 8;
        return;
      case WireType.len:
        this.pos = this.len(end);
        return;
      case WireType.fixed32:
        if (this.pos + 4 > end) throw truncated(this.pos);
        this.pos += 4;
        return;
      default:
        throw new DecodeError(`protobuf: unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }
}

/** The error for a known field with the wrong wire type. */
export function wrongWireType(message: string, field: number, wireType: number): DecodeError {
  return new DecodeError(`protobuf: ${message} field ${field} has wire type ${wireType}`);
}

function truncated(pos: number): DecodeError {
  return new DecodeError(`protobuf: truncated message at byte ${pos}`);
}

/** UTF-8 bytes → string; ASCII (the common case for names and attribute values) avoids TextDecoder. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) return decodeUtf8Slow(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8Slow(buf, start, end);
}

function decodeUtf8Slow(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch (cause) {
    throw new DecodeError(`protobuf: invalid UTF-8 in string at byte ${start}`, { cause });
  }
}

/**
 * Nanoseconds since the epoch (uint64 as two uint32 halves) → exact whole milliseconds and the
 * 0..999_999 ns remainder, with plain doubles: 2^32 = 4294·10^6 + 967296, so
 * ns = hi·4294·10^6 + (hi·967296 + lo), where the bracket stays below 2^53 and its split by 10^6 is
 * exact (all products and sums are integers below 2^53).
 */
export function nanosToMs(lo: number, hi: number, out: { ms: number; ns: number }): void {
  const r = hi * 967296 + lo;
  // floor(r / 10^6) may be off by one where the rounded quotient crosses an integer; fixed below.
  // (Cheaper than `%`, which V8 compiles to a libc fmod call for values beyond int32.)
  let q = Math.floor(r / 1_000_000);
  let ns = r - q * 1_000_000;
  if (ns < 0) {
    q -= 1;
    ns += 1_000_000;
  } else if (ns >= 1_000_000) {
    q += 1;
    ns -= 1_000_000;
  }
  out.ms = hi * 4294 + q;
  out.ns = ns;
}
