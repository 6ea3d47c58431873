import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import type { NormalizedPoint } from '../point.js';
import type { AggregateKind } from './contract.js';
import { CUMULATIVE_KIND_TAG, cumulativeKind } from './cumulative.js';
import { EXP_HISTOGRAM_KIND_TAG, expHistogramKind } from './exp-histogram.js';
import { HISTOGRAM_KIND_TAG, histogramKind } from './histogram.js';
import { NUMBER_KIND_TAG, numberKind } from './number.js';

/**
 * Every aggregate kind by its one-byte tag. Tags are part of the stored format: never reuse one.
 * Tag 5 was a delta-summary kind that was never shipped; OTLP summaries are cumulative and go to the
 * cumulative kind.
 */
const KINDS_BY_TAG = new Map<number, AggregateKind<unknown>>([
  [NUMBER_KIND_TAG, numberKind as AggregateKind<unknown>],
  [CUMULATIVE_KIND_TAG, cumulativeKind as AggregateKind<unknown>],
  [HISTOGRAM_KIND_TAG, histogramKind as AggregateKind<unknown>],
  [EXP_HISTOGRAM_KIND_TAG, expHistogramKind as AggregateKind<unknown>],
]);

const CUMULATIVE = 2;

/**
 * The aggregate kind for a point, from its metric's type and temporality:
 *
 * | metric | kind |
 * |---|---|
 * | gauge, delta sum, non-monotonic cumulative sum (UpDownCounter: a level, like a gauge) | number |
 * | cumulative monotonic sum, cumulative histogram / exp. histogram, summary | cumulative (increase per window) |
 * | delta histogram | histogram |
 * | delta exponential histogram | exponentialHistogram |
 *
 * Series identity includes type, temporality and monotonicity, so one series always gets one kind.
 */
export function kindForPoint(point: NormalizedPoint): AggregateKind<unknown> {
  const metric = point.context.metric;
  const cumulative = metric.temporality === CUMULATIVE;
  switch (point.type) {
    case 'number':
      return (cumulative && metric.monotonic ? cumulativeKind : numberKind) as AggregateKind<unknown>;
    case 'histogram':
      return (cumulative ? cumulativeKind : histogramKind) as AggregateKind<unknown>;
    case 'exponentialHistogram':
      return (cumulative ? cumulativeKind : expHistogramKind) as AggregateKind<unknown>;
    case 'summary':
      // OTLP: "count and sum fields represent cumulative values".
      return cumulativeKind as AggregateKind<unknown>;
  }
}

/** A state with its kind, as stored: one tag byte, then the kind's own encoding. */
export interface TaggedState {
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

export function writeTaggedState(kind: AggregateKind<unknown>, state: unknown, out: ByteWriter): void {
  out.u8(kind.tag);
  kind.encode(state, out);
}

export function readTaggedState(input: ByteReader): TaggedState {
  const tag = input.u8();
  const kind = KINDS_BY_TAG.get(tag);
  if (kind === undefined) throw new StateCodecError(`unknown aggregate state tag ${tag}`);
  return { kind, state: kind.decode(input) };
}

/** Encodes one tagged state on its own. */
export function encodeTaggedState(kind: AggregateKind<unknown>, state: unknown): Uint8Array {
  const out = new ByteWriter(64);
  writeTaggedState(kind, state, out);
  return out.finish();
}

/** Decodes one tagged state and checks nothing trails it. */
export function decodeTaggedState(bytes: Uint8Array): TaggedState {
  const input = new ByteReader(bytes);
  const tagged = readTaggedState(input);
  if (!input.done) throw new StateCodecError('trailing bytes after aggregate state');
  return tagged;
}
