import { StateCodecError } from '../errors.js';

/**
 * A growable little-endian byte writer for the compact state encoding. Varints keep small counts to
 * one byte; doubles are written raw (8 bytes) so values round-trip exactly.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** Unsigned varint for non-negative integers up to 2^53 − 1. */
  uvarint(v: number): void {
    if (!(v >= 0) || !Number.isSafeInteger(v)) throw new StateCodecError(`uvarint out of range: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Zigzag varint for signed safe integers. */
  svarint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new StateCodecError(`svarint out of range: ${v}`);
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    this.bytes(textEncoder.encode(s));
  }

  /** Bytes as they are, no length prefix (fixed-size fields such as a 16-byte series id). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Reads what {@link ByteWriter} wrote; every read is bounds-checked and throws {@link StateCodecError}. */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new StateCodecError('unexpected end of state bytes');
    return this.buf[this.pos++] as number;
  }

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) throw new StateCodecError('varint out of range');
        return result;
      }
      mul *= 0x80;
    }
    throw new StateCodecError('varint too long');
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    if (this.pos + 8 > this.buf.length) throw new StateCodecError('unexpected end of state bytes');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.uvarint();
    if (this.pos + n > this.buf.length) throw new StateCodecError('unexpected end of state bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Exactly `n` bytes, no length prefix (a view, not a copy). */
  raw(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new StateCodecError('unexpected end of state bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    try {
      return textDecoder.decode(this.bytes());
    } catch (cause) {
      if (cause instanceof StateCodecError) throw cause;
      throw new StateCodecError('invalid UTF-8 in state bytes', { cause });
    }
  }
}
