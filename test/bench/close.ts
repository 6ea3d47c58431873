/**
 * Closing: in the core, the states of a window's partials merged per series (what a close job does
 * after reading its partition), next to decoding the same partials alone (the floor: merging cannot
 * be cheaper than reading); then finalize per series. End to end: 10,000 series in one 1m window on
 * the local stack (dynalite), closed by one planner tick through the close worker's handler — read
 * partials, merge, finalize, results table, closed state, parent partial, checkpoint — in series/s.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_AGGREGATE_OPTIONS, kindForPoint } from '#core/aggregate/index.js';
import { finalizeWindow } from '#core/close/finalize-window.js';
import { WindowMerger } from '#core/close/merge.js';
import { parseConfig } from '#core/config/config.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { packStates, unpackStates } from '#core/preaggregate/partial-codec.js';
import { PreAggregator } from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '#core/series/id.js';
import { parseTiers } from '#core/window/tiers.js';
import { startLocalStack } from '#local/stack.js';
import { makeWorkload } from './decode.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

const T0 = Date.UTC(2026, 10, 25, 10);
const SERIES = 2_000;
const PARTIALS = 20;

/** 20 partials of one (window, shard), each holding the same 2,000 series (20 requests' worth). */
function partials(): Uint8Array[] {
  const [tier] = parseTiers(['1m']);
  if (tier === undefined) throw new Error('unreachable');
  const ids = new SeriesIdCache(1);
  return Array.from({ length: PARTIALS }, (_, i) => {
    const w = makeWorkload({ series: SERIES, pointsPerSeries: 3, startMs: T0 + i * 2_000, seed: i + 1 });
    const pre = new PreAggregator({
      tenant: 'default',
      tier,
      ids,
      aggregate: DEFAULT_AGGREGATE_OPTIONS,
      resolveKind: kindForPoint,
    });
    decodeOtlpProtobuf(w.protobuf, { ...w.normalizeOptions, nowMs: T0 + 60_000 }, (p) => pre.add(p));
    const [group] = pre.result().groups.values();
    if (group === undefined) throw new Error('no group');
    return packStates(group.series.values());
  });
}

function coreFigures(): BenchFigure[] {
  const packs = partials();
  const entries = PARTIALS * SERIES;
  const decodeOnly = opsPerSecond(() => {
    for (const p of packs) unpackStates(p);
  }, entries);
  const merge = opsPerSecond(() => {
    const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
    for (const p of packs) merger.addPack(p);
  }, entries);
  const merger = new WindowMerger(DEFAULT_AGGREGATE_OPTIONS);
  for (const p of packs) merger.addPack(p);
  const merged = merger.result();
  const finalize = opsPerSecond(
    () =>
      finalizeWindow({
        merged,
        previous: new Map(),
        windowStartMs: T0,
        windowEndMs: T0 + 60_000,
        percentiles: [50, 90, 95, 99],
        carryForMs: 3_600_000,
      }),
    merged.size,
  );
  return [
    figure(
      'close (core): partial states read + merged per series (vs reading alone)',
      merge,
      'states/s',
      decodeOnly,
    ),
    figure('close (core): partials merged, 2,000 series each', merge / SERIES, 'partials/s'),
    figure('close (core): series finalized (stats, percentiles, closed-state entries)', finalize, 'series/s'),
  ];
}

async function endToEnd(): Promise<BenchFigure[]> {
  let offsetMs = 0;
  const clock = { nowMs: () => Date.now() + offsetMs };
  const stack = await startLocalStack({
    config: parseConfig({ sink: 'dynamodb' }),
    port: 0,
    quiet: true,
    clock,
  });
  try {
    const now = Date.now();
    const windowStart = Math.floor(now / 60_000) * 60_000;
    await stack.closer.tick(); // checkpoints start before this window
    for (const seed of [1, 2]) {
      const w = makeWorkload({ series: 10_000, pointsPerSeries: 1, startMs: windowStart + seed * 100, seed });
      const response = await fetch(`${stack.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.from(w.protobuf),
      });
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
    }
    offsetMs = windowStart + 60_000 + 31_000 - now;
    const started = performance.now();
    const status = await stack.closer.tick();
    const seconds = (performance.now() - started) / 1000;
    const closed = stack.closer.totals;
    if (closed.records < 10_000) throw new Error(`closed ${closed.records} records, expected 10,000`);
    return [
      figure(
        'close (local stack): series closed end to end, 10,000 series in one 1m window',
        10_000 / seconds,
        'series/s',
      ),
      figure('close (local stack): one tick closing that window (8 shards)', seconds * 1000, 'ms'),
      figure(
        'close (local stack): windows closed in that tick',
        Object.values(status.closed).reduce((a, b) => a + b, 0),
        'windows',
      ),
    ];
  } finally {
    await stack.stop();
  }
}

export async function closeBench(): Promise<BenchFigure[]> {
  return [...coreFigures(), ...(await endToEnd())];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await closeBench()) console.log(f);
}
