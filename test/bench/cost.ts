/**
 * `npm run cost`: what windrow costs on AWS (us-east-1) per million series-minutes (an OpenTelemetry
 * SDK exporting 500 series every 60 s into 1m windows, rolled up to 1h and 1d) and per million raw
 * points (a Collector posting batches of 1,000 points to `/v1/points`), for both result sinks, next
 * to CloudWatch custom metrics and Amazon Managed Service for Prometheus.
 *
 * Request, item, record and log sizes and counts come from running windrow's own handlers
 * (test/bench/cost-measure.ts); prices from test/bench/cost-prices.ts; the arithmetic from test/bench/cost-model.ts.
 * What is not measured here is assumed, and said so in the output:
 *
 * - Lambda duration = compute time measured here × 1769 MB / the function's memory (the CPU share
 *   Lambda gives below one full vCPU; this machine's core is taken as equal to a Graviton core) + one
 *   round trip per I/O round (a span with store calls in flight), at the latencies below. dynalite
 *   and the Timestream fake answer on loopback, so their own time is replaced, not scaled.
 * - Fixed costs (the planner every minute, one close job per (window, shard) whatever the traffic,
 *   idle queue polling, windrow's own EMF metrics) are shared out over a fleet of `--series` series.
 * - The 1h rollup is measured with `--minutes` of its 60 child windows holding data and the 1d rollup
 *   with 1 of its 24 hours: their partial reads and compute time are scaled up to a full hour and day.
 * - The authorizer runs for one request in five: one API key per exporter, sending once a minute,
 *   and API Gateway caches its answer 5 minutes.
 * - Lambda's own log lines (platform.start/report) and the HTTP API's access log line are written out
 *   below from their formats (infra/stack.ts), with typical values.
 * - Queries (the query function, Timestream queries), data transfer out, cold starts, free tiers and
 *   the one-off series catalog writes of new series are not included.
 *
 * Views at ingest: a fleet of 50 pods per service (`podFleetExport`), once as it is and once with a
 * view that drops `service.instance.id` with `keepSource: false`, priced per million source
 * series-minutes (what the pods send), so the two are comparable.
 *
 * `npm run cost -- --json FILE` also writes every figure; `--series N` sets the fleet, `--minutes N`
 * the minutes of data each scenario runs (2–60, default 5; more is slower and closer).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig, type WindrowConfig } from '#core/config/config.js';
import { describeView } from '#core/config/views.js';
import type { Tier } from '#core/window/tiers.js';
import {
  type CloseSample,
  type Counters,
  collectorBatch,
  POD_METRIC,
  type PodFleet,
  podFleetExport,
  podFleetSeries,
  runScenario,
  type ScenarioRun,
  type Service,
  sdkExport,
} from './cost-measure.js';
import {
  addUsage,
  apiGatewayRequests,
  COMPONENTS,
  cloudWatchPerMillionSeriesMinutes,
  costOf,
  cpuSlowdown,
  HOURS_PER_MONTH,
  LOG_EVENT_OVERHEAD_BYTES,
  lambdaGbSeconds,
  logEventBytes,
  MINUTES_PER_MONTH,
  NO_USAGE,
  prometheusIngestCost,
  scaleUsage,
  type Usage,
  usage,
  usagePerMillion,
} from './cost-model.js';
import { PRICES, type PriceTable } from './cost-prices.js';
import { makeWorkload } from './decode.js';

/** Memory of each function, as infra/stack.ts configures it. */
export const MEMORY_MB = { ingest: 1024, planner: 512, closeWorker: 1769, authorizer: 256 } as const;
/** Assumed in-region round trips (not measured here). */
export const ROUND_TRIP_MS: Record<Service | 'sqs', number> = { dynamodb: 8, timestream: 30, sqs: 10 };
/** This machine's core against a Graviton core (assumed equal). */
export const MACHINE_FACTOR = 1;
/**
 * API Gateway caches the authorizer's answer 5 minutes per key (infra/stack.ts `resultsCacheTtl`):
 * with one key per exporter sending once a minute, one request in 5 runs the authorizer.
 */
