/**
 * A small windrow deployment on dynalite for fault tests: the real ingest handler (HTTP answers as
 * API Gateway gets them) over `DynamoWindowStore` + `DynamoSeriesCatalog`, the real planner and
 * close use cases over `DynamoCloseStore`, `DynamoSeriesLookup`, `DynamoSessionStore` and
 * `DynamoResultsSink`, and `DynamoResultsReader` to read the results back. Ingest and closing each
 * have a DynamoDB client of their own with a {@link DynamoChaos} on it, so a test can break one side
 * while the other stays healthy; the reader uses a clean client. The adapters' backoff sleeps are
 * instant (a turn of the event loop) and their retry budget small, so budgets run out in tests.
 *
 * Also: the workloads and the oracle the fault tests share — integer values (sums are exact in any
 * order), the expected (count, sum, min, max) per (metric, host, window) computed from the raw points
 * that were accepted, and a comparison that demands the very same set of windows.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { DynamoResultsSink, groupByShard } from '#adapters/dynamodb/results-sink.js';
import type { RetryOptions } from '#adapters/dynamodb/retry.js';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { DynamoSeriesLookup } from '#adapters/dynamodb/series-lookup.js';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.js';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { WindowNotReadyError } from '#app/close-errors.js';
import type { CloseJob, CloseQueue } from '#app/close-ports.js';
import type { CloseOutcome } from '#app/close-window.js';
import { planCloses } from '#app/plan-closes.js';
import type { ResultRecord } from '#app/results.js';
import { bindClose, type CloseFn, type ClosePorts } from '#compose/close-worker/compose.js';
import { createCloseWorkerHandler } from '#compose/close-worker/create-handler.js';
import { bindIngest } from '#compose/ingest/compose.js';
import { createIngestHandler, type IngestHttpHandler } from '#compose/ingest/create-handler.js';
import type { WindrowConfig } from '#core/config/config.js';
import { httpEvent, lambdaContext } from './apigw.js';
import type { RawPoint } from './close-harness.js';
import type { Dynalite } from './dynalite.js';
import { DynamoChaos } from './dynamo-chaos.js';
import { ManualClock } from './memory-ports.js';
import { exactSum, seededRandom } from './oracles.js';

export type { RawPoint } from './close-harness.js';

process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

/** Backoff with no real waiting: a turn of the event loop, so requests in flight settle first. */
export function instantRetry(maxAttempts: number, seed = 1): Partial<RetryOptions> {
  const random = seededRandom(seed);
  return { maxAttempts, sleep: () => new Promise<void>((resolve) => setImmediate(resolve)), random };
}

const silent = (serviceName: string) => new Logger({ serviceName, logLevel: 'SILENT' });
const quietMetrics = (serviceName: string) =>
  new Metrics({ namespace: 'windrow-test', serviceName, logger: silent(serviceName) });

let worldCounter = 0;

export interface WorldOptions {
  readonly db: Dynalite;
  readonly config: WindrowConfig;
  readonly t0: number;
  /** The adapters' retry budget per call (default 4). */
  readonly maxAttempts?: number;
  /** Seeds the chaos of both clients and the backoff (default 1). */
  readonly seed?: number;
}

/** One HTTP request as a client saw it. */
export interface Answer {
  readonly status: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly retryAfter?: string;
}

export class FaultWorld {
  readonly clock: ManualClock;
  readonly stateTable: string;
  readonly resultsTable: string;
  /** Ingest's client and its faults. */
  readonly ingestClient: DynamoDBClient;
  readonly ingestChaos: DynamoChaos;
  /** The planner's and close worker's client and its faults. */
  readonly closeClient: DynamoDBClient;
  readonly closeChaos: DynamoChaos;
  readonly ingestHandler: IngestHttpHandler;
  readonly ports: ClosePorts;
  /** The store the planner uses (same client as the close worker). */
  readonly planStore: DynamoCloseStore;
  readonly close: CloseFn;
  readonly reader: DynamoResultsReader;
  /** A store on the clean client, to look at the table without faults. */
  readonly cleanStore: DynamoCloseStore;
  readonly outcomes: CloseOutcome[] = [];
  /** Jobs that failed with anything but WindowNotReadyError. */
  readonly failures: { job: CloseJob; error: unknown }[] = [];
  /** Jobs that failed and were not closed yet: delivered again on the next tick. */
  readonly backlog: CloseJob[] = [];
  private requests = 0;

