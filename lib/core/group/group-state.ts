/**
 * The mergeable state a result keeps beside its finalized stats, so results of many series can be
 * merged into one per window (`by` at query time, DESIGN.md §9). Stats cannot be merged (an average
 * of percentiles is not a percentile); states can.
 *
 * What a series-window keeps:
 * - gauges, delta sums, up-down counters: the number state itself (moments, min/max, sketch);
 * - delta histograms and exponential histograms: their state;
 * - cumulative histograms and exponential histograms: the window's **increase** as a delta state
 *   (each series counts from its own start, so snapshots of different series never merge);
 * - cumulative counters and summaries: nothing but a marker — every stat they report (count, sum,
 *   rate, last) adds up across series.
 *
 * The encoding also carries what else keeps series apart (temporality, monotonicity): series of one
 * name that differ there never merge.
 */
import type { AggregateKind } from '../aggregate/contract.js';
import { cumulativeIncrease, cumulativeKind, SnapshotType } from '../aggregate/cumulative.js';
import { expHistogramKind } from '../aggregate/exp-histogram.js';
import { histogramKind } from '../aggregate/histogram.js';
import { readTaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import type { MetricDescriptor } from '../point.js';

/** A state merged with its kind, or `additive`: the stats themselves add across series. */
export type GroupState =
  | { readonly kind: AggregateKind<unknown>; readonly state: unknown }
  | { readonly kind: 'additive' };

/** A result's group state with the parts of its metric that keep groups apart. */
export interface ResultState {
  readonly temporality: number;
  readonly monotonic: boolean;
  readonly group: GroupState;
}

/** Version byte in front of an encoded {@link ResultState}. */
export const RESULT_STATE_FORMAT = 1;
const ADDITIVE_TAG = 0;

/**
 * The group state of one series-window, from its merged state (and, for cumulative series, the
 * baseline its stats were finalized with). Undefined for an empty cumulative state.
 *
 * @example groupStateOf(numberKind, state, undefined) // { kind: numberKind, state }
 */
export function groupStateOf(
  kind: AggregateKind<unknown>,
  state: unknown,
  baseline: unknown,
): GroupState | undefined {
  if (kind !== cumulativeKind) return { kind, state };
  const increase = cumulativeIncrease(state as never, baseline);
  if (increase === undefined) return undefined;
  switch (increase.snapshot) {
    case SnapshotType.histogram:
      return { kind: histogramKind as AggregateKind<unknown>, state: increase.increase };
    case SnapshotType.exponentialHistogram:
      return { kind: expHistogramKind as AggregateKind<unknown>, state: increase.increase };
    default:
      return { kind: 'additive' };
  }
}

/** The result state of a series of `metric`. */
export function resultStateOf(metric: MetricDescriptor, group: GroupState): ResultState {
  return { temporality: metric.temporality, monotonic: metric.monotonic, group };
}

/** Bytes: format, temporality, monotonic (0/1), then the tagged state or the additive tag 0. */
export function encodeResultState(value: ResultState): Uint8Array {
  const out = new ByteWriter(64);
  out.u8(RESULT_STATE_FORMAT);
  out.u8(value.temporality);
  out.u8(value.monotonic ? 1 : 0);
  const { group } = value;
  if (group.kind === 'additive') out.u8(ADDITIVE_TAG);
  else writeTaggedState(group.kind, group.state, out);
  return out.finish();
}

/** Inverse of {@link encodeResultState}. @throws StateCodecError on bytes it cannot read. */
export function decodeResultState(bytes: Uint8Array): ResultState {
  const input = new ByteReader(bytes);
  const format = input.u8();
  if (format !== RESULT_STATE_FORMAT) throw new StateCodecError(`unknown result state format ${format}`);
  const temporality = input.u8();
  if (temporality > 2) throw new StateCodecError(`result state: temporality ${temporality}`);
  const monotonic = input.u8();
  if (monotonic > 1) throw new StateCodecError(`result state: monotonic flag ${monotonic}`);
  let group: GroupState;
  if (bytes[3] === ADDITIVE_TAG) {
    input.u8();
    group = { kind: 'additive' };
  } else {
    group = readTaggedState(input);
  }
  if (!input.done) throw new StateCodecError('trailing bytes after result state');
  return { temporality, monotonic: monotonic === 1, group };
}

/**
 * What keeps two results apart besides their attributes — temporality, monotonicity and the state's
 * kind tag (0: additive) — read from the encoded bytes' header without decoding the state: what a
 * reader groups by before it merges. Results whose headers differ never merge.
 *
 * @example resultStateHeader(encodeResultState({ temporality: 1, monotonic: true, group })) // '1.1.<tag>'
 */
export function resultStateHeader(bytes: Uint8Array): string {
  return `${bytes[1] ?? ''}.${bytes[2] ?? ''}.${bytes[3] ?? ''}`;
}
