/**
 * The scheduled side of the local stack: a timer plays EventBridge (the planner handler every
 * `--tick`), an in-process queue plays SQS (the close worker's handler, partial batch failures,
 * retries, dead letters), and a one-line status per tick says what happened. The planner and the
 * close worker are composed as in AWS (lib/compose), each with its own view of the deployment.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PostgresDatabase } from '../adapters/postgres/connection.js';
import type { CloseOutcome } from '../app/close-window.js';
import type { Clock } from '../app/ports.js';
import { composeClose } from '../compose/close-worker/compose.js';
import { type CloseWorkerHandler, createCloseWorkerHandler } from '../compose/close-worker/create-handler.js';
import { composePlanner } from '../compose/planner/compose.js';
import { createPlannerHandler, type PlannerHandler } from '../compose/planner/create-handler.js';
import type { SinkSettings } from '../compose/sinks/settings.js';
import type { WindrowConfig } from '../core/config/config.js';
import { lambdaContext } from './apigw-bridge.js';
import { type DeadLetter, LocalCloseQueue } from './close-queue.js';

export interface LocalCloserOptions {
  readonly config: WindrowConfig;
  readonly clock: Clock;
  readonly client: DynamoDBClient;
  readonly stateTable: string;
  readonly resultsTable: string;
  /** Where results go (default: the DynamoDB results table `resultsTable`). */
  readonly sink?: SinkSettings;
  /** The PostgreSQL pool, when `sink` is PostgreSQL. */
  readonly postgres?: PostgresDatabase;
  /** Where status lines and dead letters go (default: nowhere). */
  readonly log?: (line: string) => void;
  /** Handler log level (default WARN: the status line is the summary). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export interface TickStatus {
  readonly atMs: number;
  readonly pointsIn: number;
  /** Windows closed in this tick, by tier name (first closes). */
  readonly closed: Readonly<Record<string, number>>;
  readonly corrections: number;
  /** Latest close lag per tier name (clock at close − window end). */
  readonly lagMs: Readonly<Record<string, number>>;
  readonly deadLetters: number;
  readonly queued: number;
}

export class LocalCloser {
  readonly queue: LocalCloseQueue;
  private readonly planner: PlannerHandler;
  private readonly worker: CloseWorkerHandler;
  private readonly log: (line: string) => void;
  private outcomes: CloseOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private pointsIn = 0;
  /** Totals since start. */
  readonly totals = { closed: 0, corrections: 0, records: 0, ticks: 0 };

  constructor(private readonly options: LocalCloserOptions) {
    const { config, clock, client, stateTable } = options;
    this.log = options.log ?? (() => {});
    const logLevel = options.logLevel ?? 'WARN';
    const logger = (serviceName: string) => new Logger({ serviceName, logLevel });
    this.queue = new LocalCloseQueue({
      clock,
      onDeadLetter: (letter: DeadLetter) =>
        this.log(`dead letter after ${letter.receiveCount} deliveries: close job ${letter.body}`),
    });
    // Composed as the Lambdas compose them (lib/compose), on dynalite's client and this queue.
    const state = { tableName: stateTable, config };
    const close = composeClose(
      { ...state, sink: options.sink ?? { kind: 'dynamodb', resultsTable: options.resultsTable } },
      { dynamo: client, postgres: options.postgres },
      clock,
    );
    const plan = composePlanner(state, { dynamo: client, queue: this.queue }, clock);
    const workerLogger = logger('windrow-close-worker');
    this.worker = createCloseWorkerHandler({
      close: async (job) => {
        const outcome = await close(job);
        this.outcomes.push(outcome);
        return outcome;
      },
      tierNames: config.tiers.map((t) => t.name),
      logger: workerLogger,
      metrics: new Metrics({
        namespace: 'windrow',
        serviceName: 'windrow-close-worker',
        logger: workerLogger,
      }),
    });
    const plannerLogger = logger('windrow-planner');
    this.planner = createPlannerHandler({
      plan,
      logger: plannerLogger,
    });
  }

  /** Counts accepted points for the status line. */
  countPoints(accepted: number): void {
    this.pointsIn += accepted;
  }

  /** One planner run, then the queue drained of every visible job. Runs are serialized. */
  tick(): Promise<TickStatus> {
    const next = this.running.then(() => this.tickNow());
    this.running = next.catch(() => {});
    return next;
  }

  private async tickNow(): Promise<TickStatus> {
    this.outcomes = [];
    await this.planner({}, lambdaContext('windrow-planner', `tick-${this.totals.ticks}`));
    await this.queue.pump(this.worker, lambdaContext('windrow-close-worker', `tick-${this.totals.ticks}`));
    const closed: Record<string, number> = {};
    const lagMs: Record<string, number> = {};
    let corrections = 0;
    for (const o of this.outcomes) {
      const tier = this.options.config.tiers[o.job.tier]?.name ?? String(o.job.tier);
      if (o.status === 'closed') {
        closed[tier] = (closed[tier] ?? 0) + 1;
        lagMs[tier] = o.closeLagMs;
        this.totals.closed++;
      } else if (o.status === 'reclosed') {
        corrections++;
        this.totals.corrections++;
      }
      this.totals.records += o.records;
    }
    this.totals.ticks++;
    const status: TickStatus = {
      atMs: this.options.clock.nowMs(),
      pointsIn: this.pointsIn,
      closed,
      corrections,
      lagMs,
      deadLetters: this.queue.deadLetters.length,
      queued: this.queue.depth,
    };
    this.pointsIn = 0;
    return status;
  }

  /** Ticks every `tickMs` and logs a status line per tick; a tick still running skips the next one. */
  start(tickMs: number): void {
    let busy = false;
    const run = () => {
      if (busy) return;
      busy = true;
      this.tick()
        .finally(() => {
          busy = false;
        })
        .then(
          (status) => this.log(formatStatus(status, this.options.config)),
          (error: unknown) => this.log(`tick failed (retried next tick): ${(error as Error).message}`),
        );
    };
    this.timer = setInterval(run, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }
}

/**
 * `10:00:05 | in 1,204 pts | closed 1s:8 10s:2 1m:0 | lag 1s 1.2s | corrections 0 | dead letters 0`
 */
export function formatStatus(status: TickStatus, config: WindrowConfig): string {
  const time = new Date(status.atMs).toISOString().slice(11, 19);
  const closed = config.tiers.map((t) => `${t.name}:${status.closed[t.name] ?? 0}`).join(' ');
  const lag = Object.entries(status.lagMs)
    .map(([tier, ms]) => `${tier} ${(ms / 1000).toFixed(1)}s`)
    .join(', ');
  return [
    time,
    `in ${status.pointsIn.toLocaleString('en-US')} pts`,
    `closed ${closed}`,
    `lag ${lag || '–'}`,
    `corrections ${status.corrections}`,
    `queued ${status.queued}`,
    `dead letters ${status.deadLetters}`,
  ].join(' | ');
}
