import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { cumulativeKind } from '#core/aggregate/cumulative.js';
import { kindForPoint } from '#core/aggregate/registry.js';
import { type MergedSeries, WindowMerger } from '#core/close/merge.js';
import { StateCodecError, WindrowError } from '#core/errors.js';
import type { NormalizedPoint } from '#core/point.js';
import { packStates, packStatesChunked } from '#core/preaggregate/partial-codec.js';
import { expPointArb, histogramPointArb } from '../../support/histogram-points.js';
import { numberPointArb, timeArb } from '../../support/points.js';
import { closeStats } from '../../support/stats-compare.js';
import {
  BOUNDS,
  contexts,
  counter,
  deltaHistogram,
  fold,
  gauge,
  HOUR,
  hex,
  MINUTE,
  mergedOf,
  packed,
  sid,
  stateHex,
  WS,
} from './helpers.js';

const context = { windowStartMs: WS, windowEndMs: WS + MINUTE, percentiles: [0, 50, 90, 99, 100] };
const compare = closeStats();

const startArb = fc.constantFrom(0, WS - HOUR, WS + 1, WS + 20_000);

/** One arbitrary per series: each series' points are of one kind, as series identity guarantees. */
const SERIES: readonly { tenant: string; seriesId: string; points: fc.Arbitrary<NormalizedPoint> }[] = [
  { tenant: 'acme', seriesId: sid(1), points: numberPointArb({ times: timeArb() }) },
  { tenant: 'acme', seriesId: sid(2), points: numberPointArb({ kind: 'sum' }) },
  {
    tenant: 'acme',
    seriesId: sid(3),
    points: fc
      .tuple(fc.nat({ max: 10_000 }), timeArb({ ties: true }), startArb)
      .map(([v, t, s]) => counter(v, t.timeMs, s)),
  },
  { tenant: 'beta', seriesId: sid(4), points: histogramPointArb() },
  { tenant: 'beta', seriesId: sid(5), points: expPointArb() },
  {
    tenant: '',
    seriesId: sid(6),
    points: fc
      .tuple(histogramPointArb({ bounds: fc.constant(BOUNDS) }), startArb)
      .map(([p, startMs]) => ({ ...p, context: contexts.cumulativeHistogram, startMs })),
  },
];

/** Per series, its points each with the pack (0…3) it lands in. */
const workloadArb = fc.tuple(
  ...SERIES.map((s) => fc.array(fc.tuple(s.points, fc.nat({ max: 3 })), { maxLength: 12 })),
);

type Workload = [NormalizedPoint, number][][];

/** The packs of a workload: per pack, every series with points in it, folded and packed. */
function packsOf(workload: Workload, maxChunkBytes = Number.POSITIVE_INFINITY): Uint8Array[] {
  const packs: Uint8Array[] = [];
  for (let pack = 0; pack < 4; pack++) {
    const entries = [];
    for (const [i, series] of SERIES.entries()) {
      const points = (workload[i] ?? []).filter(([, p]) => p === pack).map(([point]) => point);
      if (points.length > 0) entries.push(packed(mergedOf(series.tenant, series.seriesId, points)));
    }
    if (entries.length > 0) packs.push(...packStatesChunked(entries, maxChunkBytes));
  }
  return packs;
}

/** Checks the merger's result against folding every point of each series into one state. */
function expectFoldOfAll(result: ReadonlyMap<string, MergedSeries>, workload: Workload): void {
  const expectedIds: string[] = [];
  for (const [i, series] of SERIES.entries()) {
    const points = (workload[i] ?? []).map(([p]) => p);
    if (points.length === 0) continue;
    expectedIds.push(series.seriesId);
    const expected = fold(points);
    const actual = result.get(series.seriesId);
    expect(actual?.tenant).toBe(series.tenant);
    expect(actual?.kind).toBe(expected.kind);
    expect(actual?.kind).toBe(kindForPoint(points[0] as NormalizedPoint));
    if (actual === undefined) continue;
    if (expected.kind === cumulativeKind) {
      // Cumulative states are a function of the set of points: exactly equal, byte for byte.
      expect(stateHex(actual)).toBe(stateHex(expected));
    } else {
      compare(
        actual.kind.finalize(actual.state, context),
        expected.kind.finalize(expected.state, context),
        context,
      );
    }
  }
  expect([...result.keys()].sort()).toEqual(expectedIds);
}