  private constructor(
    readonly options: WorldOptions,
    readonly config: WindrowConfig,
  ) {
    const { db, t0 } = options;
    const n = ++worldCounter;
    const seed = options.seed ?? 1;
    this.stateTable = `state-${n}`;
    this.resultsTable = `results-${n}`;
    this.clock = new ManualClock(t0);
    const retry = instantRetry(options.maxAttempts ?? 4, seed);
    const clock = this.clock;

    this.ingestClient = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
    this.ingestChaos = new DynamoChaos(this.ingestClient, seededRandom(seed * 7 + 1));
    const store = new DynamoWindowStore({
      client: this.ingestClient,
      tableName: this.stateTable,
      clock,
      retry,
    });
    const catalog = new DynamoSeriesCatalog({
      client: this.ingestClient,
      tableName: this.stateTable,
      clock,
      retry,
    });
    const ingest = bindIngest(config, { store, catalog }, clock);
    this.ingestHandler = createIngestHandler({
      ingest,
      config,
      logger: silent('windrow-ingest'),
    });

    this.closeClient = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
    this.closeChaos = new DynamoChaos(this.closeClient, seededRandom(seed * 7 + 2));
    const closeOn = { client: this.closeClient, tableName: this.stateTable, retry };
    this.planStore = new DynamoCloseStore({ ...closeOn, clock });
    this.ports = {
      store: this.planStore,
      sessions: new DynamoSessionStore(closeOn),
      lookup: new DynamoSeriesLookup(closeOn),
      sink: new DynamoResultsSink({
        client: this.closeClient,
        tableName: this.resultsTable,
        groupOf: groupByShard(config.shards),
        retentionMs: config.retentionMs,
        retry,
      }),
    };
    this.close = bindClose(config, this.ports, clock);
    this.reader = new DynamoResultsReader({
      client: db.client,
      tableName: this.resultsTable,
      clock,
      consistentRead: true,
      percentiles: config.percentiles,
    });
    this.cleanStore = new DynamoCloseStore({ client: db.client, tableName: this.stateTable, clock });
  }

  static async create(options: WorldOptions): Promise<FaultWorld> {
    const world = new FaultWorld(options, options.config);
    await createWindowStateTable(options.db.client, world.stateTable);
    await createResultsTable(options.db.client, world.resultsTable);
    return world;
  }

  destroy(): void {
    this.ingestClient.destroy();
    this.closeClient.destroy();
  }

  /** One `POST /v1/points` through the ingest handler. */
  async post(points: readonly RawPoint[], tenant?: string): Promise<Answer> {
    const body = JSON.stringify({
      points: points.map((p) => ({
        metric: p.metric,
        timestamp: p.t,
        value: p.value,
        attributes: p.attributes ?? {},
      })),
    });
    const id = `req-${++this.requests}`;
    const response = await this.ingestHandler(
      httpEvent({
        path: '/v1/points',
        headers: { 'content-type': 'application/json' },
        body,
        requestId: id,
        ...(tenant === undefined ? {} : { tenant }),
      }),
      lambdaContext(id),
    );
    const status = response.statusCode ?? 0;
    const retryAfter = response.headers?.['retry-after'];
    if (status !== 200) {
      return {
        status,
        accepted: 0,
        rejected: 0,
        ...(retryAfter === undefined ? {} : { retryAfter: String(retryAfter) }),
      };
    }
    const parsed = JSON.parse(response.body ?? '{}') as { accepted?: number; rejected?: number };
    return { status, accepted: parsed.accepted ?? 0, rejected: parsed.rejected ?? 0 };
  }

