/**
 * The ingest hot path on one core, in-process: decode + normalize + pre-aggregate (group by series and
 * first-tier window, fold into states) + pack each (window, shard)'s states into one partial — what the ingest Lambda does before its writes.
 * Baseline: `JSON.parse` alone on the same request's JSON body, the floor protobuf must beat.
 * Caches are warm (series ids, interned attribute sets), as in a warm Lambda receiving a sender's
 * next export.
 *
 * Views at ingest (README "Views at ingest"): the same protobuf body through ingest's own decode step
 * (`decodeRequest`, lib/app/ingest/decode.ts: decode, route to views, pre-aggregate) + pack, with
 * one view on the body's busiest metric (a histogram, `by` http.route, keepSource) against no views;
 * and with a view on each of its 25 metrics (every point also folded into a view series) — the cost
 * of a view per point it takes. Measured in fresh processes (`measureViews`), see `viewFigures`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeRequest } from '#app/ingest/decode.js';
import { DEFAULT_AGGREGATE_OPTIONS, kindForPoint } from '#core/aggregate/index.js';
import { parseConfig, type WindrowConfig } from '#core/config/config.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import type { NormalizedPoint } from '#core/point.js';
import { packStates } from '#core/preaggregate/partial-codec.js';
import { PreAggregator } from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '#core/series/id.js';
import { parseTiers } from '#core/window/tiers.js';
import { type DecodeWorkload, makeWorkload } from './decode.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

export function pipelineBench(): BenchFigure[] {
  const w = makeWorkload();
  const [tier] = parseTiers(['1m']);
  if (tier === undefined) throw new Error('unreachable');
  const ids = new SeriesIdCache(8);
  let bytes = 0;
  let states = 0;
  type Decoder = (sink: (p: NormalizedPoint) => void) => unknown;
  const ingest = (decode: Decoder) => {
    const pre = new PreAggregator({
      tenant: 'default',
      tier,
      ids,
      aggregate: DEFAULT_AGGREGATE_OPTIONS,
      resolveKind: kindForPoint,
    });
    decode((p) => pre.add(p));
    const agg = pre.result();
    bytes = 0;
    states = 0;
    for (const group of agg.groups.values()) {
      bytes += packStates(group.series.values()).length;
      states += group.series.size;
    }
  };
  let parsed = 0;
  const rates = [0, 0, 0];
  for (let round = 0; round < 3; round++) {
    rates[0] = Math.max(
      rates[0] ?? 0,
      opsPerSecond(
        () => ingest((sink) => decodeOtlpProtobuf(w.protobuf, w.normalizeOptions, sink)),
        w.pointCount,
        300,
      ),
    );
    rates[1] = Math.max(
      rates[1] ?? 0,
      opsPerSecond(
        () => ingest((sink) => decodeOtlpJson(w.json, w.normalizeOptions, sink)),
        w.pointCount,
        300,
      ),
    );
    rates[2] = Math.max(
      rates[2] ?? 0,
      opsPerSecond(
        () => {
          parsed += (JSON.parse(w.json) as { resourceMetrics: unknown[] }).resourceMetrics.length;
        },
        w.pointCount,
        300,
      ),
    );
  }
  if (parsed === 0) throw new Error('nothing parsed');
  const [pb = 0, json = 0, parse = 0] = rates;
  return [
    figure(
      'ingest path: protobuf decode + normalize + pre-aggregate + pack partials (vs JSON.parse alone)',
      pb,
      'points/s',
      parse,
    ),
    figure(
      'ingest path: JSON decode + normalize + pre-aggregate + pack partials (vs JSON.parse alone)',
      json,
      'points/s',
      parse,
    ),
    figure(
      'packed partial bytes per series-window (20 points each, incl. 16-byte id)',
      bytes / states,
      'bytes',
    ),
    ...viewFigures(),
  ];
}

/** The metric the one view reads: a histogram, as busy as any of the workload's 25 metrics (400 of 10,000 points). */
const VIEWED_METRIC = 'http.server.duration.4';

/** Bodies of each configuration timed per process (about 10 ms each). */
const ITERATIONS = 120;
/** Fresh processes the view figures are measured in. */
const VIEW_PROCESSES = 5;

/** What one process measured: points per CPU second of each configuration. */
interface ViewRates {
  readonly none: number;
  readonly one: number;
  readonly noneAgain: number;
  readonly every: number;
  readonly share: string;
  readonly metrics: number;
}

/**
 * In this process: points per CPU second of the protobuf body through `decodeRequest` + pack with
 * no views, one view (on the busiest metric), and a view per metric. Each call's CPU time (this
 * process's, user + system) is taken, since on a busy machine wall time also counts the time other
 * processes had the core, which swamps a few percent; the configurations alternate body by body; the
 * 10th percentile of each leaves GC pauses and migrations out.
 */
