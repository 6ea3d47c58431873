/**
 * Aggregate-state benchmark: our number state (moments + quantile sketch) against the naive way of
 * windowing metrics — keep every value of a series-window and sort it for percentiles — on one
 * series-window of 10,000 lognormal latencies. Reports time per series-window and bytes per state.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalizeContext } from '#core/aggregate/contract.js';
import { numberKind } from '#core/aggregate/number.js';
import { ByteWriter } from '#core/codec/bytes.js';
import { nearestRank } from '#core/sketch/index.js';
import { lognormalSample } from '../support/oracles.js';
import { numberPoint } from '../support/points.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

const VALUES = 10_000;
const PERCENTILES = [50, 90, 95, 99];
const context: FinalizeContext = { windowStartMs: 0, windowEndMs: 60_000, percentiles: PERCENTILES };

/** The naive baseline: every value kept, sorted once at finalize. */
function naiveWindow(values: readonly number[]): Record<string, number> {
  const kept = Float64Array.from(values);
  kept.sort();
  const out: Record<string, number> = { count: kept.length };
  for (const p of PERCENTILES) out[`p${p}`] = kept[nearestRank(p / 100, kept.length)] ?? Number.NaN;
  return out;
}

export function aggregateBench(): BenchFigure[] {
  const values = lognormalSample(VALUES, { mu: Math.log(100), sigma: 1, seed: 11 });
  const points = values.map((v, i) => numberPoint(v, { timeMs: i }));

  const oursPerSecond = opsPerSecond(() => {
    const state = numberKind.empty();
    for (const p of points) numberKind.add(state, p, DEFAULT_AGGREGATE_OPTIONS);
    numberKind.finalize(state, context);
  }, 1);
  const naivePerSecond = opsPerSecond(() => naiveWindow(values), 1);

  const state = numberKind.empty();
  for (const p of points) numberKind.add(state, p, DEFAULT_AGGREGATE_OPTIONS);
  const out = new ByteWriter();
  numberKind.encode(state, out);
  const naiveBytes = VALUES * 8;

  return [
    figure(
      'number state: µs per series-window of 10k values, add+finalize (vs keep-and-sort)',
      1e6 / oursPerSecond,
      'µs',
      1e6 / naivePerSecond,
    ),
    figure(
      'number state: bytes per series-window of 10k values (vs 8 B per kept value)',
      out.length,
      'bytes',
      naiveBytes,
    ),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(aggregateBench());
}
