/**
 * Aggregate-add benchmark: the cost of folding decoded points into SHORT-lived states, the shape of
 * a request's pre-aggregation (one state per series-window, typically 1–20 points). Every figure
 * includes state (and sketch) creation: a new empty state every `POINTS_PER_STATE` adds.
 *
 * Points come from the decode benchmark's workload (500 series × 20 points; 40% gauges, 40% delta
 * sums, 20% delta explicit-bucket histograms with 15 bounds), grouped by series so that one state
 * holds one series' points, as in pre-aggregation.
 *
 * `npx tsx test/bench/aggregate-adds.ts` prints the table (best of 3 rounds; the machine is shared).
 */
import { pathToFileURL } from 'node:url';
import {
  type AggregateKind,
  DEFAULT_AGGREGATE_OPTIONS,
  histogramKind,
  kindForPoint,
  type NumberState,
  numberKind,
} from '#core/aggregate/index.js';
import { ByteWriter } from '#core/codec/bytes.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import type { NormalizedPoint } from '#core/point.js';
import { makeWorkload } from './decode.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

const POINTS_PER_STATE = 20;
const options = DEFAULT_AGGREGATE_OPTIONS;

/** The points of one kind, grouped by series (stable: time order within a series). */
function pointsOfKind(points: readonly NormalizedPoint[], kind: AggregateKind<unknown>): NormalizedPoint[] {
  const bySeries = new Map<string, NormalizedPoint[]>();
  for (const p of points) {
    if (kindForPoint(p) !== kind) continue;
    const key = `${p.context.key}\u0000${p.attributes.key}`;
    const list = bySeries.get(key);
    if (list === undefined) bySeries.set(key, [p]);
    else list.push(p);
  }
  return [...bySeries.values()].flat();
}

/** Best of three interleaved rounds: one round can land in another process's CPU burst. */
function best(fns: readonly (() => void)[], opsPerCall: readonly number[]): number[] {
  const rates = fns.map(() => 0);
  for (let round = 0; round < 3; round++) {
    fns.forEach((fn, i) => {
      rates[i] = Math.max(rates[i] ?? 0, opsPerSecond(fn, opsPerCall[i] as number, 300));
    });
  }
  return rates;
}

/** Folds `points` into states of `perState` points each; returns the states. */
function fold<S>(kind: AggregateKind<S>, points: readonly NormalizedPoint[], perState: number): S[] {
  const states: S[] = [];
  for (let i = 0; i < points.length; i += perState) {
    const state = kind.empty();
    const end = Math.min(points.length, i + perState);
    for (let j = i; j < end; j++) kind.add(state, points[j] as NormalizedPoint, options);
    states.push(state);
  }
  return states;
}

/**
 * ns per add for number and histogram points in states of 20 (creation included), `empty()` + one
 * add, and — on the 20-point states those folds produce — ns per number `merge` (two states into a
 * new one), per number `mergeInto` an empty state, and per `encode` of either kind.
 */
export function addsBench(): BenchFigure[] {
  const w = makeWorkload();
  const d = decodeOtlpProtobuf(w.protobuf, w.normalizeOptions);
  const numbers = pointsOfKind(d.points, numberKind as AggregateKind<unknown>);
  const histograms = pointsOfKind(d.points, histogramKind as AggregateKind<unknown>);
  if (numbers.length + histograms.length !== d.points.length) throw new Error('unexpected point kinds');

  const numberStates = fold(numberKind, numbers, POINTS_PER_STATE);
  const histogramStates = fold(histogramKind, histograms, POINTS_PER_STATE);
  let sink = 0;

  const [
    numberAdd,
    histogramAdd,
    numberSingle,
    histogramSingle,
    numberMerge,
    numberMergeEmpty,
    numberEncode,
    histogramEncode,
  ] = best(
    [
      () => {
        sink += fold(numberKind, numbers, POINTS_PER_STATE).length;
      },
      () => {
        sink += fold(histogramKind, histograms, POINTS_PER_STATE).length;
      },
      () => {
        sink += fold(numberKind, numbers, 1).length;
      },
      () => {
        sink += fold(histogramKind, histograms, 1).length;
      },
      () => {
        // merge of two 20-point states (a new state; both untouched): the close path.
        for (let i = 1; i < numberStates.length; i++) {
          sink += numberKind.merge(
            numberStates[i - 1] as NumberState,
            numberStates[i] as NumberState,
            options,
          ).count;
        }
      },
      () => {
        // mergeInto an empty target: the first partial of a series-window at close.
        for (const s of numberStates) {
          const target = numberKind.empty();
          numberKind.mergeInto(target, s, options);
          sink += target.count;
        }
      },
      () => {
        // One writer per partial, as pre-aggregation packs a request's states (64 KB holds them all).
        const out = new ByteWriter(1 << 16);
        for (const s of numberStates) numberKind.encode(s, out);
        sink += out.length;
      },
      () => {
        const out = new ByteWriter(1 << 16);
        for (const s of histogramStates) histogramKind.encode(s, out);
        sink += out.length;
      },
    ],
    [
      numbers.length,
      histograms.length,
      numbers.length,
      histograms.length,
      numberStates.length - 1,
      numberStates.length,
      numberStates.length,
      histogramStates.length,
    ],
  ) as [number, number, number, number, number, number, number, number];
  if (sink === 0) throw new Error('nothing measured');

  const ns = (perSecond: number) => 1e9 / perSecond;
  return [
    figure(`number add, states of ${POINTS_PER_STATE} (creation included)`, ns(numberAdd), 'ns/add'),
    figure(`histogram add, states of ${POINTS_PER_STATE} (creation included)`, ns(histogramAdd), 'ns/add'),
    figure('number empty() + one add', ns(numberSingle), 'ns/state'),
    figure('histogram empty() + one add', ns(histogramSingle), 'ns/state'),
    figure(`number merge of two ${POINTS_PER_STATE}-point states`, ns(numberMerge), 'ns/merge'),
    figure(`number mergeInto(empty, ${POINTS_PER_STATE}-point state)`, ns(numberMergeEmpty), 'ns/merge'),
    figure(`number encode, ${POINTS_PER_STATE}-point state`, ns(numberEncode), 'ns/state'),
    figure(`histogram encode, ${POINTS_PER_STATE}-point state`, ns(histogramEncode), 'ns/state'),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(
    addsBench().map((f) => ({ name: f.name, value: Number(f.value.toPrecision(4)), unit: f.unit })),
  );
}
