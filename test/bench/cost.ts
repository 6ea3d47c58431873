/**
 * `npm run cost`: what windrow costs on AWS (us-east-1) per million series-minutes (an OpenTelemetry
 * SDK exporting 500 series every 60 s into 1m windows, rolled up to 1h and 1d) and per million raw
 * points (a Collector posting batches of 1,000 points to `/v1/points`), for both result sinks, all in
 * — with a query workload — next to CloudWatch custom metrics and Amazon Managed Service for
 * Prometheus; and how many shards a fleet needs.
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
 *   idle queue polling, windrow's three own CloudWatch metrics) are shared out over a fleet of
 *   `--series` series.
 * - The 1h rollup is measured with `--minutes` of its 60 child windows holding data and the 1d rollup
 *   with 1 of its 24 hours: their partial reads and compute time are scaled up to a full hour and day.
 * - The authorizer runs for one request in five: one API key per exporter, sending once a minute,
 *   and API Gateway caches its answer 5 minutes.
 * - Lambda's own log lines (platform.start/report) and the HTTP API's access log line are written out
 *   below from their formats (infra/stack.ts), with typical values.
 * - Timestream: each table's memory store keeps a record from its write until its time + the
 *   table's hours (lib/adapters/timestream/table-retention.ts), then the magnetic store keeps it.
 * - Shards: the fleet is priced at the count `shardsFor` (cost-model.ts) chooses for `--series`
 *   (or `--shards N`), from inputs measured at one shard; every fleet size in the table is measured
 *   at its own count, and at 8 shards for comparison.
 * - The query workload (`QUERY_WORKLOAD`: a dashboard of 10 charts refreshing every minute, one `by`
 *   query a minute over 1,000 series) is measured by asking the query function on the scenario's
 *   data (DynamoDB sink); with Timestream, a Query's own time is assumed and TCU-hours are modeled.
 * - Data transfer out, cold starts, free tiers and the one-off series catalog writes of new series
 *   are not included.
 *
 * Views at ingest: a fleet of 50 pods per service (`podFleetExport`), once as it is and once with a
 * view that drops `service.instance.id` with `keepSource: false`, priced per million source
 * series-minutes (what the pods send), so the two are comparable.
 *
 * `npm run cost -- --json FILE` also writes every figure; `--series N` sets the fleet, `--shards N`
 * overrides the rule, `--minutes N` the minutes of data each scenario runs (2–60, default 5; more is
 * slower and closer).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { timestreamTableName } from '#adapters/timestream/table-name.js';
import { timestreamMemoryHours } from '#adapters/timestream/table-retention.js';
import { CLOSE_METRICS } from '#compose/close-worker/telemetry.js';
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
  type QuerySample,
  type QuerySpec,
  runScenario,
  type ScenarioRun,
  type Service,
  sdkExport,
  type TimestreamStorage,
} from './cost-measure.js';
import {
  addUsage,
  apiGatewayRequests,
  COMPONENTS,
  cloudWatchPerMillionSeriesMinutes,
  costOf,
  cpuSlowdown,
  HOURS_PER_MONTH,
  KIB,
  LOG_EVENT_OVERHEAD_BYTES,
  lambdaGbSeconds,
  logEventBytes,
  MINUTES_PER_MONTH,
  monthlyUsage,
  NO_USAGE,
  pacedStateWrites,
  partitionLoads,
  prometheusIngestCost,
  SHARD_LIMITS,
  type ShardChoice,
  type ShardInputs,
  scaleUsage,
  shardsFor,
  TIMESTREAM_MIN_TCUS,
  TIMESTREAM_TCU_MIN_SECONDS,
  timestreamTcuHours,
  type Usage,
  usage,
  usagePerMillion,
  WRITE_KINDS,
  type WriteKind,
} from './cost-model.js';
import { PRICES, type PriceTable } from './cost-prices.js';
import { makeWorkload } from './decode.js';

/** Memory of each function, as infra/stack.ts configures it. */
export const MEMORY_MB = {
  ingest: 1024,
  planner: 512,
  closeWorker: 1769,
  authorizer: 256,
  query: 1024,
} as const;
/**
 * windrow's own CloudWatch metrics, each one stream (dimension `service` only): the close worker's
 * CloseLag, Corrections and JobsFailed (lib/compose/close-worker/telemetry.ts). All three are priced,
 * though a clean run emits only CloseLag.
 */
