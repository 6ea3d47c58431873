import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalStats } from '#core/aggregate/contract.js';
import { finalizeWindow } from '#core/close/finalize-window.js';
import type { MergedSeries } from '#core/close/merge.js';
import {
  decodeResultState,
  encodeResultState,
  type ResultState,
  resultStateHeader,
  resultStateOf,
} from '#core/group/group-state.js';
import { type GroupMember, mergeGroup } from '#core/group/merge-group.js';
import type { MetricDescriptor, NormalizedPoint } from '#core/point.js';
import {
  counter,
  cumulativeHistogram,
  deltaExp,
  deltaHistogram,
  fold,
  gauge,
  HOUR,
  MINUTE,
  mergedOf,
  sid,
  summary,
  WS,
} from '../close/helpers.js';

const CONTEXT = { windowStartMs: WS, windowEndMs: WS + MINUTE, percentiles: [50, 90, 99] };
const GAUGE: MetricDescriptor = {
  name: 'g',
  unit: '',
  description: '',
  kind: 'gauge',
  temporality: 0,
  monotonic: false,
};

/** Finalizes each series' points as one window and returns the group members (through the codec). */
function members(perSeries: readonly (readonly NormalizedPoint[])[]): {
  members: GroupMember[];
  stats: FinalStats[];
} {
  const merged = new Map<string, MergedSeries>();
  for (const [i, points] of perSeries.entries()) merged.set(sid(i + 1), mergedOf('acme', sid(i + 1), points));
  const { results } = finalizeWindow({ merged, previous: new Map(), ...CONTEXT, carryForMs: HOUR });
  const out: GroupMember[] = [];
  for (const r of results) {
    if (r.group === undefined) continue;
    // As the query reads them: encoded in the result, decoded again.
    const decoded = decodeResultState(encodeResultState(resultStateOf(GAUGE, r.group)));
    out.push({ stats: r.stats, group: decoded.group });
  }
  return { members: out, stats: results.map((r) => r.stats) };
}

/** The stats of every series' points pooled into one state. */
function pooled(perSeries: readonly (readonly NormalizedPoint[])[]): FinalStats {
  const { kind, state } = fold(perSeries.flat());
  return kind.finalize(state, CONTEXT);
}

