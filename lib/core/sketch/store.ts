/**
 * First allocation, when the first index arrives: most stores live in short states (a request's
 * pre-aggregation: 2–20 values) and grow from there; a store never written allocates nothing.
 */
const MIN_CAPACITY = 8;

/** Zeros as doubles (the 0.5 makes V8 pick unboxed double elements; see {@link zeros}). */
function doubleZeros(n: number): number[] {
  const out = [0.5];
  out[0] = 0;
  for (let k = 1; k < n; k++) out.push(0);
  return out;
}

/** Template the allocations are sliced from: 32 KB, more than a 2,048-bucket store ever needs. */
const ZEROS = doubleZeros(4096);

/** The counts of every empty store (shared, never written: the first `include` replaces it). */
const NO_COUNTS: number[] = ZEROS.slice(0, 0);

/**
 * Distinct buckets a store keeps as a short list of (index, count) pairs before it allocates its dense
 * array (see {@link DenseStore}).
 */
const SPARSE_LIMIT = 16;

/** The pairs of every store that has not been written yet (shared, never written). */
const NO_PAIRS: number[] = [];

/** A new array of `n` zeros with unboxed double elements: a slice of the template is a memcpy. */
function zeros(n: number): number[] {
  if (n <= ZEROS.length) return ZEROS.slice(0, n);
  const out = ZEROS.slice();
  for (let k = out.length; k < n; k++) out.push(0);
  return out;
}

/**
 * Bucket counts over one contiguous index range `[minIndex, maxIndex]`, growing both ways.
 *
 * Counts live in a plain array of unboxed doubles (integers are exact up to 2^53, so no counter
 * overflows the way a Uint32 one would), sliced from a template of zeros. It used to be a
 * `Float64Array`, but V8 keeps typed arrays over 64 bytes off-heap, and creating one costs as much
 * as a few hundred adds: with short states (a sketch per series-window of 2–20 values) that creation
 * was most of the ingest time. Measured with `npx tsx test/bench/aggregate-adds.ts` (number add, states
 * of 20 points, sketch creation included): ~520 ns/add with lazy `Float64Array`s → ~120 ns/add; and
 * with `npx tsx test/bench/sketch.ts`: merges of 1,000-value sketches 1.46 M/s → 1.86 M/s (a `fill(0)`
 * array has SMI/holey elements instead, and merged 15% slower than the typed array); inserts the same
 * (≈ 45 M values/s, the cost is `Math.log`). The allocation keeps slack on both sides so that a range
 * growing one bucket at a time reallocates O(log n) times.
 *
 * Invariant: when not empty, the buckets at `minIndex` and `maxIndex` hold non-zero counts, so the
 * occupied range (and any encoding of it) depends only on the data, not on the order it came in.
 * The store itself is unbounded; the sketch bounds the total span of its stores with
 * {@link DenseStore.collapseBelow}.
 *
 * Sparse start: until it holds more than {@link SPARSE_LIMIT} distinct buckets (or is collapsed, or
 * merged into), a store keeps its non-zero buckets as `[index, count, index, count, …]` in
 * ascending index order instead of the dense array. The short states of a request's pre-aggregation
 * hold a handful of values spread over a few hundred buckets (α = 1%: values between 1 and 1,000
 * span ~350), so the dense array was reallocated ~3 times per store as the range grew, ~2.6 MB of
 * zeros per 10,000-point request, and encoding scanned the whole range for the few non-zero buckets.
 * Only the representation differs: every accessor answers the same, so encodings, merges and
 * quantiles are unchanged. Measured with `npx tsx test/bench/pipeline.ts`: see the commit message.
 */
export class DenseStore {
  private counts: number[];
  /** While not {@link dense}: the non-zero buckets as ascending (index, count) pairs. */
  private pairs: number[] = NO_PAIRS;
  private dense = false;
  /** The index held by `counts[0]`. */
  private offset = 0;
  // An empty store has minIndex > maxIndex, so the add fast-path test fails without a flag.
  private lo = 0;
  private hi = -1;
  private sum = 0;

  constructor() {
    this.counts = NO_COUNTS;
  }

  /** Lowest occupied index (meaningless when empty). */
  get minIndex(): number {
    return this.lo;
  }

  /** Highest occupied index (meaningless when empty). */
  get maxIndex(): number {
    return this.hi;
  }

  /** Sum of all counts. */
  get total(): number {
    return this.sum;
  }

  get isEmpty(): boolean {
    return this.hi < this.lo;
  }

