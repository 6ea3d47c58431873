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
  /** The query function (the query workload: dashboard charts and `by` queries). */
  readonly queryGbSeconds: number;
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
  /** Timestream for LiveAnalytics query compute (TCU-hours). */
  readonly timestreamTcuHours: number;
}

export type UsageKey = keyof Usage;

export const NO_USAGE: Usage = {
  apiRequests: 0,
  lambdaRequests: 0,
  ingestGbSeconds: 0,
  plannerGbSeconds: 0,
  closeGbSeconds: 0,
  authorizerGbSeconds: 0,
  queryGbSeconds: 0,
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
  timestreamTcuHours: 0,
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
  { name: 'Lambda duration: query', cost: (u, p) => u.queryGbSeconds * p.lambdaArmGbSecond.usd },
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
  {
    name: 'Timestream queries (TCU-hours)',
    cost: (u, p) => u.timestreamTcuHours * p.timestreamTcuHour.usd,
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

// What each DynamoDB write unit is for.

/**
 * The kinds of DynamoDB writes the breakdown of `npm run cost` counts, by table and key
 * (lib/adapters/dynamodb/keys.ts and results-keys.ts): a partial `P#…` written by ingest, or by a
 * closed child window for its parent tier (SK `~<childStart>`); a closed state `C#…`; a results pack
 * (the results table); a checkpoint `K#…`; a correction mark `D#…`; anything else (series catalog
 * `S#`, metric index `M#`, series budget `Q#`, sessions `SP#`/`O#`/`OQ#`, deployment, API keys).
 */
export const WRITE_KINDS = [
  'ingest partials',
  'closed states',
  'parent partials',
  'results packs',
  'checkpoints',
  'correction marks',
  'other',
] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** The kind of a write to `table` of the item keyed `pk`/`sk` (puts, updates and deletes alike). */
export function writeKindOf(table: string, pk: string, sk: string, resultsTable: string): WriteKind {
  if (table === resultsTable) return 'results packs';
  if (pk.startsWith('P#')) return sk.startsWith('~') ? 'parent partials' : 'ingest partials';
  if (pk.startsWith('C#')) return 'closed states';
  if (pk.startsWith('K#')) return 'checkpoints';
  if (pk.startsWith('D#')) return 'correction marks';
  return 'other';
}

// Timestream's memory store.

/**
 * GB-hours a Timestream record of `bytes` spends in the memory store of a table keeping
 * `memoryHours` (lib/adapters/timestream/table-retention.ts): Timestream keeps a record there while
 * its time is within the retention, so from its write until `recordTime + memoryHours`; a record
 * written later than that goes to the magnetic store at once (magnetic-store writes: corrections)
 * and spends none. A 1d window's record (its time is the day's start, written after the day ends)
 * stays about an hour in its table's 25 h, not 25 h.
 */
export function timestreamMemoryGbHours(
  bytes: number,
  recordTimeMs: number,
  writtenAtMs: number,
  memoryHours: number,
): number {
  const hours = Math.max(0, (recordTimeMs + memoryHours * 3_600_000 - writtenAtMs) / 3_600_000);
  return (bytes / GIB) * Math.min(memoryHours, hours);
}

// Timestream queries.

/** Timestream for LiveAnalytics runs queries on at least 4 TCUs, billed per second, at least 30 s. */
export const TIMESTREAM_MIN_TCUS = 4;
export const TIMESTREAM_TCU_MIN_SECONDS = 30;

/**
 * TCU-hours of `bursts` bursts of queries, each keeping `tcus` TCUs busy for `busySeconds` (queries
 * that overlap share them), billed for at least 30 s and — bursts `everySeconds` apart — at most
 * until the next burst (the TCUs are then busy all the time).
 *
 * @example timestreamTcuHours(60, 2, 4, 60) // 2: a burst a minute for an hour, each billed 4 TCUs × 30 s
 */
export function timestreamTcuHours(
  bursts: number,
  busySeconds: number,
  tcus: number = TIMESTREAM_MIN_TCUS,
  everySeconds: number = Number.POSITIVE_INFINITY,
): number {
  const billed = Math.min(everySeconds, Math.max(TIMESTREAM_TCU_MIN_SECONDS, busySeconds));
  return (bursts * Math.max(TIMESTREAM_MIN_TCUS, tcus) * billed) / 3600;
}

// Shards by fleet size.

/** DynamoDB's limit per partition (a partition key's items live in one partition until it splits for heat). */
export const DYNAMO_PARTITION_WU_PER_SECOND = 1_000;

/** What the shard rule needs to know, measured by `npm run cost` (test/bench/cost.ts `shardInputs`). */
export interface ShardInputs {
  /** Series an exporter's request carries (one packed partial item per shard it touches). */
  readonly seriesPerRequest: number;
  /** Ingest partial bytes per series-minute: the states in an item (`data`, compressed). */
  readonly ingestBytesPerSeries: number;
  /** Bytes of an ingest partial item besides its states (PK, SK, ttl, attribute names). */
  readonly ingestItemBytes: number;
  /**
   * The most bytes per series one close job writes into one partition at once: its closed state
   * (`C#<tier>#<window>#<shard>`) or the parent's partial (`P#<tier+1>#<parent>#<shard>`, SK `~…`),
   * of any tier (a job's write burst).
   */
  readonly stateBytesPerSeries: number;
  /** Results-pack bytes per series-window, and series per metric (a metric's partition per window). */
  readonly resultBytesPerSeries: number;
  readonly seriesPerMetric: number;
  /** A first-tier close job's modeled Lambda duration: `closeJobMs + series × closeMsPerSeries`. */
  readonly closeJobMs: number;
  readonly closeMsPerSeries: number;
}

export interface ShardLimits {
  /** Write units a second one partition takes (DynamoDB: 1,000). */
  readonly partitionWuPerSecond: number;
  /**
   * The busiest second's share of a minute's ingest writes, as a multiple of the minute's average:
   * 1 = spread evenly, 60 = every exporter in the same second.
   */
  readonly peakFactor: number;
  /** A first-tier close job must finish well within its minute. */
  readonly maxCloseJobMs: number;
}

/**
 * The rule's limits. The peak factor 10: OpenTelemetry SDKs export on a timer started with their
 * process, so a fleet's exports spread over the minute — unless its processes started together (a
 * fleet deployed or restarted at once): then they keep exporting within the same few seconds every
 * minute, for good (the timers do not drift apart). 10 is a minute's exports within 6 s.
 */
export const SHARD_LIMITS: ShardLimits = {
  partitionWuPerSecond: DYNAMO_PARTITION_WU_PER_SECOND,
  peakFactor: 10,
  maxCloseJobMs: 20_000,
};

/** The writes of one partition: per minute, per second averaged over the minute, and at the peak. */
export interface PartitionLoad {
  readonly perMinute: number;
  readonly averagePerSecond: number;
  readonly peakPerSecond: number;
}

/** The busiest partition of each kind at `shards` shards, and the first-tier close job's duration. */
export interface PartitionLoads {
  readonly shards: number;
  /** `P#0#<window>#<shard>`: every request's item for that shard, over the minute. */
  readonly ingest: PartitionLoad;
  /** `C#…#<shard>` or a parent's `P#…#<shard>`: one close job's write, in one burst (≤ 1 s). */
  readonly closedState: PartitionLoad;
  /**
   * `<tenant>#<window>#<metric>`: every shard's pack of one metric for one window, written by the
   * window's close jobs, which start together and write their results at about the same time
   * (taken as within 1 s). Shards do not change it: a metric's series per window do.
   */
  readonly results: PartitionLoad;
  readonly closeJobMs: number;
}

function load(perMinute: number, peakPerSecond: number): PartitionLoad {
  return { perMinute, averagePerSecond: perMinute / 60, peakPerSecond };
}

/**
 * Write units into the busiest partition of each kind for a fleet of `series` series (each exporting
 * once a minute in requests of `inputs.seriesPerRequest`) at `shards` shards.
 */
export function partitionLoads(
  series: number,
  shards: number,
  inputs: ShardInputs,
  limits: ShardLimits = SHARD_LIMITS,
): PartitionLoads {
  const requestsPerMinute = series / inputs.seriesPerRequest;
  // A request's series land in about `touched` of the shards (hashing), one item in each.
  const touched = shards * (1 - (1 - 1 / shards) ** inputs.seriesPerRequest);
  const itemUnits = dynamoWriteUnits(
    inputs.ingestItemBytes + (inputs.seriesPerRequest / touched) * inputs.ingestBytesPerSeries,
  );
  const ingestPerMinute = requestsPerMinute * (touched / shards) * itemUnits;
  const stateUnits = ((series / shards) * inputs.stateBytesPerSeries) / KIB;
  const resultUnits =
    (Math.min(inputs.seriesPerMetric, series) * inputs.resultBytesPerSeries) / KIB +
    Math.min(shards, inputs.seriesPerMetric) / 2; // each shard's pack rounds up to 1 KB
  return {
    shards,
    ingest: load(ingestPerMinute, (ingestPerMinute / 60) * limits.peakFactor),
    closedState: load(stateUnits, stateUnits),
    results: load(resultUnits, resultUnits),
    closeJobMs: inputs.closeJobMs + (series / shards) * inputs.closeMsPerSeries,
  };
}

export type ShardLimitName = 'ingest partials' | 'closed states' | 'close job time';

export interface ShardChoice {
  readonly shards: number;
  /** The limit that sets the count (`none`: one shard meets them all). */
  readonly binding: ShardLimitName | 'none';
  /** Limits no shard count meets (the count meets the others). */
  readonly unmet: ShardLimitName[];
  readonly loads: PartitionLoads;
}

const MAX_SHARDS = 9_999;

/**
 * The rule for choosing `shards`: the fewest shards (each costs an empty close job every minute)
 * such that (a) no partition takes more than `partitionWuPerSecond` — the busiest first-tier partials
 * partition at the peak, and the busiest closed-state or parent-partial partition in one close job's
 * burst — and (b) a first-tier close job takes at most `maxCloseJobMs`. The results partition of a
 * metric is not a shard question (every shard writes its pack there): see `partitionLoads`.
 *
 * @example shardsFor(10_000, inputs).shards // 1
 */
export function shardsFor(
  series: number,
  inputs: ShardInputs,
  limits: ShardLimits = SHARD_LIMITS,
): ShardChoice {
  const violated = (l: PartitionLoads): ShardLimitName[] => [
    ...(l.ingest.peakPerSecond > limits.partitionWuPerSecond ? (['ingest partials'] as const) : []),
    ...(l.closedState.peakPerSecond > limits.partitionWuPerSecond ? (['closed states'] as const) : []),
    ...(l.closeJobMs > limits.maxCloseJobMs ? (['close job time'] as const) : []),
  ];
  const all: ShardLimitName[] = ['ingest partials', 'closed states', 'close job time'];
  const metSomewhere = new Set<ShardLimitName>();
  const loadsAt: PartitionLoads[] = [];
  for (let shards = 1; shards <= MAX_SHARDS; shards++) {
    const l = partitionLoads(series, shards, inputs, limits);
    loadsAt.push(l);
    const v = violated(l);
    if (v.length === 0) {
      const binding = shards === 1 ? 'none' : (violated(loadsAt[shards - 2] as PartitionLoads)[0] ?? 'none');
      return { shards, binding, unmet: [], loads: l };
    }
    for (const name of all) if (!v.includes(name)) metSomewhere.add(name);
  }
  const unmet = all.filter((n) => !metSomewhere.has(n));
  const first =
    loadsAt.find((l) => violated(l).every((n) => unmet.includes(n))) ?? (loadsAt[0] as PartitionLoads);
  const before = loadsAt[first.shards - 2];
  const binding =
    before === undefined ? 'none' : (violated(before).find((n) => !unmet.includes(n)) ?? 'none');
  return { shards: first.shards, binding, unmet, loads: first };
}

/**
 * The rule's inputs if a close job wrote its closed state and parent partial no faster than one
 * partition takes (a change to the close store, not made): no burst over the limit, and the job
 * longer by the time that takes (1 ms a write unit at 1,000 WU/s).
 */
export function pacedStateWrites(inputs: ShardInputs, limits: ShardLimits = SHARD_LIMITS): ShardInputs {
  return {
    ...inputs,
    stateBytesPerSeries: 0,
    closeMsPerSeries:
      inputs.closeMsPerSeries + (inputs.stateBytesPerSeries / KIB) * (1000 / limits.partitionWuPerSecond),
  };
}
