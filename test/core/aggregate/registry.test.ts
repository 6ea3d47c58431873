import { describe, expect, it } from 'vitest';
import {
  cumulativeKind,
  DEFAULT_AGGREGATE_OPTIONS,
  decodeTaggedState,
  encodeTaggedState,
  expHistogramKind,
  histogramKind,
  kindForPoint,
  numberKind,
  readTaggedState,
  writeTaggedState,
} from '#core/aggregate/index.js';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';
import type { NormalizedPoint } from '#core/point.js';
import { expOfValues, histogramOfValues } from '../../support/histogram-points.js';
import { metricContext, numberPoint, summaryPoint } from '../../support/points.js';

const delta = 1;
const cumulative = 2;

describe('Function: kindForPoint', () => {
  it.each([
    ['gauge', numberPoint(1, { context: metricContext({ kind: 'gauge' }) }), numberKind],
    [
      'delta sum',
      numberPoint(1, { context: metricContext({ kind: 'sum', temporality: delta }) }),
      numberKind,
    ],
    [
      'cumulative monotonic sum',
      numberPoint(1, { context: metricContext({ kind: 'sum', temporality: cumulative, monotonic: true }) }),
      cumulativeKind,
    ],
    [
      'cumulative UpDownCounter (a level)',
      numberPoint(1, { context: metricContext({ kind: 'sum', temporality: cumulative, monotonic: false }) }),
      numberKind,
    ],
    [
      'delta histogram',
      histogramOfValues([1, 2], [5], { context: metricContext({ kind: 'histogram', temporality: delta }) }),
      histogramKind,
    ],
    [
      'cumulative histogram',
      histogramOfValues([1, 2], [5], {
        context: metricContext({ kind: 'histogram', temporality: cumulative }),
      }),
      cumulativeKind,
    ],
    [
      'delta exponential histogram',
      expOfValues([{ sign: 1, x: 1.5 }], 3, {
        context: metricContext({ kind: 'exponentialHistogram', temporality: delta }),
      }),
      expHistogramKind,
    ],
    [
      'cumulative exponential histogram',
      expOfValues([{ sign: 1, x: 1.5 }], 3, {
        context: metricContext({ kind: 'exponentialHistogram', temporality: cumulative }),
      }),
      cumulativeKind,
    ],
    ['summary (cumulative by definition)', summaryPoint(3, 6), cumulativeKind],
  ] as [string, NormalizedPoint, unknown][])('routes a %s', (_name, point, kind) => {
    expect(kindForPoint(point)).toBe(kind);
  });
});

describe('Function: encodeTaggedState / decodeTaggedState', () => {
  const points: NormalizedPoint[] = [
    numberPoint(42.5),
    numberPoint(7, {
      context: metricContext({ kind: 'sum', temporality: cumulative, monotonic: true }),
      startMs: 1,
    }),
    histogramOfValues([1, 20, 300], [10, 100]),
    expOfValues([{ sign: 1, x: 2.25 }, { sign: -1, x: 0.5 }, { sign: 0 }], 4),
  ];

  it.each(points.map((p) => [p.type, p] as const))('round-trips a %s state with its tag', (_type, point) => {
    const kind = kindForPoint(point);
    const state = kind.empty();
    kind.add(state, point, DEFAULT_AGGREGATE_OPTIONS);
    const bytes = encodeTaggedState(kind, state);
    const decoded = decodeTaggedState(bytes);
    expect(decoded.kind).toBe(kind);
    expect(encodeTaggedState(decoded.kind, decoded.state)).toEqual(bytes);
  });

  it('reads several states packed back to back', () => {
    const out = new ByteWriter();
    for (const point of points) {
      const kind = kindForPoint(point);
      const state = kind.empty();
      kind.add(state, point, DEFAULT_AGGREGATE_OPTIONS);
      writeTaggedState(kind, state, out);
    }
    const input = new ByteReader(out.finish());
    const kinds = points.map(() => readTaggedState(input).kind);
    expect(kinds).toEqual(points.map(kindForPoint));
    expect(input.done).toBe(true);
  });

  it('refuses an unknown tag, trailing bytes and truncation with StateCodecError', () => {
    expect(() => decodeTaggedState(Uint8Array.of(5, 0))).toThrow(/unknown aggregate state tag 5/);
    const bytes = encodeTaggedState(numberKind, numberKind.empty());
    expect(() => decodeTaggedState(Uint8Array.of(...bytes, 0))).toThrow(StateCodecError);
    expect(() => decodeTaggedState(new Uint8Array())).toThrow(StateCodecError);
  });
});
