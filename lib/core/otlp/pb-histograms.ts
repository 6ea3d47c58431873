/**
 * Protobuf HistogramDataPoint and ExponentialHistogramDataPoint readers (see pb-points.ts for why
 * histogram points are built here rather than by `Normalizer.histogram()`).
 */
import { DecodeError } from '../errors.js';
import type { MetricContext } from '../point.js';
import {
  exponentialSample,
  FLAG_NO_RECORDED_VALUE,
  type Normalizer,
  type RawExponentialHistogram,
  type RawHistogram,
} from './normalize.js';
import { attributesOf } from './pb-attributes.js';
import {
  checkUnknown,
  EXPONENTIAL_FIELDS,
  HISTOGRAM_FIELDS,
  I64,
  LEN,
  readCount,
  readTime,
  resetTimes,
  times,
  uint64Count,
  VARINT,
} from './pb-point-fields.js';
import { HistogramSample } from './points.js';
import { type WireReader, wrongWireType } from './wire.js';

// Histogram scratch; bucket arrays are fresh per point because the NormalizedPoint keeps them.
const hist: RawHistogram = {
  count: 0,
  sum: undefined,
  min: undefined,
  max: undefined,
  bounds: [],
  bucketCounts: [],
};

/**
 * HistogramDataPoint{start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64, count=4 fixed64,
 * sum=5 double, bucket_counts=6 repeated fixed64, explicit_bounds=7 repeated double, exemplars=8,
 * attributes=9, flags=10 uint32, min=11 double, max=12 double}. Repeated scalars are accepted packed
 * and unpacked, as protobuf parsers must.
 */
