import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { type SummaryState, summaryKind } from '#core/aggregate/summary.js';
import { ByteReader } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';
import type { SummaryPoint } from '#core/point.js';
import {
  closeStats,
  DEFAULT_LAW_CONTEXT,
  describeAggregateLaws,
  encodeState,
  foldPoints,
} from '../../support/aggregate-laws.js';
import { exactSum, seededRandom } from '../../support/oracles.js';
import {
  numberPoint,
  smallIntegerArb,
  summaryPoint,
  summaryPointArb,
  timeArb,
  WINDOW_START_MS,
} from '../../support/points.js';

const options = DEFAULT_AGGREGATE_OPTIONS;
const context = DEFAULT_LAW_CONTEXT;
const u = Number.EPSILON / 2;

function fold(points: readonly SummaryPoint[]): SummaryState {
  return foldPoints(summaryKind, points, options);
}

describe('Class: summaryKind', () => {
  describeAggregateLaws({ kind: summaryKind, points: summaryPointArb(), deterministicBytes: true });
  describeAggregateLaws({
    kind: summaryKind,
    label: 'integer sums, spread timestamps',
    points: summaryPointArb({ sums: smallIntegerArb, times: timeArb() }),
    compare: closeStats({ sum: 'exact' }),
    deterministicBytes: true,
  });

  describe('Method: finalize', () => {
    it('reports the total count exactly and the total sum to round-off, nothing else', () => {
      fc.assert(
        fc.property(fc.array(summaryPointArb(), { minLength: 1, maxLength: 100 }), (points) => {
          const stats = summaryKind.finalize(fold(points), context);
          const sum = exactSum(points.map((p) => p.sum));
          const absSum = exactSum(points.map((p) => Math.abs(p.sum)));
          expect(Object.keys(stats).sort()).toEqual(['count', 'sum']);
          expect(stats.count).toBe(points.reduce((n, p) => n + p.count, 0));
          expect(Math.abs((stats.sum ?? Number.NaN) - sum)).toBeLessThanOrEqual(
            2 * u * Math.abs(sum) + 4 * points.length * u * u * absSum,
          );
        }),
      );
    });

    it('reports only count 0 when empty, and a sum for points without observations', () => {
      expect(summaryKind.finalize(summaryKind.empty(), context)).toEqual({ count: 0 });
      expect(summaryKind.finalize(fold([summaryPoint(0, 0)]), context)).toEqual({ count: 0, sum: 0 });
    });

    it('adds deltas: 3 observations summing to 0.9 and 1 summing to 0.2', () => {
      const merged = summaryKind.merge(fold([summaryPoint(3, 0.9)]), fold([summaryPoint(1, 0.2)]), options);
      const stats = summaryKind.finalize(merged, context);
      expect(stats.count).toBe(4);
      expect(stats.sum).toBeCloseTo(1.1, 15);
    });
  });

  describe('Method: merge', () => {
    it('tracks the first and last point times whatever the order and grouping', () => {
      fc.assert(
        fc.property(
          fc.array(summaryPointArb({ times: timeArb() }), { minLength: 1, maxLength: 30 }),
          fc.nat(),
          (points, seed) => {
            const random = seededRandom(seed);
            const shuffled = [...points].sort(() => random() - 0.5);
            const cut = Math.floor(random() * (shuffled.length + 1));
            const state = summaryKind.merge(fold(shuffled.slice(cut)), fold(shuffled.slice(0, cut)), options);
            const byTime = [...points].sort((a, b) => a.timeMs - b.timeMs || a.timeNs - b.timeNs);
            expect(state.first).toEqual({ timeMs: byTime[0]?.timeMs, timeNs: byTime[0]?.timeNs });
            expect(state.last).toEqual({ timeMs: byTime.at(-1)?.timeMs, timeNs: byTime.at(-1)?.timeNs });
            expect(state.points).toBe(points.length);
          },
        ),
      );
    });
  });

  describe('Method: add', () => {
    it('refuses points of another type and drops malformed counts and sums', () => {
      const state = summaryKind.empty();
      expect(() => summaryKind.add(state, numberPoint(1), options)).toThrow(/number/);
      for (const [count, sum] of [
        [-1, 1],
        [1.5, 1],
        [Number.NaN, 1],
        [1, Number.NaN],
        [1, Number.POSITIVE_INFINITY],
      ] as const) {
        summaryKind.add(state, summaryPoint(count, sum), options);
      }
      expect(state.points).toBe(0);
    });
  });

  describe('Method: encode', () => {
    it('keeps a one-point state to about a dozen bytes', () => {
      const t = { timeMs: WINDOW_START_MS + 1234, timeNs: 0 };
      expect(encodeState(summaryKind, fold([summaryPoint(12, 340, t)])).length).toBeLessThanOrEqual(13);
      expect(encodeState(summaryKind, fold([summaryPoint(12, 3.4, t)])).length).toBeLessThanOrEqual(20);
      expect(encodeState(summaryKind, summaryKind.empty()).length).toBe(2);
    });
  });

  describe('Method: decode', () => {
    it('rejects unknown versions and flags with StateCodecError', () => {
      const bytes = encodeState(summaryKind, fold([summaryPoint(2, 1.5)]));
      for (const header of [0x00, 0x20, 0x14, 0x13]) {
        const corrupt = bytes.slice();
        corrupt[0] = header;
        expect(() => summaryKind.decode(new ByteReader(corrupt))).toThrow(StateCodecError);
      }
    });
  });
});
