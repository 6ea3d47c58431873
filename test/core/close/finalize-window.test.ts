import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cumulativeKind } from '#core/aggregate/cumulative.js';
import { type ClosedEntry, decodeClosedState, encodeClosedState } from '#core/close/closed-state.js';
import { type FinalizedWindow, finalizeWindow } from '#core/close/finalize-window.js';
import type { MergedSeries } from '#core/close/merge.js';
import type { NormalizedPoint } from '#core/point.js';
import {
  counter,
  cumulativeHistogram,
  deltaExp,
  deltaHistogram,
  gauge,
  HOUR,
  MINUTE,
  mergedOf,
  sid,
  summary,
  WS,
} from './helpers.js';

const DAY = 24 * HOUR;
const window = (i: number) => ({ windowStartMs: WS + i * MINUTE, windowEndMs: WS + (i + 1) * MINUTE });

function finalize(
  merged: readonly MergedSeries[],
  previous: readonly ClosedEntry[],
  i: number,
  carryForMs = HOUR,
): FinalizedWindow {
  return finalizeWindow({
    merged: new Map(merged.map((m) => [m.seriesId, m])),
    previous: new Map(previous.map((e) => [e.seriesId, e])),
    ...window(i),
    percentiles: [50, 99],
    carryForMs,
  });
}

/** Through the closed-state codec, as closeWindow stores and reads it. */
function stored(closed: readonly ClosedEntry[]): ClosedEntry[] {
  return decodeClosedState(encodeClosedState(closed, 200));
}

/**
 * Closes windows 0…n−1 of one series in order, each with the previous window's (stored) closed
 * state; returns each window's result for the series (undefined when it had no data) and closed entry.
 */
function closeInOrder(pointsByWindow: readonly (readonly NormalizedPoint[])[], carryForMs = HOUR) {
  let previous: ClosedEntry[] = [];
  const out = [];
  for (const [i, points] of pointsByWindow.entries()) {
    const merged = points.length > 0 ? [mergedOf('acme', sid(1), points)] : [];
    const { results, closed } = finalize(merged, previous, i, carryForMs);
    out.push({ stats: results[0]?.stats, closed: closed[0] });
    previous = stored(closed);
  }
  return out;
}

