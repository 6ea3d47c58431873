import type { ByteWriter } from '../codec/bytes.js';
import { WindrowError } from '../errors.js';
import { encodeSketch, type SketchParts } from './codec.js';
import type { QuantileSketch } from './contract.js';
import { type LogarithmicMapping, MIN_INDEXABLE_VALUE } from './mapping.js';
import { nearestRank } from './rank.js';
import type { DenseStore } from './store.js';

/**
 * DDSketch: a mergeable quantile sketch with relative error α. Positive values go to one store,
 * negative values (by magnitude) to another, magnitudes below {@link MIN_INDEXABLE_VALUE} to a zero
 * count; count, min and max are exact.
 *
 * **Bucket budget.** The two stores together span at most `maxBuckets` buckets. Past that, a
 * collapse *floor* (an index, shared by both signs) rises just enough, and every bucket below it
 * folds into the bucket at the floor. Collapsing the lowest indices means giving up relative
 * accuracy for the magnitudes nearest zero, on both sides: a value folded upward is off by less
 * than γ^floor in absolute terms, which is about γ^-maxBuckets times the largest magnitude (γ^-(maxBuckets/2)
 * when both signs span the same range) — the same bargain as the zero bucket. Collapsing the other
 * end instead (the highest magnitudes) would turn p99 of latencies, or the most negative values,
 * into errors of many orders of magnitude. For all-negative data this does mean p99 (the values
 * nearest zero) degrades first, but only once the data spans more than γ^maxBuckets (≈ 10^17 for
 * α = 1% and 2,048 buckets), and then by a tiny absolute amount.
 *
 * The floor is always the smallest one that fits the budget for all the data seen, so the state
 * after any sequence of `add`/`mergeFrom` depends only on the multiset of values: merge is
 * commutative and associative down to the encoded bytes.
 *
 * There is no running sum: the aggregate states keep an exact sum of their own, and storing it
 * twice would cost 8 bytes per state.
 */
export class DDSketch implements QuantileSketch {
  readonly mapping: LogarithmicMapping;
  readonly maxBuckets: number;
  private readonly multiplier: number;
  private readonly positive: DenseStore;
  private readonly negative: DenseStore;
  private floor: number;
  private zeros: number;
  private total: number;
  private lowest: number;
  private highest: number;

  /** Use `createSketch` / `decodeSketch` from `./index.js`; this takes already-validated parts. */
  constructor(parts: SketchParts) {
    this.mapping = parts.mapping;
    this.maxBuckets = parts.maxBuckets;
    this.multiplier = parts.mapping.multiplier;
    this.positive = parts.positive;
    this.negative = parts.negative;
    this.floor = parts.floor;
    this.zeros = parts.zeroCount;
    this.total = parts.zeroCount + parts.negative.total + parts.positive.total;
    this.lowest = parts.min;
    this.highest = parts.max;
  }

  get count(): number {
    return this.total;
  }

  get relativeAccuracy(): number {
    return this.mapping.relativeAccuracy;
  }

  /** Exact smallest value added; +Infinity when empty. */
  get min(): number {
    return this.lowest;
  }

  /** Exact largest value added; -Infinity when empty. */
  get max(): number {
    return this.highest;
  }

  /** Values counted as zero (|v| < MIN_INDEXABLE_VALUE). */
  get zeroCount(): number {
    return this.zeros;
  }

  /** Buckets spanned by both stores, empty buckets inside a range included (≤ maxBuckets). */
  get bucketCount(): number {
    return this.positive.span + this.negative.span;
  }

  /**
   * Magnitudes below this have been folded upward and keep only absolute accuracy (0 while nothing
   * has collapsed). Relative accuracy α holds for every magnitude at or above it.
   */
  get collapsedBelow(): number {
    return this.floor === Number.NEGATIVE_INFINITY
      ? 0
      : this.mapping.value(this.floor) / (1 + this.relativeAccuracy);
  }