  /**
   * Sends like an OTLP exporter: the same body again after a 503 (or 429), up to `maxTries`.
   * Returns every answer, the last one deciding.
   */
  async send(points: readonly RawPoint[], maxTries = 30): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < maxTries; i++) {
      const answer = await this.post(points);
      answers.push(answer);
      if (answer.status !== 503 && answer.status !== 429) break;
    }
    return answers;
  }

  /** One planner run into `queue` (default: a queue that keeps the jobs), returning the jobs. */
  async plan(queue?: CloseQueue): Promise<CloseJob[]> {
    const jobs: CloseJob[] = [];
    await planCloses({
      store: this.planStore,
      queue: queue ?? { enqueue: async (j) => void jobs.push(...j) },
      clock: this.clock,
      config: this.config,
    });
    return jobs;
  }

  /**
   * One planner run, then the jobs left over from earlier ticks and the new ones closed one by one,
   * the failed ones again (a queue redelivering) until a round makes no progress; what is still
   * failing stays in {@link backlog} for the next tick, as SQS would deliver it again. A planner that
   * fails is retried on the next tick.
   */
  async tick(close: CloseFn = this.close): Promise<void> {
    let jobs: CloseJob[] = [];
    try {
      jobs = await this.plan();
    } catch (error) {
      this.failures.push({ job: { tier: -1, windowStartMs: 0, shard: -1, correction: false }, error });
    }
    await this.drain([...this.backlog.splice(0), ...jobs], close);
  }

  /**
   * Closes `jobs` in order, retrying failures in rounds until none is left or a round changes
   * nothing; the jobs still pending go to {@link backlog} (once each) and are returned.
   */
  async drain(jobs: readonly CloseJob[], close: CloseFn = this.close, maxRounds = 40): Promise<CloseJob[]> {
    let pending = [...jobs];
    for (let round = 0; round < maxRounds && pending.length > 0; round++) {
      const retry: CloseJob[] = [];
      let progress = false;
      for (const job of pending) {
        try {
          this.outcomes.push(await close(job));
          progress = true;
        } catch (error) {
          if (!(error instanceof WindowNotReadyError)) this.failures.push({ job, error });
          retry.push(job);
        }
      }
      pending = retry;
      if (!progress) break;
    }
    const key = (j: CloseJob) => `${j.tier}|${j.windowStartMs}|${j.shard}|${j.correction}`;
    const seen = new Set(this.backlog.map(key));
    for (const job of pending) {
      if (seen.has(key(job))) continue;
      seen.add(key(job));
      this.backlog.push(job);
    }
    return pending;
  }

  /** The close worker's real SQS handler over this world's close use case. */
  workerHandler(close: CloseFn = this.close) {
    const logger = silent('windrow-close-worker');
    return createCloseWorkerHandler({
      close: async (job) => {
        const outcome = await close(job);
        this.outcomes.push(outcome);
        return outcome;
      },
      tierNames: this.config.tiers.map((t) => t.name),
      logger,
      metrics: quietMetrics('windrow-close-worker'),
    });
  }

  /** Every result of `window` for `metrics` with a start in [fromMs, toMs). */
  async results(
    metrics: readonly string[],
    window: string,
    fromMs: number,
    toMs: number,
  ): Promise<ResultRecord[]> {
    const out: ResultRecord[] = [];
    for (const metric of metrics) {
      out.push(...(await this.reader.read({ tenant: 'default', metric, window, fromMs, toMs })));
    }
    return out;
  }
}