describe('finalizeWindow', () => {
  describe('cumulative carry', () => {
    const t = (i: number, s: number) => WS + i * MINUTE + s * 1000;

    it('a counter over windows 0…3 (10, 25, quiet, 40): increases add up to its total increase', () => {
      // Fresh start (the process started in window 0): the first value counts in full.
      const start = t(0, 5);
      const fresh = closeInOrder([
        [counter(10, t(0, 10), start)],
        [counter(25, t(1, 10), start)],
        [],
        [counter(40, t(3, 10), start)],
      ]);
      expect(fresh.map((w) => w.stats?.sum)).toEqual([10, 15, undefined, 15]);
      expect(fresh.reduce((a, w) => a + (w.stats?.sum ?? 0), 0)).toBe(40);
      expect(fresh[3]?.stats).toMatchObject({ count: 1, sum: 15, rate: 0.25, last: 40 });
      // The quiet window keeps the carry alone: no state, no result.
      expect(fresh[2]?.closed).toEqual({
        tenant: 'acme',
        seriesId: sid(1),
        carry: { snapshot: 'sum', startMs: start, startNs: 0, timeMs: t(1, 10), timeNs: 0, value: 25 },
      });
      expect(fresh[3]?.closed?.carry).toMatchObject({ timeMs: t(3, 10), value: 40 });

      // Started long before windrow saw it: the history before the first value is not a window's.
      const old = WS - DAY;
      const running = closeInOrder([
        [counter(10, t(0, 10), old)],
        [counter(25, t(1, 10), old)],
        [],
        [counter(40, t(3, 10), old)],
      ]);
      expect(running.map((w) => w.stats?.sum)).toEqual([0, 15, undefined, 15]);
      expect(running.reduce((a, w) => a + (w.stats?.sum ?? 0), 0)).toBe(40 - 10);
    });

    it('several points a window, split across windows anywhere, sum to the total increase', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }),
          fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 30, maxLength: 30 }),
          (steps, windows) => {
            // A monotonic counter: value_k = Σ steps[0..k]; point k lands in window Σ windows[0..k] (≤ 150 windows).
            const start = WS - DAY;
            const byWindow: NormalizedPoint[][] = [];
            let value = 0;
            let w = 0;
            for (const [k, step] of steps.entries()) {
              value += step;
              w += windows[k] ?? 0;
              while (byWindow.length <= w) byWindow.push([]);
              byWindow[w]?.push(counter(value, t(w, 1 + (k % 50)), start));
            }
            const total = closeInOrder(byWindow, DAY).reduce((a, x) => a + (x.stats?.sum ?? 0), 0);
            expect(total).toBe(value - (steps[0] ?? 0));
          },
        ),
        { numRuns: 100 },
      );
    });

    it("keeps a quiet series' carry while it is younger than carryForMs, and drops it after", () => {
      const seen = t(0, 10);
      const points = [[counter(7, seen, WS - DAY)], [], [], []];
      // At the end of window 1 the carry is window(1).end − seen = 110 s old.
      const age = window(1).windowEndMs - seen;
      const exactly = closeInOrder(points, age);
      expect(exactly.map((w) => w.closed?.carry?.timeMs)).toEqual([seen, seen, undefined, undefined]);
      expect(exactly[2]?.closed).toBeUndefined();
      const tooOld = closeInOrder(points, age - 1);
      expect(tooOld.map((w) => w.closed?.carry?.timeMs)).toEqual([seen, undefined, undefined, undefined]);
      const long = closeInOrder(points, HOUR);
      expect(long.map((w) => w.closed?.carry?.timeMs)).toEqual([seen, seen, seen, seen]);
    });

    it('a series that comes back after its carry was dropped is measured as if seen for the first time', () => {
      const windows = closeInOrder(
        [[counter(100, t(0, 1), WS - DAY)], [], [], [counter(130, t(3, 1), WS - DAY)]],
        MINUTE,
      );
      expect(windows[2]?.closed).toBeUndefined();
      // Its start is old, so the first value after the gap is not counted: the 30 is lost, never doubled.
      expect(windows[3]?.stats?.sum).toBe(0);
      // With the carry kept (carryForMs long enough) the increase is measured from it.
      const kept = closeInOrder(
        [[counter(100, t(0, 1), WS - DAY)], [], [], [counter(130, t(3, 1), WS - DAY)]],
        HOUR,
      );
      expect(kept[3]?.stats?.sum).toBe(30);
    });

    it('a counter reset (a new start time) inside a window: increase from the carry, then the new run in full', () => {
      const s1 = WS - HOUR;
      const s2 = t(1, 35);
      const windows = closeInOrder([
        [counter(100, t(0, 50), s1)],
        [
          counter(110, t(1, 10), s1),
          counter(120, t(1, 30), s1),
          counter(3, t(1, 40), s2),
          counter(8, t(1, 50), s2),
        ],
        [counter(12, t(2, 10), s2)],
      ]);
      expect(windows[1]?.stats).toMatchObject({ count: 4, sum: 10 + 10 + 3 + 5, last: 8 });
      // The next window's baseline is the restarted run's last value.
      expect(windows[1]?.closed?.carry).toEqual({
        snapshot: 'sum',
        startMs: s2,
        startNs: 0,
        timeMs: t(1, 50),
        timeNs: 0,
        value: 8,
      });
      expect(windows[2]?.stats?.sum).toBe(4);
    });

    it('a reset across windows: the new start time after the carry counts in full', () => {
      const windows = closeInOrder([[counter(500, t(0, 10), WS - HOUR)], [counter(7, t(1, 20), t(1, 5))]]);
      expect(windows[1]?.stats?.sum).toBe(7);
    });

    it('carries cumulative histograms and summaries too, and an empty cumulative state keeps the baseline', () => {
      const s = WS - HOUR;
      const previous = stored(
        finalize(
          [
            mergedOf('acme', sid(1), [cumulativeHistogram([1, 20], t(0, 5), s)]),
            mergedOf('acme', sid(2), [summary(2, 10, t(0, 5), s)]),
          ],
          [],
          0,
        ).closed,
      );
      const { results, closed } = finalize(
        [
          mergedOf('acme', sid(1), [cumulativeHistogram([1, 20, 300], t(1, 5), s)]),
          mergedOf('acme', sid(2), [summary(5, 16, t(1, 5), s)]),
          // A merged but empty cumulative state (points dropped): the baseline is carried on.
          { tenant: 'acme', seriesId: sid(3), kind: cumulativeKind, state: cumulativeKind.empty() },
        ],
        [
          ...previous,
          {
            tenant: 'acme',
            seriesId: sid(3),
            carry: { ...(previous[1]?.carry as NonNullable<ClosedEntry['carry']>) },
          },
        ],
        1,
      );
      expect(results.map((r) => r.stats)).toMatchObject([
        { count: 1, sum: 300, buckets: { bounds: [0, 10, 100, 1000], counts: [0, 0, 0, 1, 0] } },
        { count: 3, sum: 6 },
        { count: 0 },
      ]);
      expect(closed.map((e) => e.carry?.snapshot)).toEqual(['histogram', 'summary', 'summary']);
      expect(closed[2]?.carry).toEqual(previous[1]?.carry);
    });
  });

  it('non-cumulative series have no carry, and are not carried over when quiet', () => {
    const merged = [
      mergedOf('acme', sid(1), [gauge(1, WS + 1)]),
      mergedOf('acme', sid(2), [deltaHistogram([1, 2], WS + 1)]),
      mergedOf('acme', sid(3), [deltaExp([1.5], WS + 1)]),
      mergedOf('acme', sid(4), [counter(1, WS + 1, WS - HOUR)]),
    ];
    const first = finalize(merged, [], 0);
    expect(first.closed.map((e) => 'carry' in e)).toEqual([false, false, false, true]);
    expect(first.closed.map((e) => e.merged?.seriesId)).toEqual([sid(1), sid(2), sid(3), sid(4)]);
    const second = finalize([], stored(first.closed), 1);
    expect(second.results).toEqual([]);
    expect(second.closed.map((e) => e.seriesId)).toEqual([sid(4)]);
  });

  it('finalizes every kind like the kind itself does, over the window bounds', () => {
    const merged = [mergedOf('acme', sid(1), [gauge(2, WS + 1), gauge(4, WS + 2)])];
    const { results } = finalize(merged, [], 0);
    expect(results).toEqual([
      {
        tenant: 'acme',
        seriesId: sid(1),
        stats: merged[0]?.kind.finalize(merged[0].state, { ...window(0), percentiles: [50, 99] }),
        group: { kind: merged[0]?.kind, state: merged[0]?.state },
      },
    ]);
    expect(results[0]?.stats).toMatchObject({ count: 2, sum: 6, avg: 3, min: 2, max: 4, last: 4 });
  });

  it('orders results and closed entries by (tenant, seriesId) whatever the input order', () => {
    const all: MergedSeries[] = [];
    const quiet: ClosedEntry[] = [];
    for (const [i, tenant] of ['zeta', 'acme', '', 'Beta'].entries()) {
      // Ids whose order differs from the tenants' (series ids are unique across tenants).
      for (const n of [9, 2, 17]) all.push(mergedOf(tenant, sid(n * 100 + (7 - i)), [gauge(n, WS + 1)]));
      const c = mergedOf(tenant, sid(50 + i), [counter(3, WS - 1, WS - HOUR)]);
      quiet.push({ tenant, seriesId: c.seriesId, carry: finalize([c], [], -1).closed[0]?.carry });
    }
    const key = (e: { tenant: string; seriesId: string }) => [e.tenant, e.seriesId] as const;
    const sortedKeys = (xs: readonly { tenant: string; seriesId: string }[]) =>
      xs.map(key).sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : 1));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        fc.shuffledSubarray(quiet, { minLength: quiet.length, maxLength: quiet.length }),
        (merged, previous) => {
          const { results, closed } = finalize(merged, previous, 0);
          expect(results.map(key)).toEqual(sortedKeys(all));
          expect(closed.map(key)).toEqual(sortedKeys([...all, ...quiet]));
        },
      ),
      { numRuns: 50 },
    );
  });
});