  /**
   * Adds `value` with integer `weight ≥ 1`.
   * @throws WindrowError if the value is not finite or the weight is invalid.
   */
  add(value: number, weight = 1): void {
    if (weight !== 1 && !(Number.isSafeInteger(weight) && weight >= 1)) {
      throw new WindrowError(`sketch weight must be an integer ≥ 1, got ${weight}`);
    }
    // NaN fails every comparison; ±Infinity reaches the slow path with an infinite index.
    if (value > MIN_INDEXABLE_VALUE) {
      const index = Math.ceil(Math.log(value) * this.multiplier);
      const store = this.positive;
      if (index >= store.minIndex && index <= store.maxIndex) store.addInRange(index, weight);
      else this.addOutsideRange(store, this.negative, index, weight);
    } else if (value < -MIN_INDEXABLE_VALUE) {
      const index = Math.ceil(Math.log(-value) * this.multiplier);
      const store = this.negative;
      if (index >= store.minIndex && index <= store.maxIndex) store.addInRange(index, weight);
      else this.addOutsideRange(store, this.positive, index, weight);
    } else if (!Number.isNaN(value)) {
      // -0 → 0: otherwise min/max would carry the sign of whichever zero came first, and the
      // state (and its bytes) would depend on arrival order.
      value += 0;
      this.zeros += weight;
    } else {
      throw new WindrowError('sketch values must be finite, got NaN');
    }
    this.total += weight;
    if (value < this.lowest) this.lowest = value;
    if (value > this.highest) this.highest = value;
  }