describe('WindowMerger', () => {
  it('merging the packs of a window equals folding all its points into one state per series', () => {
    fc.assert(
      fc.property(workloadArb, (workload) => {
        const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
        const packs = packsOf(workload);
        for (const pack of packs) merger.addPack(pack);
        expectFoldOfAll(merger.result(), workload);
        expect(merger.size).toBe(merger.result().size);
      }),
      { numRuns: 150 },
    );
  });

  it('the order the packs arrive in does not matter, and their bytes are never changed', () => {
    fc.assert(
      fc.property(
        workloadArb.chain((w) => {
          const packs = packsOf(w, 300);
          return fc.tuple(
            fc.constant(w),
            fc.constant(packs),
            fc.shuffledSubarray(packs, { minLength: packs.length, maxLength: packs.length }),
          );
        }),
        ([workload, packs, shuffled]) => {
          const before = packs.map(hex);
          const forward = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
          for (const pack of packs) forward.addPack(pack);
          const permuted = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
          for (const pack of shuffled) permuted.addPack(pack);
          expectFoldOfAll(permuted.result(), workload);
          for (const [id, series] of forward.result()) {
            const other = permuted.result().get(id);
            expect(other?.kind).toBe(series.kind);
            if (other === undefined) continue;
            if (series.kind === cumulativeKind) expect(stateHex(other)).toBe(stateHex(series));
            else {
              compare(
                other.kind.finalize(other.state, context),
                series.kind.finalize(series.state, context),
                context,
              );
            }
          }
          expect(packs.map(hex)).toEqual(before);
          expect(permuted.entries).toBe(forward.entries);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts entries across packs and keeps one result per series', () => {
    const a = mergedOf('acme', sid(1), [gauge(1, WS), gauge(2, WS + 1)]);
    const b = mergedOf('acme', sid(1), [gauge(3, WS + 2)]);
    const c = mergedOf('acme', sid(2), [counter(5, WS + 3, WS - HOUR)]);
    const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
    merger.addPack(packStates([packed(a), packed(c)]));
    merger.addPack(packStates([packed(b)]));
    merger.addPack(packStates([]));
    expect(merger.entries).toBe(3);
    expect(merger.size).toBe(2);
    const stats = merger
      .result()
      .get(sid(1))
      ?.kind.finalize(merger.result().get(sid(1))?.state, context);
    expect(stats).toMatchObject({ count: 3, sum: 6, min: 1, max: 3, last: 3 });
  });

  it('throws StateCodecError when one series id has states of two kinds', () => {
    const number = mergedOf('acme', sid(1), [gauge(1, WS)]);
    const histogram = { ...mergedOf('acme', sid(1), [deltaHistogram([1], WS)]) };
    const cumulative = mergedOf('acme', sid(1), [counter(1, WS, WS - HOUR)]);
    for (const [first, second] of [
      [number, histogram],
      [histogram, number],
      [number, cumulative],
      [cumulative, histogram],
    ] as const) {
      const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
      merger.addPack(packStates([packed(first)]));
      expect(() => merger.addPack(packStates([packed(second)]))).toThrow(StateCodecError);
      expect(() => merger.addPack(packStates([packed(second)]))).toThrow(/one series has one kind/);
      const direct = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
      direct.add(first);
      expect(() => direct.add(second)).toThrow(StateCodecError);
    }
  });

  it('throws StateCodecError when one series id comes with two tenants', () => {
    const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
    merger.add(mergedOf('acme', sid(1), [gauge(1, WS)]));
    expect(() => merger.add(mergedOf('beta', sid(1), [gauge(2, WS)]))).toThrow(StateCodecError);
  });

  it('a cumulative sum and a cumulative histogram under one id are refused (a WindrowError)', () => {
    // Both are the cumulative kind, so the merger's kind check passes; the kind itself refuses.
    const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
    merger.add(mergedOf('acme', sid(1), [counter(1, WS, WS - HOUR)]));
    const histogram = mergedOf('acme', sid(1), [
      { ...deltaHistogram([1], WS), context: contexts.cumulativeHistogram },
    ]);
    expect(histogram.kind).toBe(cumulativeKind);
    expect(() => merger.add(histogram)).toThrow(WindrowError);
  });

  it('throws StateCodecError on corrupt packs, and leaves earlier series in place', () => {
    const good = packStates([packed(mergedOf('acme', sid(1), [gauge(1, WS)]))]);
    const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
    merger.addPack(good);
    expect(() => merger.addPack(good.slice(0, good.length - 1))).toThrow(StateCodecError);
    expect(() => merger.addPack(new Uint8Array([99]))).toThrow(StateCodecError);
    expect(merger.size).toBe(1);
  });
});
