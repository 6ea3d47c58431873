/**
 * A bounded table from raw byte ranges to decoded values. The same attribute set arrives as the same
 * bytes in every point of a series (and in every request from the same sender), so one hash plus one
 * byte comparison replaces decoding, sorting and canonical-key building. Lookups are verified byte by
 * byte, so hash collisions cost time, never correctness; chains are capped at {@link MAX_CHAIN}
 * entries, so crafted collisions cannot make lookups quadratic.
 *
 * Senders emit their series in the same order export after export (and a batch of exports repeats
 * that order), so each entry remembers the entry looked up after it last time: when that guess is
 * right, the lookup is a single comparison without hashing.
 *
 * When full it is cleared wholesale: LRU bookkeeping would cost every hit, a miss only costs a decode.
 * Module-level instances are a memo, not state the results depend on (a miss decodes to an equal value).
 */
export class BytesInterner<V> {
  private readonly table = new Map<number, Entry<V>>();
  private entries = 0;
  private bytes = 0;
  private lastHash = 0;
  private lastChain = 0;
  private previous: Entry<V> | undefined;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries;
  }

  /** The value stored for the bytes `[start, end)` of `view`, or undefined (then {@link insert} may follow). */
  lookup(view: DataView, start: number, end: number): V | undefined {
    const n = end - start;
    const previous = this.previous;
    const guess = previous?.successor;
    if (guess !== undefined && guess.bytes.byteLength === n && sameBytes(guess.bytes, view, start, n)) {
      this.previous = guess;
      return guess.value;
    }
    const h = hashBytes(view, start, end);
    this.lastHash = h;
    let e = this.table.get(h);
    let chain = 0;
    while (e !== undefined) {
      if (e.bytes.byteLength === n && sameBytes(e.bytes, view, start, n)) {
        if (previous !== undefined) previous.successor = e;
        this.previous = e;
        return e.value;
      }
      e = e.next;
      chain++;
    }
    this.lastChain = chain;
    return undefined;
  }

  /** Stores `value` for the range just looked up (copied: the body buffer is not retained). */
  insert(view: DataView, start: number, end: number, value: V): void {
    if (this.lastChain >= MAX_CHAIN) return;
    const n = end - start;
    if (this.entries >= this.maxEntries || this.bytes + n > this.maxBytes) this.clear();
    const h = this.lastHash;
    const copy = new Uint8Array(view.buffer, view.byteOffset + start, n).slice();
    const entry: Entry<V> = {
      bytes: new DataView(copy.buffer),
      value,
      next: this.table.get(h),
      successor: undefined,
    };
    this.table.set(h, entry);
    if (this.previous !== undefined) this.previous.successor = entry;
    this.previous = entry;
    this.entries++;
    this.bytes += n;
  }

  clear(): void {
    this.table.clear();
    this.previous = undefined;
    this.entries = 0;
    this.bytes = 0;
  }
}

/** Longest collision chain kept per hash; further colliding ranges are decoded every time. */
export const MAX_CHAIN = 8;

interface Entry<V> {
  readonly bytes: DataView;
  readonly value: V;
  readonly next: Entry<V> | undefined;
  /** The entry looked up right after this one last time (the prediction for next time). */
  successor: Entry<V> | undefined;
}

/**
 * A fast hash of `buf[start, end)`, four bytes per step through a DataView (which V8 compiles to
 * plain loads). Not for adversarial use: a collision only lengthens a chain that is still verified
 * byte by byte. The result is kept within 30 bits so V8 stores it as a small integer: larger Map keys
 * would be heap numbers, allocated and hashed on every lookup.
 */
export function hashBytes(view: DataView, start: number, end: number): number {
  let h = (end - start) ^ 0x9747b28c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ view.getInt32(i, true), 0x5bd1e995);
    h ^= h >>> 13;
  }
  for (; i < end; i++) {
    h = Math.imul(h ^ view.getUint8(i), 0x5bd1e995);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

function sameBytes(a: DataView, view: DataView, start: number, n: number): boolean {
  let i = 0;
  // Eight bytes per step (two int32 loads each side): half the loop overhead on attribute runs of
  // a few hundred bytes, the bulk of a warm lookup.
  for (; i + 8 <= n; i += 8) {
    if (a.getInt32(i, true) !== view.getInt32(start + i, true)) return false;
    if (a.getInt32(i + 4, true) !== view.getInt32(start + i + 4, true)) return false;
  }
  for (; i + 4 <= n; i += 4) {
    if (a.getInt32(i, true) !== view.getInt32(start + i, true)) return false;
  }
  for (; i < n; i++) {
    if (a.getUint8(i) !== view.getUint8(start + i)) return false;
  }
  return true;
}
