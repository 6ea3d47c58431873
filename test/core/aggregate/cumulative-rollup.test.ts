/**
 * Regression: a cumulative counter that started in the minute before its first export was counted
 * in full by the 1h window (its start lay inside the hour) but not by the 1m window (its start lay
 * before the minute), so the hour's increase exceeded the sum of its minutes by the first value.
 * Found by the demo's rollup test. The head rule now depends on the run alone (a fresh start time),
 * never on the window's bounds.
 */
import { describe, expect, it } from 'vitest';
import { cumulativeBaseline, cumulativeKind, DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/index.js';
import { metricContext, numberPoint } from '../../support/points.js';

const context = metricContext({ kind: 'sum', temporality: 2, monotonic: true });
const MIN = 60_000;
const HOUR = Date.UTC(2026, 10, 25, 0);

function minuteStats(points: { t: number; v: number }[], startMs: number) {
  const states = points.map(({ t, v }) => {
    const s = cumulativeKind.empty();
    cumulativeKind.add(s, numberPoint(v, { context, timeMs: t, startMs }), DEFAULT_AGGREGATE_OPTIONS);
    return { t, s };
  });
  let baseline: unknown;
  let minutes = 0;
  for (const { t, s } of states) {
    const w = Math.floor(t / MIN) * MIN;
    minutes +=
      cumulativeKind.finalize(s, { windowStartMs: w, windowEndMs: w + MIN, percentiles: [], baseline }).sum ??
      0;
    baseline = cumulativeBaseline(s, baseline);
  }
  const hour = states.reduce(
    (acc, { s }) => cumulativeKind.merge(acc, s, DEFAULT_AGGREGATE_OPTIONS),
    cumulativeKind.empty(),
  );
  const hourSum = cumulativeKind.finalize(hour, {
    windowStartMs: HOUR,
    windowEndMs: HOUR + 60 * MIN,
    percentiles: [],
  }).sum;
  return { minutes, hour: hourSum };
}

describe('Regression: cumulative rollup mismatch', () => {
  const points = [
    { t: HOUR + 67_000, v: 58 },
    { t: HOUR + 127_000, v: 192 },
    { t: HOUR + 187_000, v: 275 },
  ];

  it('counts a fresh start in full in both the minute and the hour', () => {
    expect(minuteStats(points, HOUR + 7_000)).toEqual({ minutes: 275, hour: 275 });
  });

  it('counts a long-running series seen for the first time from its first observation in both', () => {
    expect(minuteStats(points, HOUR - 2 * 86_400_000)).toEqual({ minutes: 217, hour: 217 });
  });
});