export function measureViews(w: DecodeWorkload = makeWorkload()): ViewRates {
  const [tier] = parseTiers(['1m']);
  if (tier === undefined) throw new Error('unreachable');
  const pointsOf = new Map<string, number>();
  for (const p of decodeOtlpProtobuf(w.protobuf, w.normalizeOptions).points) {
    pointsOf.set(p.context.metric.name, (pointsOf.get(p.context.metric.name) ?? 0) + 1);
  }
  const metrics = [...pointsOf.keys()];
  const viewed = pointsOf.get(VIEWED_METRIC) ?? 0;
  // The busiest metric (the workload's metrics are all equally busy).
  if (viewed === 0 || viewed < Math.max(...pointsOf.values())) {
    throw new Error(`${VIEWED_METRIC} is not the body's busiest metric`);
  }
  const view = (metric: string) => ({ name: `${metric}.by_route`, metric, by: ['http.route'] });
  const configs: WindrowConfig[] = [
    parseConfig({}),
    parseConfig({ views: [view(VIEWED_METRIC)] }),
    parseConfig({ views: metrics.map(view) }),
  ];
  const seriesWindows = configs.map(() => 0);
  const ids = configs.map(() => new SeriesIdCache(8));
  const run = (i: number) => {
    const decoded = decodeRequest(
      { tenant: 'default', format: 'otlp-protobuf', body: w.protobuf },
      configs[i] as WindrowConfig,
      tier,
      ids[i] as SeriesIdCache,
      w.nowMs,
      86_400_000,
    );
    if (decoded.accepted !== w.pointCount) throw new Error(`accepted ${decoded.accepted} of ${w.pointCount}`);
    for (const group of decoded.groups) packStates(group.series.values());
    seriesWindows[i] = decoded.seriesWindows;
  };
  const cpuRates = (which: readonly number[]): number[] => {
    // Each warmed up before any is timed.
    for (const i of which) for (let n = 0; n < 10; n++) run(i);
    const times = which.map((): number[] => []);
    for (let n = 0; n < ITERATIONS; n++) {
      which.forEach((i, k) => {
        const started = process.cpuUsage();
        run(i);
        const used = process.cpuUsage(started);
        times[k]?.push((used.user + used.system) / 1000);
      });
    }
    return times.map((t) => {
      const sorted = [...t].sort((a, b) => a - b);
      return (w.pointCount * 1000) / (sorted[Math.floor(sorted.length * 0.1)] ?? Number.NaN);
    });
  };
  // One view against none before the view-per-metric configuration ever runs: a deployment with one
  // view never compiles the routing code for 25.
  const [none = 0, one = 0] = cpuRates([0, 1]);
  const [noneAgain = 0, every = 0] = cpuRates([0, 2]);
  // A view adds series-windows (its routes), so the view points were folded, not skipped.
  const [plain = 0, oneView = 0, everyView = 0] = seriesWindows;
  if (oneView <= plain || everyView <= oneView) {
    throw new Error(`view series-windows ${plain} → ${oneView} → ${everyView}`);
  }
  const share = `${Math.round((viewed / w.pointCount) * 100)}% of points`;
  return { none, one, noneAgain, every, share, metrics: metrics.length };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The view figures, each the median of {@link VIEW_PROCESSES} fresh processes running
 * {@link measureViews}: within a process that ran other ingest code first (this suite's figures
 * above) the comparison depends on how V8 happened to compile the shared code — one view on 4% of
 * the points came out anywhere from −19% to +46% there, 2–8% in fresh processes, which is what an
 * ingest Lambda is.
 */
function viewFigures(): BenchFigure[] {
  const runs: ViewRates[] = [];
  for (let p = 0; p < VIEW_PROCESSES; p++) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--views'],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      throw new Error(`view measuring process failed (${child.status}): ${child.stderr.slice(-2000)}`);
    }
    runs.push(JSON.parse(line) as ViewRates);
  }
  const oneExtra = runs.map((r) => (r.none / r.one - 1) * 100);
  const everyExtra = runs.map((r) => (r.noneAgain / r.every - 1) * 100);
  const none = median(runs.map((r) => r.none));
  const first = runs[0];
  if (first === undefined) throw new Error('unreachable');
  const n = `median of ${VIEW_PROCESSES} processes`;
  return [
    figure(`ingest decode step + pack, protobuf, no views (per CPU second, ${n})`, none, 'points/s'),
    figure(
      `ingest decode step + pack, protobuf, one view on the busiest metric (${VIEWED_METRIC} by http.route, ${first.share}) (vs no views)`,
      median(runs.map((r) => r.one)),
      'points/s',
      none,
    ),
    figure(`  extra cost of the one view (time per body, ${n})`, median(oneExtra), '%'),
    figure(`  extra cost of the one view, lowest of ${VIEW_PROCESSES} processes`, Math.min(...oneExtra), '%'),
    figure(
      `  extra cost of the one view, highest of ${VIEW_PROCESSES} processes`,
      Math.max(...oneExtra),
      '%',
    ),
    figure(
      `ingest decode step + pack, protobuf, a view on each of the ${first.metrics} metrics (every point) (vs no views)`,
      median(runs.map((r) => r.every)),
      'points/s',
      median(runs.map((r) => r.noneAgain)),
    ),
    figure(`  extra cost of a view on every metric (time per body, ${n})`, median(everyExtra), '%'),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--views') console.log(JSON.stringify(measureViews()));
  else console.table(pipelineBench());
}