export const OWN_METRICS: readonly string[] = Object.keys(CLOSE_METRICS);
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
export function podFleetView(shards?: number): WindrowConfig {
  return parseConfig({
    ...(shards === undefined ? {} : { shards }),
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

/** Write units by kind of item (`WriteKind`), per column: ingest, then each tier's close jobs. */
export type WriteBreakdown = Record<string, Record<WriteKind, number>>;

export interface SinkFigures {
  /** Per series-minute (the SDK scenario) or per raw point (the Collector scenario). */
  readonly perUnit: Usage;
  readonly fixedPerMonth: Usage;
  /**
   * `perUnit.dynamoWriteUnits` by item kind and by where it was written: `ingest`, and each tier's
   * close jobs beyond an empty job (`1m` writes the 1h tier's `~` partials, and so on). Adds up to
   * `perUnit.dynamoWriteUnits`.
   */
  readonly writesPerUnit: WriteBreakdown;
  /** `fixedPerMonth.dynamoWriteUnits` by item kind (the planner, empty close jobs). */
  readonly fixedWritesPerMonth: Record<WriteKind, number>;
  /** Measured figures behind them, for the report. */
  readonly detail: Record<string, number>;
}

function kindsOf(f: (k: WriteKind) => number): Record<WriteKind, number> {
  return Object.fromEntries(WRITE_KINDS.map((k) => [k, f(k)])) as Record<WriteKind, number>;
}

/** Write units of kind `k` a close job wrote with sink `sink` (its common part and the sink's). */
const jobWrites = (job: CloseSample, sink: Service, k: WriteKind) =>
  job.common.writes[k].units + job.sinks[sink].writes[k].units;

/** The sum of a breakdown's write units. */
export function breakdownTotal(b: WriteBreakdown): number {
  return Object.values(b).reduce((a, kinds) => a + WRITE_KINDS.reduce((x, k) => x + kinds[k], 0), 0);
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
  const writesPerUnit: WriteBreakdown = {
    ingest: kindsOf((k) => mean(warmIngest, (s) => s.counters.writes[k].units / unitsPerRequest(s))),
  };

  const empty = run.closes.filter((c) => c.series === 0 && c.job.tier === 0).slice(config.shards);
  const emptyJob = scaleUsage(addUsage(...empty.map((j) => jobUsage(j, sink).usage)), 1 / empty.length);
  const emptyMs = mean(empty, (j) => jobUsage(j, sink).ms);
  const emptyWrites = kindsOf((k) => mean(empty, (j) => jobWrites(j, sink, k)));

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
    writesPerUnit[tier.name] = kindsOf(
      (k) =>
        (jobs.reduce((a, j) => a + jobWrites(j, sink, k), 0) - jobs.length * emptyWrites[k]) *
        (seriesMinutesPerUnit / seriesMinutes),
    );
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
      // The close worker's three metrics, one stream each (a clean run emits only CloseLag).
      metricMonths: OWN_METRICS.length,
    }),
    scaleUsage(emptyJob, jobsPerMonth),
  );
  const fixedWritesPerMonth = kindsOf(
    (k) => ticks * mean(steadyPlanner, (p) => p.counters.writes[k].units) + jobsPerMonth * emptyWrites[k],
  );

  return {
    perUnit,
    fixedPerMonth,
    writesPerUnit,
    fixedWritesPerMonth,
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
      'own EMF metrics (priced)': OWN_METRICS.length,
      'own EMF metrics (seen in this run)': run.metrics.length,
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
const num = (n: number, digits = 3) => Number(n.toPrecision(digits)).toLocaleString('en-US');
const count = (n: number) => n.toLocaleString('en-US');

/** The names of the metrics of an OTLP JSON body, in order. */
export function metricNames(otlpJson: string): string[] {
  const body = JSON.parse(otlpJson) as {
    resourceMetrics?: { scopeMetrics?: { metrics?: { name?: string }[] }[] }[];
  };
  return (body.resourceMetrics ?? []).flatMap((rm) =>
    (rm.scopeMetrics ?? []).flatMap((sm) => (sm.metrics ?? []).map((m) => m.name ?? '')),
  );
}

// Timestream tables.

const DAY_MS = 86_400_000;

/** The Timestream tables windrow creates (infra/stack.ts): one per window, with its retention. */
function timestreamWindows(config: WindrowConfig) {
  const firstTier = config.tiers[0]?.name ?? '1m';
  const firstRetention = config.retentionMs[firstTier] ?? 7 * DAY_MS;
  return [
    ...config.tiers.map((t) => ({
      table: timestreamTableName(t.name, 'tier'),
      kind: 'tier' as const,
      sizeMs: t.sizeMs,
      retentionMs: config.retentionMs[t.name] ?? 7 * DAY_MS,
    })),
    ...config.sliding.map((w) => ({
      table: timestreamTableName(w.name, 'sliding'),
      kind: 'sliding' as const,
      sizeMs: w.sizeMs,
      retentionMs: firstRetention,
    })),
    ...config.sessions.map((w) => ({
      table: timestreamTableName(w.name, 'session'),
      kind: 'session' as const,
      sizeMs: w.gapMs,
      retentionMs: firstRetention,
    })),
  ];
}

/**
 * What each Timestream table keeps, as infra/stack.ts sets it: the memory store per table
 * (`timestreamMemoryHours`: a tier's size + lateness + 10 min; sessions the horizon), then the
 * magnetic store for the window's retention.
 */
export function timestreamStorage(config: WindrowConfig): TimestreamStorage {
  const windows = new Map(timestreamWindows(config).map((w) => [w.table, w]));
  const of = (table: string) => {
    const w = windows.get(table);
    if (w === undefined) throw new Error(`no Timestream table ${table} in this configuration`);
    return w;
  };
  return {
    memoryHours: (table) => timestreamMemoryHours(of(table), config),
    magneticMonths: (table) =>
      (Math.min(73_000, Math.max(1, Math.ceil(of(table).retentionMs / DAY_MS))) * 24) / HOURS_PER_MONTH,
  };
}

// Shards.

/** First-tier close jobs with data, the first window's (cold) left out. */
function warmJobs(run: ScenarioRun, tier: number): CloseSample[] {
  const firstWindow = Math.min(...run.closes.filter((c) => c.series > 0).map((c) => c.job.windowStartMs));
  return run.closes.filter(
    (c) => c.job.tier === tier && c.series > 0 && !(tier === 0 && c.job.windowStartMs === firstWindow),
  );
}

/**
 * The shard rule's inputs (`ShardInputs`), measured in `run` (the SDK scenario): item bytes per
 * series of each kind, and the first-tier close job's modeled duration — fixed part (an empty job)
 * and per series, with whichever sink takes longer.
 */
export function shardInputs(run: ScenarioRun, config: WindrowConfig, seriesPerMetric: number): ShardInputs {
  const warm = run.ingest.slice(1);
  const ingest = warm.map((s) => s.counters.writes['ingest partials']);
  const seriesWindows = warm.reduce((a, s) => a + s.seriesWindows, 0);
  const items = ingest.reduce((a, w) => a + w.items, 0);
  let stateBytesPerSeries = 0;
  for (const tier of config.tiers) {
    const jobs = warmJobs(run, tier.level);
    const series = jobs.reduce((a, j) => a + j.series, 0);
    for (const kind of ['closed states', 'parent partials'] as const) {
      const bytes = jobs.reduce((a, j) => a + j.common.writes[kind].bytes, 0);
      if (series > 0) stateBytesPerSeries = Math.max(stateBytesPerSeries, bytes / series);
    }
  }
  const first = warmJobs(run, 0);
  const firstSeries = first.reduce((a, j) => a + j.series, 0);
  const empty = run.closes.filter((c) => c.series === 0 && c.job.tier === 0).slice(config.shards);
  const sinks: Service[] = ['dynamodb', 'timestream'];
  const emptyMs = Math.max(...sinks.map((s) => mean(empty, (j) => jobUsage(j, s).ms)));
  const perSeries = Math.max(
    ...sinks.map(
      (s) =>
        (mean(first, (j) => jobUsage(j, s).ms) - mean(empty, (j) => jobUsage(j, s).ms)) /
        mean(first, (j) => j.series),
    ),
  );
  return {
    seriesPerRequest: mean(warm, (s) => s.seriesWindows),
    ingestBytesPerSeries: ingest.reduce((a, w) => a + w.dataBytes, 0) / seriesWindows,
    ingestItemBytes: ingest.reduce((a, w) => a + w.bytes - w.dataBytes, 0) / items,
    stateBytesPerSeries,
    resultBytesPerSeries:
      first.reduce((a, j) => a + j.sinks.dynamodb.writes['results packs'].bytes, 0) / firstSeries,
    seriesPerMetric,
    closeJobMs: emptyMs,
    closeMsPerSeries: Math.max(0, perSeries),
  };
}

// The query workload.

/**
 * The query workload priced with every fleet ("all in" includes reading): a dashboard of 10 charts
 * refreshing every minute, each one metric of the SDK workload (20 series) over the last hour at
 * `tier=auto` (60 1m windows), and one `by=http.route` query a minute over 1,000 series of a delta
 * histogram (60 windows). Measured by asking the query function (scenario step 5 in cost-measure.ts).
 */
export const QUERY_WORKLOAD = { charts: 10, byQueries: 1, refreshesPerMonth: MINUTES_PER_MONTH } as const;
/** The `by` query's series: 2 services × 10 routes × 50 pods, one delta histogram each. */
const BY_FLEET: PodFleet = { services: 2, routes: 10, pods: 50 };
/** Assumed (not measured here: the fake has no query endpoint): a Timestream Query's own time. */
export const TIMESTREAM_QUERY_MS = 500;
/**
 * Assumed: the dashboard issues a refresh's queries together, so they overlap and keep the minimum
 * 4 TCUs busy a few seconds at most — billed the 30 s minimum once a minute.
 */
export const TCU_BUSY_SECONDS = 10;

export interface QueryWorkloadFigures {
  /** A month of the workload, per sink (fixed: it does not grow with the fleet). */
  readonly perMonth: Record<Service, Usage>;
  readonly detail: Record<string, number>;
}

/** The query workload's monthly usage per sink, from the chart queries of `charts` and the `by` query of `by`. */
export function queryWorkload(charts: ScenarioRun, by: ScenarioRun): QueryWorkloadFigures {
  for (const q of [...charts.queries, ...by.queries]) {
    if (q.status !== 200) throw new Error(`query ${q.name} answered ${q.status}`);
  }
  const named = (run: ScenarioRun, name: string, warm = true) => {
    const samples = run.queries.filter((q) => q.name === name && q.warm === warm);
    if (samples.length === 0) throw new Error(`no answers to the query ${name}`);
    return samples;
  };
  const chartNames = [...new Set(charts.queries.map((q) => q.name))].filter((n) => n.startsWith('chart '));
  if (chartNames.length !== QUERY_WORKLOAD.charts) throw new Error(`${chartNames.length} charts asked`);
  const queryMs = (q: QuerySample) => lambdaMs([q.counters], MEMORY_MB.query);
  const request = (ms: number, reads: number, c: Counters) =>
    usage({
      apiRequests: 1,
      lambdaRequests: 1,
      queryGbSeconds: lambdaGbSeconds(ms, MEMORY_MB.query),
      dynamoReadUnits: reads,
      logBytes: logs(c) + PLATFORM_LOG_BYTES + ACCESS_LOG_BYTES,
    });
  const dynamo = (qs: QuerySample[]) =>
    scaleUsage(
      addUsage(...qs.map((q) => request(queryMs(q), q.counters.dynamoReadUnits, q.counters))),
      1 / qs.length,
    );
  // With Timestream: the same function, but the records come from a Timestream Query (assumed time)
  // and the catalog (the lookup, measured); the checkpoints are read the same way.
  const timestreamMs = (q: QuerySample) =>
    q.counters.computeMs * cpuSlowdown(MEMORY_MB.query) * MACHINE_FACTOR +
    (q.counters.rounds.dynamodb - q.counters.resultReadPages) * ROUND_TRIP_MS.dynamodb +
    TIMESTREAM_QUERY_MS +
    lambdaMs([q.lookup], MEMORY_MB.query);
  const timestream = (qs: QuerySample[]) =>
    scaleUsage(
      addUsage(
        ...qs.map((q) =>
          request(
            timestreamMs(q),
            q.counters.dynamoReadUnits - q.counters.resultReadUnits + q.lookup.dynamoReadUnits,
            q.counters,
          ),
        ),
      ),
      1 / qs.length,
    );
  const warmAuthorizer = charts.authorizer.slice(1);
  // One API key for the dashboard: API Gateway caches the authorizer's answer 5 minutes.
  const authorizer = scaleUsage(
    usage({
      lambdaRequests: 1,
      authorizerGbSeconds: lambdaGbSeconds(
        mean(warmAuthorizer, (c) => lambdaMs([c], MEMORY_MB.authorizer)),
        MEMORY_MB.authorizer,
      ),
      dynamoReadUnits: mean(warmAuthorizer, (c) => c.dynamoReadUnits),
      logBytes: mean(warmAuthorizer, logs) + PLATFORM_LOG_BYTES,
    }),
    1 / 5,
  );
  const perRefresh = {
    dynamodb: addUsage(
      ...chartNames.map((n) => dynamo(named(charts, n))),
      scaleUsage(dynamo(named(by, 'by')), QUERY_WORKLOAD.byQueries),
      authorizer,
    ),
    // `by` is refused with Timestream (no states): the same 1,000 series read plainly instead.
    timestream: addUsage(
      ...chartNames.map((n) => timestream(named(charts, n))),
      scaleUsage(timestream(named(by, 'plain')), QUERY_WORKLOAD.byQueries),
      authorizer,
    ),
  };
  const months = QUERY_WORKLOAD.refreshesPerMonth;
  const allCharts = chartNames.flatMap((n) => named(charts, n));
  const byAnswers = named(by, 'by');
  const plain = named(by, 'plain');
  return {
    perMonth: {
      dynamodb: scaleUsage(perRefresh.dynamodb, months),
      timestream: addUsage(
        scaleUsage(perRefresh.timestream, months),
        usage({
          timestreamTcuHours: timestreamTcuHours(months, TCU_BUSY_SECONDS, TIMESTREAM_MIN_TCUS, 60),
        }),
      ),
    },
    detail: {
      'chart: series × points': mean(allCharts, (q) => q.points),
      'chart: results bytes read': mean(allCharts, (q) => q.counters.resultReadBytes),
      'chart: results Query pages': mean(allCharts, (q) => q.counters.resultReadPages),
      'chart: read units (results + checkpoints)': mean(allCharts, (q) => q.counters.dynamoReadUnits),
      'chart: Lambda ms (modeled, DynamoDB sink)': mean(allCharts, queryMs),
      'chart: answer bytes': mean(allCharts, (q) => q.bodyBytes),
      'chart: catalog read units with Timestream (warm function: cached)': mean(
        allCharts,
        (q) => q.lookup.dynamoReadUnits,
      ),
      'chart: catalog read units with Timestream (cold function)': mean(
        chartNames.flatMap((n) => named(charts, n, false)),
        (q) => q.lookup.dynamoReadUnits,
      ),
      'by: groups': mean(byAnswers, (q) => q.series),
      'by: results bytes read': mean(byAnswers, (q) => q.counters.resultReadBytes),
      'by: read units (results + checkpoints)': mean(byAnswers, (q) => q.counters.dynamoReadUnits),
      'by: Lambda ms (modeled)': mean(byAnswers, queryMs),
      'by: answer bytes': mean(byAnswers, (q) => q.bodyBytes),
      'plain 1,000 series: read units': mean(plain, (q) => q.counters.dynamoReadUnits),
      'plain 1,000 series: Lambda ms (modeled, DynamoDB sink)': mean(plain, queryMs),
      '1,000 series: catalog read units with Timestream (cold function)': mean(
        named(by, 'by', false),
        (q) => q.lookup.dynamoReadUnits,
      ),
      'Timestream TCU-hours a month': timestreamTcuHours(months, TCU_BUSY_SECONDS, TIMESTREAM_MIN_TCUS, 60),
    },
  };
}

// The report.

/** The shard count `npm run cost` measures against (the default) for comparison. */
const REFERENCE_SHARDS = parseConfig({}).shards;
/** The shard count the shard rule's inputs are measured at: one, so close jobs are as large as here they get. */
const INPUT_SHARDS = 1;
const FLEETS = [1_000, 10_000, 100_000, 1_000_000];
/** Issue 15's goals, at 10,000 series. */
export const GOALS = { series: 10_000, dynamodb: 0.2, timestream: 0.5, fixedPerMonth: 3 } as const;

interface FleetFigures {
  readonly series: number;
  readonly shards: number;
  readonly shardChoice: ShardChoice;
  /** Per 1M series-minutes, fixed costs shared out: without the query workload, and all in. */
  readonly perMillion: Record<Service, number>;
  readonly allIn: Record<Service, number>;
  readonly monthly: Record<Service, number>;
  readonly fixedPerMonth: Record<Service, number>;
  /** The same at 8 shards. */
  readonly perMillionAt8: Record<Service, number>;
  readonly allInAt8: Record<Service, number>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      series: { type: 'string', default: '10000' },
      minutes: { type: 'string', default: '5' },
      shards: { type: 'string' },
    },
    strict: true,
  });
  const fleet = Number(values.series);
  const minutes = Number(values.minutes);
  const shardsAsked = values.shards === undefined ? undefined : Number(values.shards);
  if (!Number.isInteger(fleet) || fleet < 1)
    throw new Error('--series: a whole number of series, at least 1');
  if (!Number.isInteger(minutes) || minutes < 2 || minutes > 60) throw new Error('--minutes: 2…60');
  if (
    shardsAsked !== undefined &&
    !(Number.isInteger(shardsAsked) && shardsAsked >= 1 && shardsAsked <= 9_999)
  )
    throw new Error('--shards: 1…9999 (default: the rule, shardsFor)');
  const started = performance.now();
  const elapsed = () => `(${((performance.now() - started) / 1000).toFixed(0)} s)`;
  const configFor = (shards: number) => parseConfig({ shards });
  const timestream = timestreamStorage(parseConfig({}));
  const prices: PriceTable = PRICES;
  const sinks: Service[] = ['timestream', 'dynamodb'];

  const sdkBody = makeWorkload({ series: SDK_SERIES, pointsPerSeries: 1, seed: 1 });
  const names = metricNames(sdkBody.json);
  const seriesPerMetric = SDK_SERIES / names.length;
  const charts: QuerySpec[] = names
    .slice(0, QUERY_WORKLOAD.charts)
    .map((metric) => ({ name: `chart ${metric}`, metric }));

  // Scenario runs, one at a time (they capture stdout), each shard count once.
  const sdkRuns = new Map<number, ScenarioRun>();
  const sdkRun = async (shards: number) => {
    let run = sdkRuns.get(shards);
    if (run === undefined) {
      process.stderr.write(
        `cost: OpenTelemetry SDK scenario, ${shards} shard${shards === 1 ? '' : 's'} (${SDK_SERIES} series a request, ${minutes} minutes, ${charts.length} chart queries)… ${elapsed()}\n`,
      );
      run = await runScenario({
        config: configFor(shards),
        request: sdkExport(SDK_SERIES),
        minutes,
        timestream,
        queries: charts,
        queryRounds: 2,
      });
      sdkRuns.set(shards, run);
    }
    return run;
  };

  // The rule's inputs from the largest close jobs measured here: one shard, 500 series a job.
  const inputs = shardInputs(await sdkRun(INPUT_SHARDS), configFor(INPUT_SHARDS), seriesPerMetric);
  const choice = shardsFor(fleet, inputs);
  const shards = shardsAsked ?? choice.shards;
  const config = configFor(shards);
  const sdk = await sdkRun(shards);

  process.stderr.write(
    `cost: by query scenario (${count(podFleetSeries(BY_FLEET).source)} histogram series, ${shards} shard${shards === 1 ? '' : 's'})… ${elapsed()}\n`,
  );
  const byRun = await runScenario({
    config,
    request: podFleetExport(BY_FLEET),
    requestsPerMinute: BY_FLEET.services,
    minutes,
    timestream,
    queries: [
      { name: 'by', metric: POD_METRIC, extra: '&by=http.route' },
      { name: 'plain', metric: POD_METRIC },
    ],
    queryRounds: 2,
  });
  process.stderr.write(
    `cost: Collector scenario (${COLLECTOR_POINTS} points a request to /v1/points)… ${elapsed()}\n`,
  );
  const pointsRun = await runScenario({
    config,
    request: collectorBatch(COLLECTOR_POINTS, COLLECTOR_SERIES),
    minutes,
    timestream,
  });
  process.stderr.write(
    `cost: pod fleet scenario (${POD_FLEET.services} services × ${POD_FLEET.routes} routes × ${POD_FLEET.pods} pods), without and with a view… ${elapsed()}\n`,
  );
  const podRequest = podFleetExport(POD_FLEET);
  const podConfigs = { noView: config, view: podFleetView(shards) };
  const podRuns = {
    noView: await runScenario({
      config: podConfigs.noView,
      request: podRequest,
      requestsPerMinute: POD_FLEET.services,
      minutes,
      timestream,
    }),
    view: await runScenario({
      config: podConfigs.view,
      request: podRequest,
      requestsPerMinute: POD_FLEET.services,
      minutes,
      timestream,
    }),
  };

  // Figures.
  const bySink = <T>(f: (s: Service) => T) =>
    Object.fromEntries(sinks.map((s) => [s, f(s)])) as Record<Service, T>;
  const seriesMinutes = bySink((s) => sinkFigures(sdk, config, s, (r) => r.seriesWindows));
  const rawPoints = bySink((s) => sinkFigures(pointsRun, config, s, (r) => r.points));
  const queries = queryWorkload(sdk, byRun);
  const pointsPerSeriesMinute = 1 / (rawPoints.dynamodb.detail['series-minutes per unit'] ?? 1);
  const unitsPerMonth = {
    seriesMinutes: fleet * MINUTES_PER_MONTH,
    rawPoints: fleet * MINUTES_PER_MONTH * pointsPerSeriesMinute,
  };
  const perMillion = (figures: SinkFigures, units: number, extraPerMonth: Usage = NO_USAGE) =>
    costOf(
      usagePerMillion(
        { perUnit: figures.perUnit, fixedPerMonth: addUsage(figures.fixedPerMonth, extraPerMonth) },
        units,
      ),
      prices,
    );
  const table = {
    'series-minutes': bySink((s) => perMillion(seriesMinutes[s], unitsPerMonth.seriesMinutes)),
    'raw points': bySink((s) => perMillion(rawPoints[s], unitsPerMonth.rawPoints)),
  };
  const queryTable = bySink((s) => costOf(queries.perMonth[s], prices));

  // By fleet size: each at the rule's shard count, and at 8 shards.
  const fleetFigures = async (n: number): Promise<FleetFigures> => {
    const c = shardsFor(n, inputs);
    const s = n === fleet ? shards : c.shards;
    const at = async (k: number) => {
      const run = await sdkRun(k);
      const f = bySink((sink) => sinkFigures(run, configFor(k), sink, (r) => r.seriesWindows));
      const q = queryWorkload(run, byRun);
      return { f, q };
    };
    const here = await at(s);
    const ref = await at(REFERENCE_SHARDS);
    const units = n * MINUTES_PER_MONTH;
    return {
      series: n,
      shards: s,
      shardChoice: c,
      perMillion: bySink((k) => perMillion(here.f[k], units).total),
      allIn: bySink((k) => perMillion(here.f[k], units, here.q.perMonth[k]).total),
      monthly: bySink(
        (k) => costOf(addUsage(monthlyUsage(here.f[k], units), here.q.perMonth[k]), prices).total,
      ),
      fixedPerMonth: bySink((k) => costOf(here.f[k].fixedPerMonth, prices).total),
      perMillionAt8: bySink((k) => perMillion(ref.f[k], units).total),
      allInAt8: bySink((k) => perMillion(ref.f[k], units, ref.q.perMonth[k]).total),
    };
  };
  const byFleet: FleetFigures[] = [];
  for (const n of [...new Set([...FLEETS, fleet])].sort((a, b) => a - b)) byFleet.push(await fleetFigures(n));
  const here = byFleet.find((f) => f.series === fleet) as FleetFigures;
  const goalFleet = byFleet.find((f) => f.series === GOALS.series) as FleetFigures;
  // The rule's inputs (one shard's large jobs): a run at many shards has jobs too small to time per series.
  const loads = partitionLoads(fleet, shards, inputs);
  const paced = shardsFor(fleet, pacedStateWrites(inputs));
  const synchronized = shardsFor(fleet, inputs, { ...SHARD_LIMITS, peakFactor: 60 });
  const allInHere = bySink((s) =>
    perMillion(seriesMinutes[s], unitsPerMonth.seriesMinutes, queries.perMonth[s]),
  );

  // Comparisons.
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
  const podFigures = {
    noView: bySink((s) => sinkFigures(podRuns.noView, podConfigs.noView, s, (r) => r.points)),
    view: bySink((s) => sinkFigures(podRuns.view, podConfigs.view, s, (r) => r.points)),
  };
  const podPerMillion = {
    noView: bySink((s) => perMillion(podFigures.noView[s], unitsPerMonth.seriesMinutes)),
    view: bySink((s) => perMillion(podFigures.view[s], unitsPerMonth.seriesMinutes)),
  };
  const storedPerSource = (k: 'noView' | 'view') =>
    podFigures[k].dynamodb.detail['series-minutes per unit'] ?? Number.NaN;
  const podSeries = podFleetSeries(POD_FLEET);
  const podView = podConfigs.view.views.map((v) => ({ name: v.name, ...describeView(v) }))[0];

  const goals = {
    series: GOALS.series,
    shards: goalFleet.shards,
    dynamodb: {
      allIn: goalFleet.allIn.dynamodb,
      goal: GOALS.dynamodb,
      met: goalFleet.allIn.dynamodb <= GOALS.dynamodb,
    },
    timestream: {
      withoutQueries: goalFleet.perMillion.timestream,
      allIn: goalFleet.allIn.timestream,
      goal: GOALS.timestream,
      metWithoutQueries: goalFleet.perMillion.timestream <= GOALS.timestream,
      met: goalFleet.allIn.timestream <= GOALS.timestream,
    },
    fixedPerMonth: {
      dynamodb: goalFleet.fixedPerMonth.dynamodb,
      timestream: goalFleet.fixedPerMonth.timestream,
      goal: GOALS.fixedPerMonth,
      met:
        Math.max(goalFleet.fixedPerMonth.dynamodb, goalFleet.fixedPerMonth.timestream) <= GOALS.fixedPerMonth,
    },
  };

  // Print.
  const readOn = [...new Set(Object.values(PRICES).map((p) => p.readOn))].join(', ');
  const w = Math.max(...COMPONENTS.map((c) => c.name.length), 'total'.length);
  const col = 13;
  const out: string[] = [];
  const shardNote =
    shardsAsked === undefined
      ? `the rule's count for ${count(fleet)} series, see "Shards" below`
      : `--shards; the rule would choose ${choice.shards}`;
  out.push(
    `windrow on AWS, us-east-1, on-demand list prices read ${readOn} (test/bench/cost-prices.ts), free tiers left out.`,
    `Fleet: ${count(fleet)} series, each exporting once a minute (${SDK_SERIES} series a request), or sending ${pointsPerSeriesMinute} points a minute in batches of ${count(COLLECTOR_POINTS)} (${COLLECTOR_SERIES} series a batch); tiers ${config.tiers.map((t) => t.name).join(' → ')}; ${shards} shard${shards === 1 ? '' : 's'} (${shardNote}).`,
    '',
    `${''.padEnd(w)}  ${'per 1M series-minutes'.padEnd(2 * col + 2)}  per 1M raw points`,
    `${'component'.padEnd(w)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}`,
  );
  const columns = [
    table['series-minutes'].timestream,
    table['series-minutes'].dynamodb,
    table['raw points'].timestream,
    table['raw points'].dynamodb,
  ];
  COMPONENTS.forEach((c, i) => {
    const cells = columns.map((t) => t.lines[i]?.usd ?? 0);
    if (cells.every((v) => v === 0)) return; // the query workload's lines: below
    out.push(`${c.name.padEnd(w)}  ${cells.map((v) => usd(v).padStart(col)).join('  ')}`);
  });
  out.push(
    `${'total (without queries)'.padEnd(w)}  ${columns.map((t) => usd(t.total).padStart(col)).join('  ')}`,
    `${`same at ${REFERENCE_SHARDS} shards`.padEnd(w)}  ${[here.perMillionAt8.timestream, here.perMillionAt8.dynamodb].map((v) => usd(v).padStart(col)).join('  ')}`,
    '',
  );

  // Query workload.
  out.push(
    `Query workload ("all in" includes reading): a dashboard of ${QUERY_WORKLOAD.charts} charts refreshing every minute (each one metric of the SDK workload, ${seriesPerMetric} series, last hour at tier=auto: 60 1m windows) and ${QUERY_WORKLOAD.byQueries} by=http.route query a minute over ${count(podFleetSeries(BY_FLEET).source)} histogram series (60 windows); a month, whatever the fleet:`,
    `${''.padEnd(w)}  ${'Timestream'.padStart(col)}  ${'DynamoDB'.padStart(col)}`,
  );
  COMPONENTS.forEach((c, i) => {
    const cells = [queryTable.timestream, queryTable.dynamodb].map((t) => t.lines[i]?.usd ?? 0);
    if (cells.every((v) => v === 0)) return;
    out.push(`${c.name.padEnd(w)}  ${cells.map((v) => usd(v).padStart(col)).join('  ')}`);
  });
  out.push(
    `${'total a month'.padEnd(w)}  ${[queryTable.timestream, queryTable.dynamodb].map((t) => usd(t.total).padStart(col)).join('  ')}`,
    `${`per 1M series-minutes at ${count(fleet)}`.padEnd(w)}  ${[queryTable.timestream, queryTable.dynamodb].map((t) => usd((t.total * 1e6) / unitsPerMonth.seriesMinutes).padStart(col)).join('  ')}`,
    `${'all in per 1M series-minutes'.padEnd(w)}  ${[allInHere.timestream, allInHere.dynamodb].map((t) => usd(t.total).padStart(col)).join('  ')}`,
    `${`all in at ${REFERENCE_SHARDS} shards`.padEnd(w)}  ${[here.allInAt8.timestream, here.allInAt8.dynamodb].map((v) => usd(v).padStart(col)).join('  ')}`,
    `Measured by asking the query function on the scenario's data (DynamoDB sink): a chart reads ${num(queries.detail['chart: results bytes read'] ?? 0)} bytes of results in ${num(queries.detail['chart: results Query pages'] ?? 0)} Query page(s), ${num(queries.detail['chart: read units (results + checkpoints)'] ?? 0)} read units with the checkpoints (eventually consistent: a page bills its summed item sizes in 4 KB units, halved), ${num(queries.detail['chart: Lambda ms (modeled, DynamoDB sink)'] ?? 0)} ms; the by query ${num(queries.detail['by: results bytes read'] ?? 0)} bytes, ${num(queries.detail['by: read units (results + checkpoints)'] ?? 0)} read units, ${num(queries.detail['by: Lambda ms (modeled)'] ?? 0)} ms, ${num(queries.detail['by: groups'] ?? 0)} groups.`,
    `Timestream: by is refused (no states), so the same 1,000 series are read plainly instead; a Query's own time is assumed ${TIMESTREAM_QUERY_MS} ms, catalog reads measured (a warm function has the series cached; a cold one reads ${num(queries.detail['chart: catalog read units with Timestream (cold function)'] ?? 0)} read units a chart). TCUs (${usd(PRICES.timestreamTcuHour.usd)}/TCU-hour): at least ${TIMESTREAM_MIN_TCUS}, billed per second with a ${TIMESTREAM_TCU_MIN_SECONDS} s minimum; assumed the dashboard issues a refresh's queries together, so they overlap on the minimum ${TIMESTREAM_MIN_TCUS} TCUs for a few seconds and are billed ${TIMESTREAM_MIN_TCUS} TCUs × ${TIMESTREAM_TCU_MIN_SECONDS} s a minute = ${num(queries.detail['Timestream TCU-hours a month'] ?? 0)} TCU-hours a month, whatever the fleet (charts refreshing at their own times would keep the TCUs busy all minute: twice that; a minimum per query would be ${QUERY_WORKLOAD.charts + QUERY_WORKLOAD.byQueries} times that).`,
    '',
  );

  // Write units by item.
  const kinds = WRITE_KINDS;
  const breakdown = seriesMinutes.dynamodb.writesPerUnit;
  const breakdown8 = sinkFigures(
    await sdkRun(REFERENCE_SHARDS),
    configFor(REFERENCE_SHARDS),
    'dynamodb',
    (r) => r.seriesWindows,
  ).writesPerUnit;
  const wuCols = Object.keys(breakdown);
  const kw = Math.max(...kinds.map((k) => k.length), 'total'.length);
  const wc = 10;
  const perMillionUsd = (wu: number) => wu * PRICES.dynamoWriteRequestUnits.usd;
  const rowTotal = (b: WriteBreakdown, k: WriteKind) => Object.values(b).reduce((a, x) => a + x[k], 0);
  const total = breakdownTotal(breakdown);
  out.push(
    `DynamoDB write units per series-minute, by item (DynamoDB sink, ${shards} shard${shards === 1 ? '' : 's'}; columns: who writes — ingest, and each tier's close jobs beyond an empty job, whose writes are fixed costs; a 1m close writes the 1h tier's ~ partials):`,
    `${'item'.padEnd(kw)}  ${[...wuCols.map((c) => (c === 'ingest' ? 'ingest' : `${c} close`)), 'total', 'share', '$ per 1M', `${REFERENCE_SHARDS} shards`].map((c) => c.padStart(wc)).join('  ')}`,
  );
  for (const k of kinds) {
    const t = rowTotal(breakdown, k);
    out.push(
      `${k.padEnd(kw)}  ${[
        ...wuCols.map((c) => num(breakdown[c]?.[k] ?? 0)),
        num(t),
        `${((100 * t) / total).toFixed(0)}%`,
        usd(perMillionUsd(t)),
        num(rowTotal(breakdown8, k)),
      ]
        .map((c) => c.padStart(wc))
        .join('  ')}`,
    );
  }
  out.push(
    `${'total'.padEnd(kw)}  ${[
      ...wuCols.map((c) => num(kinds.reduce((a, k) => a + (breakdown[c]?.[k] ?? 0), 0))),
      num(total),
      '100%',
      usd(perMillionUsd(total)),
      num(breakdownTotal(breakdown8)),
    ]
      .map((c) => c.padStart(wc))
      .join('  ')}`,
    `Fixed a month (planner, empty close jobs): ${count(Math.round(kinds.reduce((a, k) => a + seriesMinutes.dynamodb.fixedWritesPerMonth[k], 0)))} write units (${kinds
      .filter((k) => seriesMinutes.dynamodb.fixedWritesPerMonth[k] > 0)
      .map((k) => `${k} ${count(Math.round(seriesMinutes.dynamodb.fixedWritesPerMonth[k]))}`)
      .join(', ')}). With Timestream the state table's writes are the same without the results packs.`,
    '',
  );

  // Shards.
  const li = SHARD_LIMITS;
  out.push(
    `Shards — the rule (shardsFor, test/bench/cost-model.ts): the fewest shards such that no DynamoDB partition takes more than ${count(li.partitionWuPerSecond)} write units a second — a shard's first-tier partials P#0#<window>#<shard> at ${li.peakFactor}× the minute's average (a fleet's exports bunched into ${60 / li.peakFactor} s: processes started together keep exporting together), and one close job's closed state C#… or parent partial ~ within 1 s — and a 1m close job takes at most ${li.maxCloseJobMs / 1000} s. Inputs measured at ${INPUT_SHARDS} shard (the largest close jobs here, ${SDK_SERIES} series): ingest ${num(inputs.ingestBytesPerSeries)} bytes of states per series + ${num(inputs.ingestItemBytes)} a item, states ${num(inputs.stateBytesPerSeries)} bytes per series, a 1m close job ${num(inputs.closeJobMs)} ms + ${num(inputs.closeMsPerSeries)} ms a series (the slower sink).`,
  );
  const sw = 12;
  out.push(
    `${['series', 'shards', 'set by', 'P# avg WU/s', 'P# peak', 'C# burst WU', '1m job s', 'DynamoDB', `(${REFERENCE_SHARDS} shards)`, 'Timestream', `(${REFERENCE_SHARDS} shards)`].map((c, i) => (i === 2 ? c.padEnd(16) : c.padStart(sw))).join(' ')}`,
  );
  for (const f of byFleet) {
    const l = partitionLoads(f.series, f.shards, inputs);
    out.push(
      [
        count(f.series),
        String(f.shards),
        f.shardChoice.binding === 'none' ? '-' : f.shardChoice.binding,
        num(l.ingest.averagePerSecond),
        num(l.ingest.peakPerSecond),
        num(l.closedState.peakPerSecond),
        num(l.closeJobMs / 1000),
        usd(f.allIn.dynamodb),
        usd(f.allInAt8.dynamodb),
        usd(f.allIn.timestream),
        usd(f.allInAt8.timestream),
      ]
        .map((c, i) => (i === 2 ? c.padEnd(16) : c.padStart(sw)))
        .join(' '),
    );
  }
  out.push(
    `(totals per 1M series-minutes all in: fixed costs and the query workload shared out over the fleet; each fleet measured at its shard count.)`,
    '',
    `Busiest DynamoDB partitions at ${count(fleet)} series, ${shards} shard${shards === 1 ? '' : 's'} (limit ${count(li.partitionWuPerSecond)} WU/s each; from the rule's inputs):`,
    `  ingest partials  P#0#<window>#<shard>: ${num(loads.ingest.perMinute)} WU a minute — ${num(loads.ingest.averagePerSecond)} WU/s averaged over the minute, ${num(loads.ingest.peakPerSecond)} at ${li.peakFactor}× (every exporter in the same second: ${num(loads.ingest.averagePerSecond * 60)} WU/s, which would take ${synchronized.shards} shard${synchronized.shards === 1 ? '' : 's'}: a request writes at least 1 WU in each shard it touches, so only shards beyond a request's series help; DynamoDB throttles instead and ingest's retries spread the burst)`,
    `  closed states    C#<tier>#<window>#<shard> / a parent's ~ partial: ${num(loads.closedState.perMinute)} WU in one close job's burst (≤ 1 s: ${num(loads.closedState.peakPerSecond)} WU/s; ${num(loads.closedState.perMinute / 60)} averaged over the minute)`,
    `  results packs    <tenant>#1m#<metric>: ${num(loads.results.perMinute)} WU per window for a metric of ${seriesPerMetric} series (every shard's pack, written together: ≤ 1 s); shards do not change it, a metric's series do: at ${num(inputs.resultBytesPerSeries)} bytes a series a metric of ~${count(Math.floor((li.partitionWuPerSecond * KIB) / inputs.resultBytesPerSeries))} series writes ${count(li.partitionWuPerSecond)} WU in a window`,
    `  1m close job: ${num(loads.closeJobMs / 1000)} s (limit ${li.maxCloseJobMs / 1000} s).`,
    `  Shards needed: ${choice.shards}${choice.binding === 'none' ? '' : ` (set by ${choice.binding})`}${choice.unmet.length > 0 ? `; no shard count meets: ${choice.unmet.join(', ')}` : ''}. If a close job paced its closed-state and parent-partial writes to ${count(li.partitionWuPerSecond)} WU/s (a close-store change, not made; the job longer by 1 ms a write unit): ${paced.shards}${paced.binding === 'none' ? '' : ` (set by ${paced.binding})`}.`,
    '',
  );

  // Goals.
  const mark = (met: boolean) => (met ? 'met' : 'NOT met');
  out.push(
    `Goals (issue 15), at ${count(GOALS.series)} series, ${goals.shards} shard${goals.shards === 1 ? '' : 's'}:`,
    `  DynamoDB sink ≤ ${usd(GOALS.dynamodb)} per 1M series-minutes all in: ${usd(goals.dynamodb.allIn)} — ${mark(goals.dynamodb.met)} (without the query workload ${usd(goalFleet.perMillion.dynamodb)})`,
    `  Timestream ≤ ${usd(GOALS.timestream)}: ${usd(goals.timestream.withoutQueries)} without the query workload — ${mark(goals.timestream.metWithoutQueries)}; ${usd(goals.timestream.allIn)} all in — ${mark(goals.timestream.met)}`,
    `  Fixed ≤ ${usd(GOALS.fixedPerMonth)} a month (planner, empty closes, idle polling, ${OWN_METRICS.length} own metrics: ${OWN_METRICS.join(', ')}): DynamoDB ${usd(goals.fixedPerMonth.dynamodb)}, Timestream ${usd(goals.fixedPerMonth.timestream)} — ${mark(goals.fixedPerMonth.met)} (the query workload apart: ${usd(costOf(queries.perMonth.dynamodb, prices).total)} / ${usd(costOf(queries.perMonth.timestream, prices).total)} a month)`,
    '',
  );

  out.push(
    `CloudWatch custom metrics: ${usd(comparisons.cloudWatchPerMillionSeriesMinutes)} per 1M series-minutes (a metric per series at $0.30/metric-month, first 10,000; PutMetricData calls not counted), ${usd(comparisons.cloudWatchPerMillionRawPoints)} per 1M raw points of this shape (${pointsPerSeriesMinute} a series-minute).`,
    `Amazon Managed Prometheus: ${usd(comparisons.prometheusPerMillionSeriesMinutes)} per 1M series-minutes of this workload (${samplesPerSeriesMinute.toFixed(2)} samples a series-minute: a histogram point is a sample per bucket + sum + count), ${usd(comparisons.prometheusPerMillionRawPoints)} per 1M raw points; ingestion only (storage left out: ~1–2 bytes a sample; queries left out).`,
    `Timestream memory store per table (lib/adapters/timestream/table-retention.ts): ${timestreamWindows(
      config,
    )
      .map((t) => `${t.table} ${timestream.memoryHours(t.table)} h`)
      .join(
        ', ',
      )}; a record is in it from its write until its time + those hours, then in the magnetic store for the retention.`,
    `Fixed per month (planner, empty closes, idle polling, ${OWN_METRICS.length} own metrics — ${run0Metrics(sdk)}): Timestream ${usd(costOf(seriesMinutes.timestream.fixedPerMonth, prices).total)}, DynamoDB ${usd(costOf(seriesMinutes.dynamodb.fixedPerMonth, prices).total)}.`,
    '',
    `Views at ingest — a fleet of ${POD_FLEET.pods} pods per service, a delta histogram per route and pod (measured: ${POD_FLEET.services} services × ${POD_FLEET.routes} routes × ${POD_FLEET.pods} pods = ${count(podSeries.source)} source series, a request of ${count(POD_FLEET.routes * POD_FLEET.pods)} per service a minute; fixed costs shared out over ${count(fleet)} source series; without the query workload):`,
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
    `(the view: ${JSON.stringify(podView)} — ${podSeries.withoutInstance} series stored instead of ${count(podSeries.source)}.)`,
    '',
    "PostgreSQL sink: not modeled. Its cost is the database, which the user runs and sizes (an instance, or Aurora Serverless v2 billed per ACU-hour), not a price per request windrow could measure here; windrow's own part is the DynamoDB column without its results-table writes and reads (window state, Lambda, SQS, logs are the same).",
    '',
    `Measured here (OpenTelemetry SDK scenario, DynamoDB sink, ${shards} shard${shards === 1 ? '' : 's'}; modeled Lambda ms = compute here × 1769/memory + round trips):`,
  );
  for (const [k, v] of Object.entries(seriesMinutes.dynamodb.detail))
    out.push(`  ${k}: ${Number(v.toPrecision(4))}`);
  for (const [k, v] of Object.entries(seriesMinutes.timestream.detail)) {
    if (k.includes('Timestream')) out.push(`  ${k}: ${Number(v.toPrecision(4))}`);
  }
  for (const [k, v] of Object.entries(queries.detail)) out.push(`  ${k}: ${Number(v.toPrecision(4))}`);
  out.push(
    `Assumed: round trips DynamoDB ${ROUND_TRIP_MS.dynamodb} ms, Timestream ${ROUND_TRIP_MS.timestream} ms, SQS ${ROUND_TRIP_MS.sqs} ms; a Timestream Query ${TIMESTREAM_QUERY_MS} ms; this machine's core = a Graviton core; Lambda platform and API access log lines as in test/bench/cost.ts; one API key per exporter, so the authorizer runs for 1 request in 5 (API Gateway caches its answer 5 minutes); ${IDLE_RECEIVES_PER_MINUTE} idle SQS receives a minute; 1h rollup measured with ${minutes} of 60 child windows and 1d with 1 of 24 hours, partial reads and compute scaled up; the query workload's hour is the ${minutes} minutes of data repeated. Data transfer, cold starts and free tiers not included.`,
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
        shards,
        shardsFromRule: choice.shards,
        sdkSeriesPerRequest: SDK_SERIES,
        seriesPerMetric,
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
        timestreamQueryMs: TIMESTREAM_QUERY_MS,
        tcuBusySecondsPerRefresh: TCU_BUSY_SECONDS,
        shardLimits: SHARD_LIMITS,
        timestreamMemoryHours: Object.fromEntries(
          timestreamWindows(config).map((t) => [t.table, timestream.memoryHours(t.table)]),
        ),
      },
      perMillion: table,
      queryWorkload: {
        ...QUERY_WORKLOAD,
        bySeries: podFleetSeries(BY_FLEET).source,
        perMonth: queryTable,
        perMillionSeriesMinutes: bySink((s) => (queryTable[s].total * 1e6) / unitsPerMonth.seriesMinutes),
        usagePerMonth: queries.perMonth,
        detail: queries.detail,
      },
      allInPerMillion: allInHere,
      goals,
      writeUnitsPerSeriesMinute: {
        shards,
        bySink: bySink((s) => seriesMinutes[s].writesPerUnit),
        fixedPerMonth: bySink((s) => seriesMinutes[s].fixedWritesPerMonth),
        atReferenceShards: { shards: REFERENCE_SHARDS, dynamodb: breakdown8 },
      },
      shards: {
        rule: 'fewest shards with every partition ≤ partitionWuPerSecond (ingest partials at peakFactor × the minute average; a close job burst within 1 s) and a 1m close job ≤ maxCloseJobMs',
        limits: SHARD_LIMITS,
        inputs,
        choice,
        withPacedStateWrites: paced,
        partitionsAtFleet: loads,
        byFleet: byFleet.map((f) => ({ ...f, loads: partitionLoads(f.series, f.shards, inputs) })),
      },
      comparisons,
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
      ownMetrics: { priced: OWN_METRICS, seenInThisRun: sdk.metrics },
    };
    writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`wrote the figures to ${values.json}`);
  }
}

/** The own metrics a run emitted, for the report. */
function run0Metrics(run: ScenarioRun): string {
  return `${OWN_METRICS.join(', ')}; this run emitted ${run.metrics.length === 0 ? 'none' : run.metrics.map((m) => m.replace(/\{.*$/, '').replace(/^[^/]*\//, '')).join(', ')}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