  /**
   * Adds `other`'s counts into this sketch (all three parts: negatives, zeros, positives); `other` is
   * untouched.
   * @throws WindrowError if `other` is another implementation or has a different α.
   */
  mergeFrom(other: QuantileSketch): void {
    if (!(other instanceof DDSketch)) throw new WindrowError('cannot merge a foreign quantile sketch');
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new WindrowError(
        `cannot merge sketches with relative accuracy ${this.relativeAccuracy} and ${other.relativeAccuracy}`,
      );
    }
    if (other.total === 0) return;
    const source = other === this ? this.clone() : other;
    let floor = Math.max(this.floor, source.floor);
    const pos = unionRange(this.positive, source.positive, floor);
    const neg = unionRange(this.negative, source.negative, floor);
    if (rangeSpan(pos) + rangeSpan(neg) > this.maxBuckets) floor = this.smallestFloor(pos, neg, floor);
    if (floor > this.floor) this.raiseFloor(floor);
    this.positive.mergeFrom(source.positive, floor);
    this.negative.mergeFrom(source.negative, floor);
    this.zeros += source.zeros;
    this.total += source.total;
    if (source.lowest < this.lowest) this.lowest = source.lowest;
    if (source.highest > this.highest) this.highest = source.highest;
  }

  /** A deep copy. */
  clone(): DDSketch {
    return new DDSketch({
      ...this.parts(),
      positive: this.positive.clone(),
      negative: this.negative.clone(),
    });
  }

  /**
   * The nearest-rank value: the ⌈q·n⌉-th smallest (see {@link nearestRank}), within α of the true
   * one (for magnitudes above {@link collapsedBelow}), clamped to the exact [min, max]; the first
   * and last ranks (q = 0, q = 1) are the exact min and max. Undefined when empty.
   * @throws WindrowError unless 0 ≤ q ≤ 1.
   */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) throw new WindrowError(`quantile must be in [0, 1], got ${q}`);
    if (this.total === 0) return undefined;
    let rank = nearestRank(q, this.total);
    if (rank === 0) return this.lowest;
    if (rank === this.total - 1) return this.highest;
    let estimate: number;
    if (rank < this.negative.total) {
      // Ascending values are descending magnitudes in the negative store.
      estimate = -this.mapping.value(this.negative.indexAtRank(rank, true));
    } else {
      rank -= this.negative.total;
      estimate =
        rank < this.zeros ? 0 : this.mapping.value(this.positive.indexAtRank(rank - this.zeros, false));
    }
    return Math.min(Math.max(estimate, this.lowest), this.highest);
  }

  /** Writes the compact versioned encoding (see codec.ts). */
  encode(out: ByteWriter): void {
    encodeSketch(out, this.parts());
  }

  private parts(): SketchParts {
    return {
      mapping: this.mapping,
      maxBuckets: this.maxBuckets,
      floor: this.floor,
      zeroCount: this.zeros,
      min: this.lowest,
      max: this.highest,
      negative: this.negative,
      positive: this.positive,
    };
  }

  /** The slow path of `add`: the index widens `store`'s range, which may raise the floor. */
  private addOutsideRange(store: DenseStore, opposite: DenseStore, index: number, weight: number): void {
    if (!Number.isFinite(index)) throw new WindrowError('sketch values must be finite');
    let target = Math.max(index, this.floor);
    // Spans as plain numbers first: most new buckets fit the budget, and short states take this
    // path for nearly every value (no range objects to allocate then).
    const lo = store.isEmpty ? target : Math.min(store.minIndex, target);
    const hi = store.isEmpty ? target : Math.max(store.maxIndex, target);
    if (hi - lo + 1 + (opposite.isEmpty ? 0 : opposite.span) > this.maxBuckets) {
      this.raiseFloor(this.smallestFloor({ lo, hi }, storeRange(opposite), this.floor));
      target = Math.max(target, this.floor);
    }
    store.add(target, weight);
  }

  private raiseFloor(floor: number): void {
    this.floor = floor;
    this.positive.collapseBelow(floor);
    this.negative.collapseBelow(floor);
  }

  /**
   * The smallest floor ≥ `from` at which ranges `a` and `b` (already clamped to `from`) fit the
   * budget. The total span only shrinks as the floor rises, and at the top index it is at most 2,
   * so a binary search finds it.
   */
  private smallestFloor(a: Range | undefined, b: Range | undefined, from: number): number {
    let lo = Math.max(from, Math.min(a?.lo ?? Number.POSITIVE_INFINITY, b?.lo ?? Number.POSITIVE_INFINITY));
    let hi = Math.max(a?.hi ?? Number.NEGATIVE_INFINITY, b?.hi ?? Number.NEGATIVE_INFINITY);
    // Invariant: the span at `lo` is over budget, the span at `hi` fits.
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (spanAbove(a, mid) + spanAbove(b, mid) > this.maxBuckets) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

interface Range {
  readonly lo: number;
  readonly hi: number;
}

function storeRange(store: DenseStore): Range | undefined {
  return store.isEmpty ? undefined : { lo: store.minIndex, hi: store.maxIndex };
}

/** The occupied range after merging `b` into `a` under `floor`. */
function unionRange(a: DenseStore, b: DenseStore, floor: number): Range | undefined {
  if (a.isEmpty && b.isEmpty) return undefined;
  const lo = Math.min(
    a.isEmpty ? Number.POSITIVE_INFINITY : a.minIndex,
    b.isEmpty ? Number.POSITIVE_INFINITY : b.minIndex,
  );
  const hi = Math.max(
    a.isEmpty ? Number.NEGATIVE_INFINITY : a.maxIndex,
    b.isEmpty ? Number.NEGATIVE_INFINITY : b.maxIndex,
  );
  return { lo: Math.max(lo, floor), hi: Math.max(hi, floor) };
}

function rangeSpan(r: Range | undefined): number {
  return r === undefined ? 0 : r.hi - r.lo + 1;
}

/** Buckets `r` spans once everything below `floor` is folded into `floor`. */
function spanAbove(r: Range | undefined, floor: number): number {
  if (r === undefined) return 0;
  return Math.max(r.hi, floor) - Math.max(r.lo, floor) + 1;
}