export function histogramPoint(
  r: WireReader,
  end: number,
  ctx: MetricContext,
  n: Normalizer,
  index: number,
): void {
  const begin = r.pos;
  resetTimes();
  hist.count = 0;
  hist.sum = undefined;
  hist.min = undefined;
  hist.max = undefined;
  let bounds: number[] | undefined;
  const counts: number[] = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (9 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        hist.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        hist.sum = r.double(end);
        break;
      case (6 << 3) | LEN: {
        const stop = r.len(end);
        if ((stop - r.pos) % 8 !== 0)
          throw new DecodeError('protobuf: packed bucket_counts is not a multiple of 8 bytes');
        while (r.pos < stop) counts.push(readCount(r, stop));
        break;
      }
      case (6 << 3) | I64:
        counts.push(readCount(r, end));
        break;
      case (7 << 3) | LEN: {
        const stop = r.len(end);
        if ((stop - r.pos) % 8 !== 0)
          throw new DecodeError('protobuf: packed explicit_bounds is not a multiple of 8 bytes');
        bounds = packedBounds(r, stop, bounds);
        break;
      }
      case (7 << 3) | I64:
        bounds = bounds === undefined || bounds === lastBounds.array ? (bounds ?? []).slice() : bounds;
        bounds.push(r.double(end));
        break;
      case (10 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      case (11 << 3) | I64:
        hist.min = r.double(end);
        break;
      case (12 << 3) | I64:
        hist.max = r.double(end);
        break;
      default:
        checkUnknown(tag, HISTOGRAM_FIELDS, 'HistogramDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  hist.bounds = bounds ?? [];
  hist.bucketCounts = counts;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 9);
  const bucketCounts = n.acceptHistogram(ctx, attrs, times, hist, index);
  if (bucketCounts === undefined) return;
  n.emit(
    new HistogramSample(
      ctx,
      attrs.set,
      times.timeMs,
      times.timeNs,
      times.startMs,
      times.startNs,
      hist.count,
      hist.sum,
      hist.min,
      hist.max,
      hist.bounds,
      bucketCounts,
    ),
  );
}

/**
 * The last packed explicit_bounds decoded: the points of a histogram metric nearly always share their
 * bounds, so the same bytes reuse the same array (cheaper than decoding, and downstream merges
 * compare bounds by reference first). Shared arrays are copied before anything is appended.
 */
const lastBounds: { buf: Uint8Array | undefined; start: number; end: number; array: number[] } = {
  buf: undefined,
  start: 0,
  end: 0,
  array: [],
};

function packedBounds(r: WireReader, stop: number, previous: number[] | undefined): number[] {
  const start = r.pos;
  const n = stop - start;
  const buf = r.buf;
  if (previous === undefined && lastBounds.buf === buf && lastBounds.end - lastBounds.start === n) {
    // n is a multiple of 8 (checked by the caller): compare as int32 words.
    const view = r.view;
    const from = lastBounds.start;
    let same = true;
    for (let i = 0; i < n; i += 4) {
      if (view.getInt32(from + i, true) !== view.getInt32(start + i, true)) {
        same = false;
        break;
      }
    }
    if (same) {
      r.pos = stop;
      return lastBounds.array;
    }
  }
  const bounds = previous === undefined ? new Array<number>(0) : previous.slice();
  while (r.pos < stop) bounds.push(r.double(stop));
  if (previous === undefined) {
    lastBounds.buf = buf;
    lastBounds.start = start;
    lastBounds.end = stop;
    lastBounds.array = bounds;
  }
  return bounds;
}

const expo: RawExponentialHistogram = {
  count: 0,
  sum: undefined,
  min: undefined,
  max: undefined,
  scale: 0,
  zeroCount: 0,
  zeroThreshold: 0,
  positiveOffset: 0,
  positiveCounts: [],
  negativeOffset: 0,
  negativeCounts: [],
};

/**
 * ExponentialHistogramDataPoint{attributes=1, start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64,
 * count=4 fixed64, sum=5 double, scale=6 sint32, zero_count=7 fixed64, positive=8, negative=9,
 * flags=10 uint32, exemplars=11, min=12 double, max=13 double, zero_threshold=14 double};
 * Buckets{offset=1 sint32, bucket_counts=2 repeated uint64}.
 */
export function exponentialPoint(
  r: WireReader,
  end: number,
  ctx: MetricContext,
  n: Normalizer,
  index: number,
): void {
  const begin = r.pos;
  resetTimes();
  expo.count = 0;
  expo.sum = undefined;
  expo.min = undefined;
  expo.max = undefined;
  expo.scale = 0;
  expo.zeroCount = 0;
  expo.zeroThreshold = 0;
  expo.positiveOffset = 0;
  expo.positiveCounts = [];
  expo.negativeOffset = 0;
  expo.negativeCounts = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (1 << 3) | LEN:
        if (aStart < 0) aStart = at;
        else if (at !== aEnd) contiguous = false;
        r.pos = r.len(end);
        aEnd = r.pos;
        break;
      case (2 << 3) | I64:
        readTime(r, end, true);
        break;
      case (3 << 3) | I64:
        readTime(r, end, false);
        break;
      case (4 << 3) | I64:
        expo.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        expo.sum = r.double(end);
        break;
      case (6 << 3) | VARINT:
        expo.scale = r.sint32(end);
        break;
      case (7 << 3) | I64:
        expo.zeroCount = readCount(r, end);
        break;
      case (8 << 3) | LEN: {
        const stop = r.len(end);
        const counts: number[] = [];
        expo.positiveOffset = buckets(r, stop, counts);
        expo.positiveCounts = counts;
        r.pos = stop;
        break;
      }
      case (9 << 3) | LEN: {
        const stop = r.len(end);
        const counts: number[] = [];
        expo.negativeOffset = buckets(r, stop, counts);
        expo.negativeCounts = counts;
        r.pos = stop;
        break;
      }
      case (10 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      case (12 << 3) | I64:
        expo.min = r.double(end);
        break;
      case (13 << 3) | I64:
        expo.max = r.double(end);
        break;
      case (14 << 3) | I64:
        expo.zeroThreshold = r.double(end);
        break;
      default:
        checkUnknown(tag, EXPONENTIAL_FIELDS, 'ExponentialHistogramDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 1);
  if (!n.acceptExponentialHistogram(ctx, attrs, times, expo, index)) return;
  n.emit(exponentialSample(ctx, attrs, times, expo));
}

/** Buckets{offset=1 sint32, bucket_counts=2 repeated uint64}: fills `counts`, returns the offset. */
function buckets(r: WireReader, end: number, counts: number[]): number {
  let offset = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case (1 << 3) | VARINT:
        offset = r.sint32(end);
        break;
      case (2 << 3) | LEN: {
        const stop = r.len(end);
        while (r.pos < stop) counts.push(uint64Count(r, stop));
        break;
      }
      case (2 << 3) | VARINT:
        counts.push(uint64Count(r, end));
        break;
      default:
        if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('Buckets', tag >>> 3, tag & 7);
        r.skip(tag & 7, end);
    }
  }
  return offset;
}

/** Forgets the last bounds' body so it is not kept alive after the request. */
export function releaseBody(): void {
  lastBounds.buf = undefined;
}