  /** Number of buckets in the occupied range (0 when empty), including empty buckets inside it. */
  get span(): number {
    return this.hi - this.lo + 1;
  }

  /** The count at `index` (0 outside the occupied range). */
  countAt(index: number): number {
    if (index < this.lo || index > this.hi) return 0;
    if (!this.dense) {
      const pairs = this.pairs;
      for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === index) return pairs[k + 1] as number;
      return 0;
    }
    return this.counts[index - this.offset] as number;
  }

  /**
   * Writes the indices of the non-zero buckets, ascending, into `indices` and their counts into
   * `counts`, from position 0, and returns how many there are (both are the caller's reusable
   * scratch; nothing is allocated).
   */
  nonZeroBuckets(indices: number[], counts: number[]): number {
    let n = 0;
    if (!this.dense) {
      const pairs = this.pairs;
      for (let k = 0; k < pairs.length; k += 2) {
        const c = pairs[k + 1] as number;
        if (c !== 0) {
          indices[n] = pairs[k] as number;
          counts[n++] = c;
        }
      }
      return n;
    }
    const all = this.counts;
    const offset = this.offset;
    for (let k = this.lo - offset; k <= this.hi - offset; k++) {
      const c = all[k] as number;
      if (c !== 0) {
        indices[n] = k + offset;
        counts[n++] = c;
      }
    }
    return n;
  }

  /** Adds `weight` (> 0) to bucket `index`, growing the range if needed. */
  add(index: number, weight: number): void {
    if (!this.dense && this.addSparse(index, weight)) return;
    if (index < this.lo || index > this.hi) this.include(index);
    const k = index - this.offset;
    this.counts[k] = (this.counts[k] as number) + weight;
    this.sum += weight;
  }

  /** `add` for an index already inside `[minIndex, maxIndex]` (the sketch's hot path checks it). */
  addInRange(index: number, weight: number): void {
    if (!this.dense && this.addSparse(index, weight)) return;
    const k = index - this.offset;
    this.counts[k] = (this.counts[k] as number) + weight;
    this.sum += weight;
  }

  /**
   * Moves the counts of every bucket below `floor` into bucket `floor` (the lowest kept bucket).
   * A store entirely below the floor becomes one bucket at `floor`: every index below the floor
   * means "somewhere below γ^floor", whatever the sign, so the result does not depend on which
   * values arrived before the floor was raised.
   */
  collapseBelow(floor: number): void {
    if (this.isEmpty || this.lo >= floor) return;
    this.densify();
    const end = Math.min(this.hi, floor - 1);
    let moved = 0;
    for (let k = this.lo - this.offset; k <= end - this.offset; k++) {
      moved += this.counts[k] as number;
      this.counts[k] = 0;
    }
    if (this.hi < floor) {
      this.lo = 0;
      this.hi = -1;
    } else {
      this.lo = floor;
    }
    this.sum -= moved;
    this.add(floor, moved);
  }

  /** Adds every count of `other` (untouched) into this store, buckets below `floor` into `floor`. */
  mergeFrom(other: DenseStore, floor: number): void {
    if (other.isEmpty) return;
    this.densify();
    if (!other.dense) {
      // The same counts as the dense loop below: below the floor into the floor, the rest as they are.
      const pairs = other.pairs;
      let folded = 0;
      for (let k = 0; k < pairs.length; k += 2)
        if ((pairs[k] as number) < floor) folded += pairs[k + 1] as number;
      if (folded > 0) this.add(floor, folded);
      for (let k = 0; k < pairs.length; k += 2) {
        const index = pairs[k] as number;
        const c = pairs[k + 1] as number;
        if (index >= floor && c !== 0) this.add(index, c);
      }
      return;
    }
    let below = 0;
    let from = other.lo;
    for (; from <= other.hi && from < floor; from++) below += other.countAt(from);
    if (below > 0) this.add(floor, below);
    // Start at a non-zero bucket so the occupied range keeps non-zero ends.
    while (from <= other.hi && other.countAt(from) === 0) from++;
    if (from > other.hi) return;
    this.include(from);
    this.include(other.hi);
    const src = other.counts;
    const dst = this.counts;
    const shift = other.offset - this.offset;
    let added = 0;
    for (let k = from - other.offset; k <= other.hi - other.offset; k++) {
      const c = src[k] as number;
      dst[k + shift] = (dst[k + shift] as number) + c;
      added += c;
    }
    this.sum += added;
  }

  /**
   * The index holding the element of 0-based `rank` in ascending index order; `descending` counts
   * from the top instead (the negative store's ascending value order). Requires rank < total.
   */
  indexAtRank(rank: number, descending: boolean): number {
    let seen = 0;
    if (!this.dense) {
      // Buckets between the pairs are empty: they never reach the rank first.
      const pairs = this.pairs;
      if (descending) {
        for (let k = pairs.length - 2; k > 0; k -= 2) {
          seen += pairs[k + 1] as number;
          if (seen > rank) return pairs[k] as number;
        }
        return this.lo;
      }
      for (let k = 0; k < pairs.length - 2; k += 2) {
        seen += pairs[k + 1] as number;
        if (seen > rank) return pairs[k] as number;
      }
      return this.hi;
    }
    if (descending) {
      for (let i = this.hi; i > this.lo; i--) {
        seen += this.counts[i - this.offset] as number;
        if (seen > rank) return i;
      }
      return this.lo;
    }
    for (let i = this.lo; i < this.hi; i++) {
      seen += this.counts[i - this.offset] as number;
      if (seen > rank) return i;
    }
    return this.hi;
  }

  /** A deep copy with a tight allocation. */
  clone(): DenseStore {
    const copy = new DenseStore();
    if (this.isEmpty) return copy;
    if (!this.dense) {
      copy.pairs = this.pairs.slice();
      copy.lo = this.lo;
      copy.hi = this.hi;
      copy.sum = this.sum;
      return copy;
    }
    copy.dense = true;
    copy.counts = this.counts.slice(this.lo - this.offset, this.hi - this.offset + 1);
    copy.offset = this.lo;
    copy.lo = this.lo;
    copy.hi = this.hi;
    copy.sum = this.sum;
    return copy;
  }

  /**
   * `add` while sparse: true when done, false when the store had to turn dense (the caller then
   * adds to the dense array).
   */
  private addSparse(index: number, weight: number): boolean {
    let pairs = this.pairs;
    let k = 0;
    while (k < pairs.length && (pairs[k] as number) < index) k += 2;
    if (k < pairs.length && pairs[k] === index) {
      pairs[k + 1] = (pairs[k + 1] as number) + weight;
    } else if (pairs.length < 2 * SPARSE_LIMIT) {
      if (pairs === NO_PAIRS) {
        pairs = [index, weight];
        this.pairs = pairs;
      } else {
        // In place (splice would allocate the array of removed elements on every insert).
        pairs.push(0, 0);
        for (let j = pairs.length - 1; j > k + 1; j--) pairs[j] = pairs[j - 2] as number;
        pairs[k] = index;
        pairs[k + 1] = weight;
      }
    } else {
      this.densify();
      return false;
    }
    if (this.isEmpty) {
      this.lo = index;
      this.hi = index;
    } else if (index < this.lo) this.lo = index;
    else if (index > this.hi) this.hi = index;
    this.sum += weight;
    return true;
  }

  /** Moves a sparse store's pairs into a dense array over its range (with the slack `include` leaves). */
  private densify(): void {
    if (this.dense) return;
    this.dense = true;
    const pairs = this.pairs;
    this.pairs = NO_PAIRS;
    if (this.isEmpty) return;
    const needed = this.hi - this.lo + 1;
    const capacity = Math.max(MIN_CAPACITY, needed + (needed >> 1));
    const offset = this.lo - ((capacity - needed) >> 1);
    const counts = zeros(capacity);
    for (let k = 0; k < pairs.length; k += 2) counts[(pairs[k] as number) - offset] = pairs[k + 1] as number;
    this.counts = counts;
    this.offset = offset;
  }

  /** Widens the occupied range to hold `index`, reallocating with slack on both sides if needed. */
  private include(index: number): void {
    const lo = this.isEmpty ? index : Math.min(this.lo, index);
    const hi = this.isEmpty ? index : Math.max(this.hi, index);
    const end = this.offset + this.counts.length;
    if (lo < this.offset || hi >= end) {
      const needed = hi - lo + 1;
      const capacity = Math.max(MIN_CAPACITY, needed + (needed >> 1), this.counts.length);
      const next = zeros(capacity);
      const offset = lo - ((capacity - needed) >> 1);
      if (!this.isEmpty) {
        const src = this.counts;
        const shift = this.offset - offset;
        for (let k = this.lo - this.offset; k <= this.hi - this.offset; k++)
          next[k + shift] = src[k] as number;
      }
      this.counts = next;
      this.offset = offset;
    }
    this.lo = lo;
    this.hi = hi;
  }
}