const AUTHORIZER_RUNS_PER_REQUEST = 1 / 5;
/** The close queue's batch size (infra/stack.ts). */
const SQS_BATCH = 10;
/** Lambda polls an idle SQS queue with 5 long polls of up to 20 s: about 15 receives a minute. */
const IDLE_RECEIVES_PER_MINUTE = 15;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const SDK_SERIES = 500;
const COLLECTOR_POINTS = 1_000;
const COLLECTOR_SERIES = 100;
/**
 * The pod fleet measured for views at ingest: 4 services' 50 pods a minute (a request of 500 source
 * series per service), priced for a fleet of `--series` source series.
 */
const POD_FLEET: PodFleet = { services: 4, routes: 10, pods: 50 };

/** The view of the pod-fleet scenario: every pod's series of a route merged, only the view stored. */
export function podFleetView(): WindrowConfig {
  return parseConfig({
    views: [
      {
        name: `${POD_METRIC}.by_service`,
        metric: POD_METRIC,
        without: ['resource.service.instance.id'],
        keepSource: false,
      },
    ],
  });
}

/** Lambda's own JSON log lines per invocation (LoggingFormat.JSON), with typical values. */
const PLATFORM_LINES = [
  JSON.stringify({
    time: '2026-11-26T02:19:24.123Z',
    type: 'platform.start',
    record: { requestId: '6d6ac7a1-0c4f-4d0e-9a3e-1f2b3c4d5e6f', version: '$LATEST' },
  }),
  JSON.stringify({
    time: '2026-11-26T02:19:24.201Z',
    type: 'platform.report',
    record: {
      requestId: '6d6ac7a1-0c4f-4d0e-9a3e-1f2b3c4d5e6f',
      metrics: { durationMs: 61.52, billedDurationMs: 62, memorySizeMB: 1024, maxMemoryUsedMB: 131 },
      status: 'success',
    },
  }),
];
const PLATFORM_LOG_BYTES = PLATFORM_LINES.reduce((a, l) => a + logEventBytes(Buffer.byteLength(l)), 0);
/** The HTTP API access log line (infra/stack.ts `accessLogSettings.format`), with typical values. */
const ACCESS_LOG_BYTES = logEventBytes(
  Buffer.byteLength(
    JSON.stringify({
      requestId: 'Vx8sJjdNIAMEb7A=',
      ip: '203.0.113.45',
      time: '26/Nov/2026:02:19:24 +0000',
      method: 'POST',
      path: '/v1/metrics',
      status: '200',
      length: '2',
      latencyMs: '38',
      integrationError: '-',
    }),
  ),
);

const logs = (c: Counters) => c.logBytes + c.logLines * LOG_EVENT_OVERHEAD_BYTES;

/** Modeled Lambda milliseconds of work measured in `parts`. */
function lambdaMs(parts: readonly Counters[], memoryMb: number, extraMs = 0): number {
  let ms = extraMs;
  for (const c of parts) {
    ms += c.computeMs * cpuSlowdown(memoryMb) * MACHINE_FACTOR;
    ms += c.rounds.dynamodb * ROUND_TRIP_MS.dynamodb + c.rounds.timestream * ROUND_TRIP_MS.timestream;
  }
  return ms;
}

function mean<T>(items: readonly T[], f: (t: T) => number): number {
  return items.length === 0 ? 0 : items.reduce((a, t) => a + f(t), 0) / items.length;
}

/** What one close job used with sink `sink`; partial reads and compute scaled by `scale`. */
function jobUsage(job: CloseSample, sink: Service, scale = 1): { usage: Usage; ms: number } {
  const parts = [job.common, job.sinks[sink]];
  const ms =
    lambdaMs([job.common], MEMORY_MB.closeWorker) +
    (scale - 1) * job.common.computeMs * cpuSlowdown(MEMORY_MB.closeWorker) * MACHINE_FACTOR +
    lambdaMs([job.sinks[sink]], MEMORY_MB.closeWorker);
  const sum = (f: (c: Counters) => number) => parts.reduce((a, c) => a + f(c), 0);
  return {
    ms,
    usage: usage({
      closeGbSeconds: lambdaGbSeconds(ms, MEMORY_MB.closeWorker),
      dynamoWriteUnits: sum((c) => c.dynamoWriteUnits),
      dynamoReadUnits: sum((c) => c.dynamoReadUnits) + (scale - 1) * sum((c) => c.partialReadUnits),
      dynamoStorageGbMonths: sum((c) => c.dynamoStorageGbMonths),
      logBytes: sum(logs),
      timestreamWrites: sum((c) => c.timestreamWrites),
      timestreamMemoryGbHours: sum((c) => c.timestreamMemoryGbHours),
      timestreamMagneticGbMonths: sum((c) => c.timestreamMagneticGbMonths),
    }),
  };
}

