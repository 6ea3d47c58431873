/**
 * The arithmetic of `npm run cost`, apart from any measuring: how AWS meters each thing windrow
 * does (API Gateway requests per started 512 KB, DynamoDB write units per started KB of item, read
 * units per started 4 KB, Timestream writes per started KiB of a WriteRecords call, Lambda GB-seconds
 * from the configured memory, log events + 26 bytes), and what a month of usage costs at given prices.
 * Pure: numbers in, numbers out (see test/bench/cost.ts for where the numbers come from).
 */
import type { PriceTable } from './cost-prices.js';

export const KIB = 1024;
export const GIB = 1024 ** 3;
/** AWS's pricing calculator month: 730 hours. */
export const HOURS_PER_MONTH = 730;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** API Gateway HTTP APIs meter a request per started 512 KB. */
export const API_GATEWAY_METERING_BYTES = 512 * KIB;
/** CloudWatch Logs counts each event's UTF-8 bytes plus this much. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/** DynamoDB storage counts this much per item on top of its size. */
export const DYNAMO_ITEM_STORAGE_OVERHEAD_BYTES = 100;

/** Requests API Gateway meters for one HTTP request with a body of `bodyBytes`. */
export function apiGatewayRequests(bodyBytes: number): number {
  return Math.max(1, Math.ceil(bodyBytes / API_GATEWAY_METERING_BYTES));
}

/** Write request units of one standard write of an item of `itemBytes` (at least 1). */
export function dynamoWriteUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / KIB));
}

/** Read request units of reading `bytes` in one request (a page): 4 KB a unit, half if eventually consistent. */
export function dynamoReadUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / (4 * KIB))) * (consistent ? 1 : 0.5);
}

/** Timestream writes of one WriteRecords call whose records measure `batchBytes` (1 KiB units). */
export function timestreamWrites(batchBytes: number): number {
  return Math.max(1, Math.ceil(batchBytes / KIB));
}

