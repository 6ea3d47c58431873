/**
 * Protobuf NumberDataPoint and SummaryDataPoint readers: fields into scratch, validation by the
 * {@link Normalizer}, then the point. The point is built here rather than by `Normalizer.number()`:
 * with their own call sites the readers keep V8's type feedback to themselves (JSON decoding in the
 * same process otherwise made the shared methods polymorphic; measured ~10% on protobuf decoding).
 */
import type { MetricContext } from '../point.js';
import { FLAG_NO_RECORDED_VALUE, type Normalizer, type RawSummary } from './normalize.js';
import { attributesOf } from './pb-attributes.js';
import {
  checkUnknown,
  I64,
  LEN,
  NUMBER_FIELDS,
  readCount,
  readTime,
  resetTimes,
  SUMMARY_FIELDS,
  TWO_32,
  times,
  VARINT,
} from './pb-point-fields.js';
import { NumberSample, SummarySample } from './points.js';
import { type WireReader, wrongWireType } from './wire.js';

/**
 * NumberDataPoint{attributes=7, start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64,
 * as_double=4 double, exemplars=5, as_int=6 sfixed64, flags=8 uint32}.
 */
export function numberPoint(
  r: WireReader,
  end: number,
  ctx: MetricContext,
  n: Normalizer,
  index: number,
): void {
  const begin = r.pos;
  resetTimes();
  let value: number | undefined;
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (7 << 3) | LEN:
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
        value = r.double(end);
        break;
      case (6 << 3) | I64:
        r.fixed64(end);
        value = (r.hi | 0) * TWO_32 + r.lo;
        break;
      case (8 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      default:
        checkUnknown(tag, NUMBER_FIELDS, 'NumberDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 7);
  if (!n.acceptNumber(ctx, attrs, times, value, index)) return;
  n.emit(new NumberSample(ctx, attrs.set, times.timeMs, times.timeNs, times.startMs, times.startNs, value));
}

const summ: RawSummary = { count: 0, sum: 0, quantiles: [] };

/**
 * SummaryDataPoint{start_time_unix_nano=2 fixed64, time_unix_nano=3 fixed64, count=4 fixed64,
 * sum=5 double, quantile_values=6, attributes=7, flags=8 uint32};
 * ValueAtQuantile{quantile=1 double, value=2 double}.
 */
export function summaryPoint(
  r: WireReader,
  end: number,
  ctx: MetricContext,
  n: Normalizer,
  index: number,
): void {
  const begin = r.pos;
  resetTimes();
  summ.count = 0;
  summ.sum = 0;
  const quantiles: { quantile: number; value: number }[] = [];
  let flags = 0;
  let aStart = -1;
  let aEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case (7 << 3) | LEN:
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
        summ.count = readCount(r, end);
        break;
      case (5 << 3) | I64:
        summ.sum = r.double(end);
        break;
      case (6 << 3) | LEN: {
        const stop = r.len(end);
        quantiles.push(valueAtQuantile(r, stop));
        r.pos = stop;
        break;
      }
      case (8 << 3) | VARINT:
        flags = r.uint32(end);
        break;
      default:
        checkUnknown(tag, SUMMARY_FIELDS, 'SummaryDataPoint');
        r.skip(tag & 7, end);
    }
  }
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
  summ.quantiles = quantiles;
  const attrs = attributesOf(r, begin, end, aStart, aEnd, contiguous, 7);
  if (!n.acceptSummary(ctx, attrs, times, summ, index)) return;
  n.emit(
    new SummarySample(
      ctx,
      attrs.set,
      times.timeMs,
      times.timeNs,
      times.startMs,
      times.startNs,
      summ.count,
      summ.sum,
      summ.quantiles,
    ),
  );
}

function valueAtQuantile(r: WireReader, end: number): { quantile: number; value: number } {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === ((1 << 3) | I64)) quantile = r.double(end);
    else if (tag === ((2 << 3) | I64)) value = r.double(end);
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('ValueAtQuantile', tag >>> 3, tag & 7);
    else r.skip(tag & 7, end);
  }
  return { quantile, value };
}
