/**
 * A bounded table from raw byte ranges to decoded values. The same attribute set arrives as the same
 * bytes in every point of a series (and in every request from the same sender), so one hash plus one
 * byte comparison replaces decoding, sorting and canonical-key building. Lookups are verified byte by
 * byte, so hash collisions cost time, never correctness.
 *
 * When full it is cleared wholesale: LRU bookkeeping would cost every hit, a miss only costs a decode.
 * Module-level instances are a memo, not state the results depend on (a miss decodes to an equal value).
 */
export class BytesInterner<V> {
  private readonly table = new Map<number, Entry<V>>();
  private entries = 0;
  private bytes = 0;
  private lastHash = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries;
  }

  /** The value stored for `buf[start, end)`, or undefined (then {@link insert} may follow). */
  lookup(buf: Uint8Array, start: number, end: number): V | undefined {
    const h = hashBytes(buf, start, end);
    this.lastHash = h;
    let e = this.table.get(h);
    const n = end - start;
    while (e !== undefined) {
      if (e.bytes.length === n && sameBytes(e.bytes, buf, start, n)) return e.value;
      e = e.next;
    }
    return undefined;
  }

  /** Stores `value` for the range just looked up (copied: the body buffer is not retained). */
  insert(buf: Uint8Array, start: number, end: number, value: V): void {
    const n = end - start;
    if (this.entries >= this.maxEntries || this.bytes + n > this.maxBytes) this.clear();
    const h = this.lastHash;
    this.table.set(h, { bytes: buf.slice(start, end), value, next: this.table.get(h) });
    this.entries++;
    this.bytes += n;
  }

  clear(): void {
    this.table.clear();
    this.entries = 0;
    this.bytes = 0;
  }
}

interface Entry<V> {
  readonly bytes: Uint8Array;
  readonly value: V;
  readonly next: Entry<V> | undefined;
}

/** A fast 32-bit hash (murmur-style mixing, four bytes per step). Not for adversarial use: a
 *  collision only lengthens a chain that is still verified byte by byte. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = (end - start) ^ 0x9747b28c;
  let i = start;
  const stop4 = end - 3;
  for (; i < stop4; i += 4) {
    let k =
      (buf[i] as number) |
      ((buf[i + 1] as number) << 8) |
      ((buf[i + 2] as number) << 16) |
      ((buf[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < end; i++) {
    h ^= Math.imul(buf[i] as number, 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    if (a[i] !== buf[start + i]) return false;
  }
  return true;
}