/** GB-seconds of one invocation of `durationMs` (billed in whole milliseconds) at `memoryMb`. */
export function lambdaGbSeconds(durationMs: number, memoryMb: number): number {
  return (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
}

/** Bytes CloudWatch Logs ingests for one log line of `lineBytes`. */
export function logEventBytes(lineBytes: number): number {
  return lineBytes + LOG_EVENT_OVERHEAD_BYTES;
}

/**
 * Lambda's CPU share grows with memory: one full vCPU at 1,769 MB. windrow's handlers run on one
 * thread, so CPU time measured with a full core takes `1769 / memory` times as long below that.
 */
export const FULL_VCPU_MB = 1769;
export function cpuSlowdown(memoryMb: number): number {
  return Math.max(1, FULL_VCPU_MB / memoryMb);
}

/** What a unit of work (or a month) uses, in the units AWS bills. */
export interface Usage {
  /** Metered API Gateway requests. */
  readonly apiRequests: number;
  readonly lambdaRequests: number;
  readonly ingestGbSeconds: number;
  readonly plannerGbSeconds: number;
  readonly closeGbSeconds: number;
  readonly authorizerGbSeconds: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly dynamoStorageGbMonths: number;
  readonly sqsRequests: number;
  readonly schedulerInvocations: number;
  readonly logBytes: number;
  /** CloudWatch custom metric-months (windrow's own EMF metrics). */
  readonly metricMonths: number;
  readonly timestreamWrites: number;
  readonly timestreamMemoryGbHours: number;
  readonly timestreamMagneticGbMonths: number;
}

export type UsageKey = keyof Usage;

export const NO_USAGE: Usage = {
  apiRequests: 0,
  lambdaRequests: 0,
  ingestGbSeconds: 0,
  plannerGbSeconds: 0,
  closeGbSeconds: 0,
  authorizerGbSeconds: 0,
  dynamoWriteUnits: 0,
  dynamoReadUnits: 0,
  dynamoStorageGbMonths: 0,
  sqsRequests: 0,
  schedulerInvocations: 0,
  logBytes: 0,
  metricMonths: 0,
  timestreamWrites: 0,
  timestreamMemoryGbHours: 0,
  timestreamMagneticGbMonths: 0,
};

export function usage(parts: Partial<Usage>): Usage {
  return { ...NO_USAGE, ...parts };
}

export function addUsage(...all: Usage[]): Usage {
  const out: Record<string, number> = { ...NO_USAGE };
  for (const u of all) for (const k of Object.keys(NO_USAGE) as UsageKey[]) out[k] = (out[k] ?? 0) + u[k];
  return out as unknown as Usage;
}

export function scaleUsage(u: Usage, factor: number): Usage {
  const out: Record<string, number> = {};
  for (const k of Object.keys(NO_USAGE) as UsageKey[]) out[k] = u[k] * factor;
  return out as unknown as Usage;
}

/** The cost lines, in the order they are printed; each names the usage it prices. */
export const COMPONENTS: readonly {
  readonly name: string;
  readonly cost: (u: Usage, p: PriceTable) => number;
}[] = [
  {
    name: 'API Gateway HTTP API requests',
    cost: (u, p) => (u.apiRequests / 1e6) * p.apiGatewayHttpRequests.usd,
  },
  { name: 'Lambda requests', cost: (u, p) => (u.lambdaRequests / 1e6) * p.lambdaRequests.usd },
  { name: 'Lambda duration: ingest', cost: (u, p) => u.ingestGbSeconds * p.lambdaArmGbSecond.usd },
  { name: 'Lambda duration: planner', cost: (u, p) => u.plannerGbSeconds * p.lambdaArmGbSecond.usd },
  { name: 'Lambda duration: close worker', cost: (u, p) => u.closeGbSeconds * p.lambdaArmGbSecond.usd },
  { name: 'Lambda duration: authorizer', cost: (u, p) => u.authorizerGbSeconds * p.lambdaArmGbSecond.usd },
  {
    name: 'DynamoDB write request units',
    cost: (u, p) => (u.dynamoWriteUnits / 1e6) * p.dynamoWriteRequestUnits.usd,
  },
  {
    name: 'DynamoDB read request units',
    cost: (u, p) => (u.dynamoReadUnits / 1e6) * p.dynamoReadRequestUnits.usd,
  },
  { name: 'DynamoDB storage', cost: (u, p) => u.dynamoStorageGbMonths * p.dynamoStorageGbMonth.usd },
  { name: 'SQS requests', cost: (u, p) => (u.sqsRequests / 1e6) * p.sqsRequests.usd },
  {
    name: 'EventBridge Scheduler',
    cost: (u, p) => (u.schedulerInvocations / 1e6) * p.schedulerInvocations.usd,
  },
  { name: 'CloudWatch Logs ingestion', cost: (u, p) => (u.logBytes / GIB) * p.logsIngestionGb.usd },
  {
    name: 'CloudWatch metrics (own EMF)',
    cost: (u, p) => u.metricMonths * p.cloudWatchMetricMonth.usd,
  },
  { name: 'Timestream writes', cost: (u, p) => (u.timestreamWrites / 1e6) * p.timestreamWrites.usd },
  {
    name: 'Timestream memory store',
    cost: (u, p) => u.timestreamMemoryGbHours * p.timestreamMemoryGbHour.usd,
  },
  {
    name: 'Timestream magnetic store',
    cost: (u, p) => u.timestreamMagneticGbMonths * p.timestreamMagneticGbMonth.usd,
  },
];

export interface CostLine {
  readonly component: string;
  readonly usd: number;
}

/** Dollars per component for `u`, and their sum. */
export function costOf(u: Usage, prices: PriceTable): { lines: CostLine[]; total: number } {
  const lines = COMPONENTS.map((c) => ({ component: c.name, usd: c.cost(u, prices) }));
  return { lines, total: lines.reduce((a, l) => a + l.usd, 0) };
}

/**
 * A steady workload: `perUnit` is the usage of one unit of work (a series-minute, a raw point),
 * `fixedPerMonth` what runs whatever the traffic (the planner every minute, a close job per window
 * and shard, idle queue polling, windrow's own metrics).
 */
export interface Workload {
  readonly perUnit: Usage;
  readonly fixedPerMonth: Usage;
}

/** The usage of a month with `unitsPerMonth` units of work. */
export function monthlyUsage(w: Workload, unitsPerMonth: number): Usage {
  return addUsage(scaleUsage(w.perUnit, unitsPerMonth), w.fixedPerMonth);
}

/** The usage attributed to one million units of work at `unitsPerMonth` (fixed costs shared out). */
export function usagePerMillion(w: Workload, unitsPerMonth: number): Usage {
  return scaleUsage(monthlyUsage(w, unitsPerMonth), 1e6 / unitsPerMonth);
}

/** Series-minutes in a month of `series` series each exporting once a minute. */
export function seriesMinutesPerMonth(series: number): number {
  return series * MINUTES_PER_MONTH;
}

/** CloudWatch custom metrics: one metric per series, one value a minute (PutMetricData calls not counted). */
export function cloudWatchPerMillionSeriesMinutes(prices: PriceTable): number {
  return (1e6 / MINUTES_PER_MONTH) * prices.cloudWatchMetricMonth.usd;
}

/** Amazon Managed Prometheus: ingestion of `samples` samples (storage not included). */
export function prometheusIngestCost(samples: number, prices: PriceTable): number {
  return (samples / 1e7) * prices.prometheusSamples.usd;
}