export interface SinkFigures {
  /** Per series-minute (the SDK scenario) or per raw point (the Collector scenario). */
  readonly perUnit: Usage;
  readonly fixedPerMonth: Usage;
  /** Measured figures behind them, for the report. */
  readonly detail: Record<string, number>;
}

/**
 * The usage of one unit of work with sink `sink`: ingest per request divided by the request's units,
 * plus each tier's close jobs beyond what an empty job costs, divided by the series-minutes they
 * cover; and the fixed monthly usage.
 */
export function sinkFigures(
  run: ScenarioRun,
  config: WindrowConfig,
  sink: Service,
  unitsPerRequest: (r: ScenarioRun['ingest'][number]) => number,
): SinkFigures {
  const tiers = config.tiers;
  const firstWindow = Math.min(...run.closes.filter((c) => c.series > 0).map((c) => c.job.windowStartMs));
  // Warm samples only: the first request and the first window's jobs ran cold (JIT, empty caches,
  // the series catalog's one-off writes).
  const warmIngest = run.ingest.slice(1);
  const ingestPerRequest = (s: (typeof warmIngest)[number]) => {
    const ms = lambdaMs([s.counters], MEMORY_MB.ingest);
    return scaleUsage(
      usage({
        apiRequests: apiGatewayRequests(s.bodyBytes),
        lambdaRequests: 1,
        ingestGbSeconds: lambdaGbSeconds(ms, MEMORY_MB.ingest),
        dynamoWriteUnits: s.counters.dynamoWriteUnits,
        dynamoStorageGbMonths: s.counters.dynamoStorageGbMonths,
        logBytes: logs(s.counters) + PLATFORM_LOG_BYTES + ACCESS_LOG_BYTES,
      }),
      1 / unitsPerRequest(s),
    );
  };
  const warmAuthorizer = run.authorizer.slice(1);
  const authorizerMs = mean(warmAuthorizer, (c) => lambdaMs([c], MEMORY_MB.authorizer));
  const authorizerRun = usage({
    lambdaRequests: 1,
    authorizerGbSeconds: lambdaGbSeconds(authorizerMs, MEMORY_MB.authorizer),
    dynamoReadUnits: mean(warmAuthorizer, (c) => c.dynamoReadUnits),
    logBytes: mean(warmAuthorizer, logs) + PLATFORM_LOG_BYTES,
  });
  const ingestPerUnit = scaleUsage(
    addUsage(
      ...warmIngest.map((s) =>
        addUsage(
          ingestPerRequest(s),
          scaleUsage(authorizerRun, AUTHORIZER_RUNS_PER_REQUEST / unitsPerRequest(s)),
        ),
      ),
    ),
    1 / warmIngest.length,
  );
  const seriesMinutesPerUnit = mean(warmIngest, (s) => s.seriesWindows / unitsPerRequest(s));

  const empty = run.closes.filter((c) => c.series === 0 && c.job.tier === 0).slice(config.shards);
  const emptyJob = scaleUsage(addUsage(...empty.map((j) => jobUsage(j, sink).usage)), 1 / empty.length);
  const emptyMs = mean(empty, (j) => jobUsage(j, sink).ms);

  // Per series-minute, each tier's jobs with data beyond an empty job.
  let closePerSeriesMinute = NO_USAGE;
  const detail: Record<string, number> = {};
  for (const tier of tiers) {
    const jobs = run.closes.filter(
      (c) =>
        c.job.tier === tier.level &&
        c.series > 0 &&
        !(tier.level === 0 && c.job.windowStartMs === firstWindow),
    );
    if (jobs.length === 0) continue;
    const childTier: Tier | undefined = tiers[tier.level - 1];
    const children = childTier === undefined ? 1 : tier.sizeMs / childTier.sizeMs;
    const present = tier.level === 0 ? 1 : tier.level === 1 ? run.minutesWithData : 1;
    const scale = children / present;
    const minutesPerSeries = tier.sizeMs / 60_000;
    const seriesMinutes = jobs.reduce((a, j) => a + j.series, 0) * minutesPerSeries;
    const marginal = addUsage(
      ...jobs.map((j) => addUsage(jobUsage(j, sink, scale).usage, scaleUsage(emptyJob, -1))),
    );
    closePerSeriesMinute = addUsage(closePerSeriesMinute, scaleUsage(marginal, 1 / seriesMinutes));
    detail[`close ${tier.name}: ms per job`] = mean(jobs, (j) => jobUsage(j, sink, scale).ms);
    detail[`close ${tier.name}: series per job`] = mean(jobs, (j) => j.series);
    detail[`close ${tier.name}: write units per job`] = mean(
      jobs,
      (j) => j.common.dynamoWriteUnits + j.sinks[sink].dynamoWriteUnits,
    );
    detail[`close ${tier.name}: read units per job (scaled)`] = mean(
      jobs,
      (j) =>
        j.common.dynamoReadUnits +
        j.sinks[sink].dynamoReadUnits +
        (scale - 1) * (j.common.partialReadUnits + j.sinks[sink].partialReadUnits),
    );
    if (sink === 'dynamodb') {
      detail[`close ${tier.name}: results-table write units per job`] = mean(
        jobs,
        (j) => j.sinks.dynamodb.dynamoWriteUnits,
      );
    }
    if (sink === 'timestream') {
      detail[`close ${tier.name}: Timestream bytes per record`] =
        jobs.reduce((a, j) => a + j.sinks.timestream.timestreamBytes, 0) /
        jobs.reduce((a, j) => a + j.sinks.timestream.timestreamRecords, 0);
      detail[`close ${tier.name}: Timestream writes per record`] =
        jobs.reduce((a, j) => a + j.sinks.timestream.timestreamWrites, 0) /
        jobs.reduce((a, j) => a + j.sinks.timestream.timestreamRecords, 0);
    }
  }
  const perUnit = addUsage(ingestPerUnit, scaleUsage(closePerSeriesMinute, seriesMinutesPerUnit));

  // Fixed: every minute a planner run and a close job per shard; every hour and day one more per shard.
  const ticks = MINUTES_PER_MONTH;
  const closeTicks = ticks + HOURS_PER_MONTH + DAYS_PER_MONTH;
  const jobsPerMonth = config.shards * closeTicks;
  const invocationsPerMonth = Math.ceil(config.shards / SQS_BATCH) * closeTicks;
  const steadyPlanner = run.planner.slice(1);
  const sendsPerTick = Math.ceil(config.shards / SQS_BATCH);
  const plannerMs = mean(steadyPlanner, (p) =>
    lambdaMs([p.counters], MEMORY_MB.planner, sendsPerTick * ROUND_TRIP_MS.sqs),
  );
  const overheadMs = mean(run.closeInvocations, (i) => lambdaMs([i.overhead], MEMORY_MB.closeWorker));
  const fixedPerMonth = addUsage(
    usage({
      schedulerInvocations: ticks,
      lambdaRequests: ticks + invocationsPerMonth,
      plannerGbSeconds: ticks * lambdaGbSeconds(plannerMs, MEMORY_MB.planner),
      closeGbSeconds: invocationsPerMonth * lambdaGbSeconds(overheadMs, MEMORY_MB.closeWorker),
      dynamoReadUnits: ticks * mean(steadyPlanner, (p) => p.counters.dynamoReadUnits),
      dynamoWriteUnits: ticks * mean(steadyPlanner, (p) => p.counters.dynamoWriteUnits),
      logBytes:
        ticks * (mean(steadyPlanner, (p) => logs(p.counters)) + PLATFORM_LOG_BYTES) +
        invocationsPerMonth * (mean(run.closeInvocations, (i) => logs(i.overhead)) + PLATFORM_LOG_BYTES),
      sqsRequests:
        sendsPerTick * closeTicks + 2 * invocationsPerMonth + IDLE_RECEIVES_PER_MINUTE * MINUTES_PER_MONTH,
      metricMonths: run.metrics.length,
    }),
    scaleUsage(emptyJob, jobsPerMonth),
  );

  return {
    perUnit,
    fixedPerMonth,
    detail: {
      'ingest: request body bytes': mean(warmIngest, (s) => s.bodyBytes),
      'ingest: points per request': mean(warmIngest, (s) => s.points),
      'ingest: series-windows per request': mean(warmIngest, (s) => s.seriesWindows),
      'ingest: write units per request': mean(warmIngest, (s) => s.counters.dynamoWriteUnits),
      'ingest: compute ms per request (here)': mean(warmIngest, (s) => s.counters.computeMs),
      'ingest: Lambda ms per request (modeled)': mean(warmIngest, (s) =>
        lambdaMs([s.counters], MEMORY_MB.ingest),
      ),
      'ingest: log bytes per request': mean(warmIngest, (s) => logs(s.counters)),
      'authorizer: ms per run (modeled)': authorizerMs,
      'authorizer: read units per run': authorizerRun.dynamoReadUnits,
      'close: empty job ms (modeled)': emptyMs,
      'close: empty job write units': emptyJob.dynamoWriteUnits,
      'close: empty job read units': emptyJob.dynamoReadUnits,
      'planner: ms per run (modeled)': plannerMs,
      'planner: read units per run': mean(steadyPlanner, (p) => p.counters.dynamoReadUnits),
      'close worker: overhead ms per invocation (modeled)': overheadMs,
      'own EMF metrics': run.metrics.length,
      'series-minutes per unit': seriesMinutesPerUnit,
      ...detail,
    },
  };
}

