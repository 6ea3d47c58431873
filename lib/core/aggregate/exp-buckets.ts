/**
 * One sign's buckets of an exponential histogram (OTLP layout) and the index arithmetic on them.
 *
 * At scale s the base is 2^(2^−s) and bucket i holds the magnitudes in (base^i, base^(i+1)], i.e.
 * log2|x| ∈ (i·2^−s, (i+1)·2^−s]. Lowering the scale by k maps bucket i to ⌊i / 2^k⌋ exactly, so
 * downscaling composes and never guesses.
 *
 * `span` is the index range of every count this side ever held, including counts since moved into
 * the zero bucket (see exp-histogram-state.ts): the scale is chosen from spans, not from what is
 * left, so that raising the zero threshold in one merge order and downscaling in another end in the
 * same state.
 *
 * @example
 * ```ts
 * const side = { offset: 5, counts: [1, 0, 2], span: { low: 5, high: 7 } };
 * downscaleSide(side, 1); // { offset: 2, counts: [1, 2], span: { low: 2, high: 3 } }
 * ```
 */
export interface ExpSide {
  /** Index of `counts[0]`; 0 when `counts` is empty. */
  offset: number;
  /** No leading or trailing zeros, so equal sides are equal objects. */
  counts: number[];
  span: ExpSpan | undefined;
}

export interface ExpSpan {
  readonly low: number;
  readonly high: number;
}

export function emptySide(): ExpSide {
  return { offset: 0, counts: [], span: undefined };
}

export function cloneSide(side: ExpSide): ExpSide {
  return { offset: side.offset, counts: side.counts.slice(), span: side.span };
}

/** Drops leading and trailing zeros (the span is left alone: those counts were never there). */
export function trimmedSide(offset: number, counts: number[], span: ExpSpan | undefined): ExpSide {
  let start = 0;
  let end = counts.length;
  while (start < end && counts[start] === 0) start++;
  while (end > start && counts[end - 1] === 0) end--;
  if (start === end) return { offset: 0, counts: [], span };
  return { offset: offset + start, counts: counts.slice(start, end), span };
}

/** The range of present counts, or undefined when there are none. */
export function presentSpan(side: ExpSide): ExpSpan | undefined {
  return side.counts.length === 0
    ? undefined
    : { low: side.offset, high: side.offset + side.counts.length - 1 };
}

export function downscaleIndex(i: number, by: number): number {
  return by === 0 ? i : Math.floor(i / 2 ** by);
}

export function downscaleSpan(span: ExpSpan | undefined, by: number): ExpSpan | undefined {
  if (span === undefined || by === 0) return span;
  return { low: downscaleIndex(span.low, by), high: downscaleIndex(span.high, by) };
}

export function unionSpan(a: ExpSpan | undefined, b: ExpSpan | undefined): ExpSpan | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { low: Math.min(a.low, b.low), high: Math.max(a.high, b.high) };
}

export function spanFits(span: ExpSpan | undefined, maxBuckets: number): boolean {
  return span === undefined || span.high - span.low + 1 <= maxBuckets;
}

/** A new side with every index i mapped to ⌊i / 2^by⌋. */
export function downscaleSide(side: ExpSide, by: number): ExpSide {
  if (by === 0 || side.counts.length === 0) return { ...cloneSide(side), span: downscaleSpan(side.span, by) };
  const offset = downscaleIndex(side.offset, by);
  const last = downscaleIndex(side.offset + side.counts.length - 1, by);
  const counts = new Array<number>(last - offset + 1).fill(0);
  for (let i = 0; i < side.counts.length; i++) {
    const j = downscaleIndex(side.offset + i, by) - offset;
    counts[j] = (counts[j] as number) + (side.counts[i] as number);
  }
  return { offset, counts, span: downscaleSpan(side.span, by) };
}

/** Adds (sign 1) or subtracts (sign −1) `b` from `a`, both at the same scale; the span is the
 *  union. Undefined when a subtraction goes negative anywhere. */
export function combineSides(a: ExpSide, b: ExpSide, sign: 1 | -1): ExpSide | undefined {
  const span = unionSpan(a.span, b.span);
  if (b.counts.length === 0) return { ...cloneSide(a), span };
  if (a.counts.length === 0 && sign === 1) return { ...cloneSide(b), span };
  const lowA = a.counts.length === 0 ? b.offset : a.offset;
  const offset = Math.min(lowA, b.offset);
  const end = Math.max(a.offset + a.counts.length, b.offset + b.counts.length);
  const counts = new Array<number>(end - offset).fill(0);
  for (let i = 0; i < a.counts.length; i++) counts[a.offset - offset + i] = a.counts[i] as number;
  for (let i = 0; i < b.counts.length; i++) {
    const j = b.offset - offset + i;
    const v = (counts[j] as number) + sign * (b.counts[i] as number);
    if (v < 0) return undefined;
    counts[j] = v;
  }
  return trimmedSide(offset, counts, span);
}

/**
 * Splits off the buckets that reach below `threshold` — those whose lower edge 2^(i·2^−s) is under
 * it — and returns what is left and how many counts moved. The test is done on exponents
 * (i·2^−s < log2 threshold, exact in doubles), and it only grows as the scale drops: a bucket's
 * parent starts where its lower child starts. So absorbing and downscaling commute.
 */
export function absorbBelow(
  side: ExpSide,
  scale: number,
  threshold: number,
): { side: ExpSide; absorbed: number } {
  if (threshold <= 0 || side.counts.length === 0) return { side, absorbed: 0 };
  const limit = Math.log2(threshold);
  const unit = 2 ** -scale;
  let n = 0;
  let absorbed = 0;
  while (n < side.counts.length && (side.offset + n) * unit < limit) absorbed += side.counts[n++] as number;
  if (n === 0) return { side, absorbed: 0 };
  return { side: trimmedSide(side.offset + n, side.counts.slice(n), side.span), absorbed };
}