/** Feeds `points` second by second as live traffic: at each second, send what it holds, then tick. */
export async function runLive(
  world: FaultWorld,
  points: readonly RawPoint[],
  options: {
    readonly fromMs: number;
    readonly toMs: number;
    /** Requests per second of traffic (the second's points split evenly; default 2). */
    readonly requestsPerSecond?: number;
    /** Sends one request (default: `world.send`); returns the answers. */
    readonly send?: (points: readonly RawPoint[]) => Promise<Answer[]>;
    /** Instead of `world.tick()`. */
    readonly tick?: () => Promise<void>;
    /** Called with every request and its answers. */
    readonly onAnswers?: (points: readonly RawPoint[], answers: readonly Answer[]) => void;
  },
): Promise<void> {
  const per = options.requestsPerSecond ?? 2;
  const send = options.send ?? ((p) => world.send(p));
  const tick = options.tick ?? (() => world.tick());
  await tick();
  for (let now = options.fromMs + 1_000; now <= options.toMs; now += 1_000) {
    world.clock.now = now;
    const due = points.filter((p) => p.t >= now - 1_000 && p.t < now);
    const size = Math.ceil(due.length / per);
    for (let i = 0; i < due.length; i += size) {
      const part = due.slice(i, i + size);
      const answers = await send(part);
      options.onAnswers?.(part, answers);
    }
    await tick();
  }
}

export const METRICS = ['cpu.temp', 'latency'] as const;

/**
 * Points of 2 metrics × 3 hosts over [t0, t0 + spanMs): integer values (negatives included), a point
 * every 60–300 ms, some seconds empty for one metric.
 */
export function workload(seed: number, t0: number, spanMs: number): RawPoint[] {
  const random = seededRandom(seed);
  const out: RawPoint[] = [];
  for (let t = t0 + Math.floor(random() * 50); t < t0 + spanMs; t += 60 + Math.floor(random() * 240)) {
    const metric = METRICS[random() < 0.5 ? 0 : 1] ?? 'latency';
    if (metric === 'cpu.temp' && (t - t0) % 7_000 < 1_000) continue;
    out.push({
      metric,
      t,
      value: Math.floor(random() * 2000) - 500,
      attributes: { host: `h${Math.floor(random() * 3)}` },
    });
  }
  return out;
}

/** Expected values per `metric|host|windowStart` for tumbling windows of `sizeMs` ending by `endBefore`. */
export function oracle(points: readonly RawPoint[], sizeMs: number, endBefore = Number.POSITIVE_INFINITY) {
  const groups = new Map<string, number[]>();
  for (const p of points) {
    const start = Math.floor(p.t / sizeMs) * sizeMs;
    if (start + sizeMs > endBefore) continue;
    const key = `${p.metric}|${p.attributes?.host}|${start}`;
    const list = groups.get(key) ?? [];
    list.push(p.value);
    groups.set(key, list);
  }
  return groups;
}

export function resultKey(r: ResultRecord): string {
  return `${r.metric}|${r.attributes.host}|${r.startMs}`;
}

/** The same windows as the oracle, each with exactly its count, sum, min and max. */
export function expectExact(
  records: readonly ResultRecord[],
  expected: Map<string, number[]>,
  what = '',
): void {
  const actual = new Map<string, ResultRecord>();
  for (const r of records) {
    expect(actual.has(resultKey(r)), `${what} ${resultKey(r)} twice`).toBe(false);
    actual.set(resultKey(r), r);
  }
  expect([...actual.keys()].sort(), `${what} windows`).toEqual([...expected.keys()].sort());
  for (const [key, values] of expected) {
    const stats = actual.get(key)?.stats;
    expect(
      { count: stats?.count, sum: stats?.sum, min: stats?.min, max: stats?.max },
      `${what} ${key}`,
    ).toEqual({
      count: values.length,
      sum: exactSum(values),
      min: Math.min(...values),
      max: Math.max(...values),
    });
  }
}

/**
 * The results table against the oracle of `accepted` at every tier of the world's configuration
 * (the test runs the clock past the close of every window that holds a point).
 */
export async function expectOracle(world: FaultWorld, accepted: readonly RawPoint[]): Promise<void> {
  const first = Math.min(...accepted.map((p) => p.t));
  const last = Math.max(...accepted.map((p) => p.t));
  const metrics = [...new Set(accepted.map((p) => p.metric))];
  for (const tier of world.config.tiers) {
    const from = Math.floor(first / tier.sizeMs) * tier.sizeMs;
    const records = await world.results(metrics, tier.name, from, last + 1);
    expectExact(records, oracle(accepted, tier.sizeMs), tier.name);
  }
}

/** Fisher–Yates with a seeded source. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