/** Prometheus samples an OTLP JSON body turns into: 1 per number point, buckets + sum + count per histogram point. */
export function prometheusSamples(otlpJson: string): { samples: number; points: number } {
  const body = JSON.parse(otlpJson) as {
    resourceMetrics?: {
      scopeMetrics?: {
        metrics?: {
          gauge?: { dataPoints?: unknown[] };
          sum?: { dataPoints?: unknown[] };
          histogram?: { dataPoints?: { bucketCounts?: unknown[] }[] };
        }[];
      }[];
    }[];
  };
  let samples = 0;
  let points = 0;
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const numbers = (m.gauge?.dataPoints?.length ?? 0) + (m.sum?.dataPoints?.length ?? 0);
        samples += numbers;
        points += numbers;
        for (const p of m.histogram?.dataPoints ?? []) {
          samples += (p.bucketCounts?.length ?? 0) + 2;
          points++;
        }
      }
    }
  }
  return { samples, points };
}

const usd = (n: number) => {
  if (n === 0) return '$0';
  if (Math.abs(n) >= 100) return `$${n.toFixed(0)}`;
  return `$${Number(n.toPrecision(3)).toString()}`;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      series: { type: 'string', default: '10000' },
      minutes: { type: 'string', default: '5' },
    },
    strict: true,
  });
  const fleet = Number(values.series);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(fleet) || fleet < 1)
    throw new Error('--series: a whole number of series, at least 1');
  if (!Number.isInteger(minutes) || minutes < 2 || minutes > 60) throw new Error('--minutes: 2…60');
  const started = performance.now();
  const config = parseConfig({});
  const DAY_MS = 86_400_000;
  const memoryHours = Math.min(
    8766,
    Math.ceil((config.correctionHorizonMs + config.allowedLatenessMs) / 3_600_000) + 1,
  );
  const magneticMonths = (table: string) => {
    const tier = config.tiers.find((t) => table === `tier_${t.name}`);
    const days = Math.min(
      73_000,
      Math.max(1, Math.ceil((config.retentionMs[tier?.name ?? ''] ?? 7 * DAY_MS) / DAY_MS)),
    );
    return (days * 24) / HOURS_PER_MONTH;
  };
  const timestream = { memoryHours, magneticMonths };

  process.stderr.write(
    `cost: OpenTelemetry SDK scenario (${SDK_SERIES} series a request, ${minutes} minutes)…\n`,
  );
  const sdkRun = await runScenario({ config, request: sdkExport(SDK_SERIES), minutes, timestream });
  process.stderr.write(`cost: Collector scenario (${COLLECTOR_POINTS} points a request to /v1/points)…\n`);
  const pointsRun = await runScenario({
    config,
    request: collectorBatch(COLLECTOR_POINTS, COLLECTOR_SERIES),
    minutes,
    timestream,
  });

  process.stderr.write(
    `cost: pod fleet scenario (${POD_FLEET.services} services × ${POD_FLEET.routes} routes × ${POD_FLEET.pods} pods), without and with a view…\n`,
  );
  const podRequest = podFleetExport(POD_FLEET);
  const podRuns = {
    noView: await runScenario({
      config,
      request: podRequest,
      requestsPerMinute: POD_FLEET.services,
      minutes,
      timestream,
    }),
    view: await runScenario({
      config: podFleetView(),
      request: podRequest,
      requestsPerMinute: POD_FLEET.services,
      minutes,
      timestream,
    }),
  };

  const prices: PriceTable = PRICES;
  const sinks: Service[] = ['timestream', 'dynamodb'];
  const seriesMinutes = Object.fromEntries(
    sinks.map((s) => [s, sinkFigures(sdkRun, config, s, (r) => r.seriesWindows)]),
  ) as Record<Service, SinkFigures>;
  const rawPoints = Object.fromEntries(
    sinks.map((s) => [s, sinkFigures(pointsRun, config, s, (r) => r.points)]),
  ) as Record<Service, SinkFigures>;
  const pointsPerSeriesMinute = 1 / (rawPoints.dynamodb.detail['series-minutes per unit'] ?? 1);
  const unitsPerMonth = {
    seriesMinutes: fleet * MINUTES_PER_MONTH,
    rawPoints: fleet * MINUTES_PER_MONTH * pointsPerSeriesMinute,
  };
  const perMillion = (figures: SinkFigures, units: number) =>
    costOf(
      usagePerMillion({ perUnit: figures.perUnit, fixedPerMonth: figures.fixedPerMonth }, units),
      prices,
    );
  const table = {
    'series-minutes': Object.fromEntries(
      sinks.map((s) => [s, perMillion(seriesMinutes[s], unitsPerMonth.seriesMinutes)]),
    ),
    'raw points': Object.fromEntries(
      sinks.map((s) => [s, perMillion(rawPoints[s], unitsPerMonth.rawPoints)]),
    ),
  } as Record<'series-minutes' | 'raw points', Record<Service, ReturnType<typeof costOf>>>;

  // Comparisons.
  const sdkBody = makeWorkload({ series: SDK_SERIES, pointsPerSeries: 1, seed: 1 });
  const amp = prometheusSamples(sdkBody.json);
  const samplesPerSeriesMinute = amp.samples / amp.points;
  const cloudWatch = cloudWatchPerMillionSeriesMinutes(prices);
  const comparisons = {
    cloudWatchPerMillionSeriesMinutes: cloudWatch,
    cloudWatchPerMillionRawPoints: cloudWatch / pointsPerSeriesMinute,
    prometheusSamplesPerSeriesMinute: samplesPerSeriesMinute,
    prometheusPerMillionSeriesMinutes: prometheusIngestCost(1e6 * samplesPerSeriesMinute, prices),
    prometheusPerMillionRawPoints: prometheusIngestCost(1e6, prices),
  };
  // Per source series-minute: a pod sends one point per series a minute, so a request's units are its points.
  const podConfigs = { noView: config, view: podFleetView() };
  const podFigures = Object.fromEntries(
    (['noView', 'view'] as const).map((k) => [
      k,
      Object.fromEntries(
        sinks.map((s) => [s, sinkFigures(podRuns[k], podConfigs[k], s, (r) => r.points)]),
      ) as Record<Service, SinkFigures>,
    ]),
  ) as Record<'noView' | 'view', Record<Service, SinkFigures>>;
  const podPerMillion = Object.fromEntries(
    (['noView', 'view'] as const).map((k) => [
      k,
      Object.fromEntries(
        sinks.map((s) => [s, perMillion(podFigures[k][s], unitsPerMonth.seriesMinutes)]),
      ) as Record<Service, ReturnType<typeof costOf>>,
    ]),
  ) as Record<'noView' | 'view', Record<Service, ReturnType<typeof costOf>>>;
  const storedPerSource = (k: 'noView' | 'view') =>
    podFigures[k].dynamodb.detail['series-minutes per unit'] ?? Number.NaN;
  const podSeries = podFleetSeries(POD_FLEET);
  const podView = podConfigs.view.views.map((v) => ({ name: v.name, ...describeView(v) }))[0];

  const fleets = [1_000, 10_000, 100_000, 1_000_000];
  const byFleet = Object.fromEntries(
    sinks.map((s) => [
      s,
      fleets.map((n) => ({
        series: n,
        perMillionSeriesMinutes: perMillion(seriesMinutes[s], n * MINUTES_PER_MONTH).total,
        monthly: costOf(
          addUsage(
            scaleUsage(seriesMinutes[s].perUnit, n * MINUTES_PER_MONTH),
            seriesMinutes[s].fixedPerMonth,
          ),
          prices,
        ).total,
      })),
    ]),
  ) as Record<Service, { series: number; perMillionSeriesMinutes: number; monthly: number }[]>;

  // Print.
  const readOn = [...new Set(Object.values(PRICES).map((p) => p.readOn))].join(', ');
  const w = Math.max(...COMPONENTS.map((c) => c.name.length), 'total'.length);
  const col = 13;
  const out: string[] = [];
  out.push(
    `windrow on AWS, us-east-1, on-demand list prices read ${readOn} (test/bench/cost-prices.ts), free tiers left out.`,
    `Fleet: ${fleet.toLocaleString('en-US')} series, each exporting once a minute (${SDK_SERIES} series a request), or sending ${pointsPerSeriesMinute} points a minute in batches of ${COLLECTOR_POINTS.toLocaleString('en-US')} (${COLLECTOR_SERIES} series a batch); tiers ${config.tiers.map((t) => t.name).join(' → ')}, ${config.shards} shards.`,
    '',
    `${''.padEnd(w)}  ${'per 1M series-minutes'.padEnd(2 * col + 2)}  per 1M raw points`,
    `${'component'.padEnd(w)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}`,
  );
  COMPONENTS.forEach((c, i) => {
    const cells = [
      table['series-minutes'].timestream,
      table['series-minutes'].dynamodb,
      table['raw points'].timestream,
      table['raw points'].dynamodb,
    ].map((t) => usd(t.lines[i]?.usd ?? 0).padStart(col));
    out.push(`${c.name.padEnd(w)}  ${cells.join('  ')}`);
  });
  out.push(
    `${'total'.padEnd(w)}  ${[
      table['series-minutes'].timestream,
      table['series-minutes'].dynamodb,
      table['raw points'].timestream,
      table['raw points'].dynamodb,
    ]
      .map((t) => usd(t.total).padStart(col))
      .join('  ')}`,
    '',
    `CloudWatch custom metrics: ${usd(comparisons.cloudWatchPerMillionSeriesMinutes)} per 1M series-minutes (a metric per series at $0.30/metric-month, first 10,000; PutMetricData calls not counted), ${usd(comparisons.cloudWatchPerMillionRawPoints)} per 1M raw points of this shape (${pointsPerSeriesMinute} a series-minute).`,
    `Amazon Managed Prometheus: ${usd(comparisons.prometheusPerMillionSeriesMinutes)} per 1M series-minutes of this workload (${samplesPerSeriesMinute.toFixed(2)} samples a series-minute: a histogram point is a sample per bucket + sum + count), ${usd(comparisons.prometheusPerMillionRawPoints)} per 1M raw points; ingestion only (storage left out: ~1–2 bytes a sample; queries left out).`,
    `Total per 1M series-minutes by fleet size (fixed costs shared out) — Timestream: ${byFleet.timestream.map((f) => `${f.series.toLocaleString('en-US')} series ${usd(f.perMillionSeriesMinutes)}`).join(', ')}; DynamoDB: ${byFleet.dynamodb.map((f) => `${f.series.toLocaleString('en-US')} series ${usd(f.perMillionSeriesMinutes)}`).join(', ')}.`,
    `Fixed per month (planner, empty closes, idle polling, ${sdkRun.metrics.length} own EMF metrics): Timestream ${usd(costOf(seriesMinutes.timestream.fixedPerMonth, prices).total)}, DynamoDB ${usd(costOf(seriesMinutes.dynamodb.fixedPerMonth, prices).total)}.`,
    '',
    `Views at ingest — a fleet of ${POD_FLEET.pods} pods per service, a delta histogram per route and pod (measured: ${POD_FLEET.services} services × ${POD_FLEET.routes} routes × ${POD_FLEET.pods} pods = ${podSeries.source.toLocaleString('en-US')} source series, a request of ${(POD_FLEET.routes * POD_FLEET.pods).toLocaleString('en-US')} per service a minute; fixed costs shared out over ${fleet.toLocaleString('en-US')} source series):`,
    `${''.padEnd(w)}  ${'per 1M source series-minutes'.padEnd(2 * col + 2)}  stored series-minutes`,
    `${''.padEnd(w)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}  per source series-minute`,
    ...(
      [
        ['no view', 'noView'],
        ['the view (keepSource: false)', 'view'],
      ] as const
    ).map(
      ([label, k]) =>
        `${label.padEnd(w)}  ${usd(podPerMillion[k].timestream.total).padStart(col)}  ${usd(podPerMillion[k].dynamodb.total).padStart(col)}  ${Number(storedPerSource(k).toPrecision(3))}`,
    ),
    `(the view: ${JSON.stringify(podView)} — ${podSeries.withoutInstance} series stored instead of ${podSeries.source.toLocaleString('en-US')}.)`,
    '',
    "PostgreSQL sink: not modeled. Its cost is the database, which the user runs and sizes (an instance, or Aurora Serverless v2 billed per ACU-hour), not a price per request windrow could measure here; windrow's own part is the DynamoDB column without its results-table writes and reads (window state, Lambda, SQS, logs are the same).",
    '',
    'Measured here (OpenTelemetry SDK scenario, DynamoDB sink; modeled Lambda ms = compute here × 1769/memory + round trips):',
  );
  for (const [k, v] of Object.entries(seriesMinutes.dynamodb.detail))
    out.push(`  ${k}: ${Number(v.toPrecision(4))}`);
  for (const [k, v] of Object.entries(seriesMinutes.timestream.detail)) {
    if (k.includes('Timestream')) out.push(`  ${k}: ${Number(v.toPrecision(4))}`);
  }
  out.push(
    `Assumed: round trips DynamoDB ${ROUND_TRIP_MS.dynamodb} ms, Timestream ${ROUND_TRIP_MS.timestream} ms, SQS ${ROUND_TRIP_MS.sqs} ms; this machine's core = a Graviton core; Lambda platform and API access log lines as in test/bench/cost.ts; one API key per exporter, so the authorizer runs for 1 request in 5 (API Gateway caches its answer 5 minutes); ${IDLE_RECEIVES_PER_MINUTE} idle SQS receives a minute; 1h rollup measured with ${minutes} of 60 child windows and 1d with 1 of 24 hours, partial reads and compute scaled up. Queries, data transfer, cold starts and free tiers not included.`,
    `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log(out.join('\n'));

  if (values.json !== undefined) {
    const figures = {
      region: 'us-east-1',
      pricesReadOn: readOn,
      prices: PRICES,
      fleet: {
        series: fleet,
        sdkSeriesPerRequest: SDK_SERIES,
        collectorPointsPerRequest: COLLECTOR_POINTS,
        pointsPerSeriesMinute,
      },
      assumptions: {
        memoryMb: MEMORY_MB,
        authorizerRunsPerRequest: AUTHORIZER_RUNS_PER_REQUEST,
        roundTripMs: ROUND_TRIP_MS,
        machineFactor: MACHINE_FACTOR,
        idleReceivesPerMinute: IDLE_RECEIVES_PER_MINUTE,
        platformLogBytesPerInvocation: PLATFORM_LOG_BYTES,
        accessLogBytesPerRequest: ACCESS_LOG_BYTES,
        minutesWithData: minutes,
      },
      perMillion: table,
      comparisons,
      byFleet,
      usage: { seriesMinutes, rawPoints },
      podFleetView: {
        measuredFleet: {
          ...POD_FLEET,
          sourceSeries: podSeries.source,
          storedWithView: podSeries.withoutInstance,
        },
        metric: POD_METRIC,
        view: podView,
        perMillionSourceSeriesMinutes: podPerMillion,
        storedSeriesMinutesPerSourceSeriesMinute: {
          noView: storedPerSource('noView'),
          view: storedPerSource('view'),
        },
        usage: podFigures,
      },
      ownMetrics: sdkRun.metrics,
    };
    writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`wrote the figures to ${values.json}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