describe('mergeGroup', () => {
  it('gives the stats of the pooled values for gauges: exact count/sum/min/max, moments, sketch percentiles; last is the sum of the last values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (values) => {
          const perSeries = values.map((vs) => vs.map((v, i) => gauge(v, WS + 1 + i)));
          const { members: ms, stats } = members(perSeries);
          const merged = mergeGroup(ms, CONTEXT, DEFAULT_AGGREGATE_OPTIONS).stats;
          const expected = pooled(perSeries);
          expect(merged.count).toBe(expected.count);
          expect(merged.min).toBe(expected.min);
          expect(merged.max).toBe(expected.max);
          expect(merged.sum).toBeCloseTo(expected.sum ?? Number.NaN, 3);
          expect(merged.percentiles).toEqual(expected.percentiles);
          expect(merged.stddev ?? 0).toBeCloseTo(expected.stddev ?? 0, 3);
          const lastSum = stats.reduce((a, s) => a + (s.last ?? 0), 0);
          expect(merged.last).toBeCloseTo(lastSum, 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('pools delta histograms and exponential histograms exactly', () => {
    const hist = [
      [deltaHistogram([1, 5, 50], WS + 1)],
      [deltaHistogram([500, 2], WS + 2)],
      [deltaHistogram([7], WS + 3)],
    ];
    const h = mergeGroup(members(hist).members, CONTEXT, DEFAULT_AGGREGATE_OPTIONS);
    expect(h.stats).toEqual(pooled(hist));
    expect(h.mergedBounds).toBe(false);
    const exp = [[deltaExp([1.5, 2], WS + 1)], [deltaExp([3], WS + 2)]];
    expect(mergeGroup(members(exp).members, CONTEXT, DEFAULT_AGGREGATE_OPTIONS).stats).toEqual(pooled(exp));
  });

  it('adds cumulative counters and summaries (count, sum, rate, last), each from its own start', () => {
    // Two counters with different starts and values: increases 30 and 5 (first window: counted in full).
    const a = [counter(10, WS + 1, WS - HOUR), counter(40, WS + 5, WS - HOUR)];
    const b = [counter(100, WS + 2, WS - 2 * HOUR), counter(105, WS + 9, WS - 2 * HOUR)];
    const { members: ms, stats } = members([a, b]);
    expect(ms.every((m) => m.group.kind === 'additive')).toBe(true);
    const merged = mergeGroup(ms, CONTEXT, DEFAULT_AGGREGATE_OPTIONS).stats;
    expect(merged.count).toBe(4);
    expect(merged.sum).toBe((stats[0]?.sum ?? 0) + (stats[1]?.sum ?? 0));
    expect(merged.rate).toBeCloseTo((stats[0]?.rate ?? 0) + (stats[1]?.rate ?? 0), 12);
    expect(merged.last).toBe(145);
    // Fresh starts inside the window: counted in full.
    const sums = members([[summary(3, 30, WS + 1, WS)], [summary(2, 5, WS + 2, WS)]]);
    expect(mergeGroup(sums.members, CONTEXT, DEFAULT_AGGREGATE_OPTIONS).stats).toEqual({ count: 5, sum: 35 });
  });

  it('merges cumulative histograms by their increases, never their snapshots', () => {
    // Fresh starts inside the window: each series counted from its own start, in full.
    const a = [cumulativeHistogram([1, 2], WS + 1, WS), cumulativeHistogram([1, 2, 50, 60], WS + 5, WS)];
    const b = [cumulativeHistogram([500], WS + 2, WS + 1)];
    const { members: ms } = members([a, b]);
    expect(ms.map((m) => (m.group.kind === 'additive' ? 'additive' : m.group.kind.name))).toEqual([
      'histogram',
      'histogram',
    ]);
    const merged = mergeGroup(ms, CONTEXT, DEFAULT_AGGREGATE_OPTIONS).stats;
    // Series a counted from its start: its latest snapshot (4 values); b: 1 value.
    expect(merged.count).toBe(5);
    expect(merged.sum).toBe(1 + 2 + 50 + 60 + 500);
  });

  it('says when explicit histograms of different bounds were merged onto the bounds they share', () => {
    const a = deltaHistogram([1, 5, 50], WS + 1);
    const other = {
      ...deltaHistogram([5], WS + 2),
      bounds: [0, 10],
      bucketCounts: [0, 1, 0],
    } as NormalizedPoint;
    const merged = mergeGroup(members([[a], [other]]).members, CONTEXT, DEFAULT_AGGREGATE_OPTIONS);
    expect(merged.mergedBounds).toBe(true);
    expect(merged.stats.count).toBe(4);
    expect(merged.stats.buckets?.bounds).toEqual([0, 10]);
  });

  it('refuses members of different kinds', () => {
    const g = members([[gauge(1, WS + 1)]]).members;
    const h = members([[deltaHistogram([1], WS + 1)]]).members;
    expect(() => mergeGroup([...g, ...h], CONTEXT, DEFAULT_AGGREGATE_OPTIONS)).toThrow(/different kinds/);
  });
});

/** The oracle for the header: the same key worked out from the decoded value. */
function groupKindKey(value: ResultState): string {
  const tag = value.group.kind === 'additive' ? 0 : value.group.kind.tag;
  return `${value.temporality}.${value.monotonic ? 1 : 0}.${tag}`;
}

describe('result state codec', () => {
  it('round-trips and keeps temporality and monotonicity apart in the group kind key', () => {
    const [g] = members([[gauge(3, WS + 1)]]).members;
    if (g === undefined) throw new Error('no member');
    const delta = resultStateOf({ ...GAUGE, kind: 'sum', temporality: 1, monotonic: true }, g.group);
    const cumulative = resultStateOf({ ...GAUGE, kind: 'sum', temporality: 2, monotonic: false }, g.group);
    expect(decodeResultState(encodeResultState(delta)).temporality).toBe(1);
    expect(groupKindKey(delta)).not.toBe(groupKindKey(cumulative));
    expect(groupKindKey(decodeResultState(encodeResultState(cumulative)))).toBe(groupKindKey(cumulative));
    // Readers group by the header without decoding: the same key.
    for (const value of [delta, cumulative])
      expect(resultStateHeader(encodeResultState(value))).toBe(groupKindKey(value));
    const additive = resultStateOf(
      { ...GAUGE, kind: 'sum', temporality: 2, monotonic: true },
      { kind: 'additive' },
    );
    expect(resultStateHeader(encodeResultState(additive))).toBe(groupKindKey(additive));
  });

  it('refuses bytes it cannot read', () => {
    expect(() => decodeResultState(new Uint8Array([9, 0, 0, 0]))).toThrow(/format/);
    expect(() => decodeResultState(new Uint8Array([1, 7, 0, 0]))).toThrow(/temporality/);
    expect(() => decodeResultState(new Uint8Array([1, 0, 0, 0, 0]))).toThrow(/trailing/);
    expect(() => decodeResultState(new Uint8Array([1, 0, 0]))).toThrow();
  });
});
