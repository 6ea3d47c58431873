/**
 * Drives ingest, the planner and the close worker against the in-memory ports with a manual clock,
 * the way the local stack's tick does: tests feed points at chosen times, advance the clock, and read
 * what the sink holds.
 */
import { WindowNotReadyError } from '#app/close-errors.js';
import type { CloseJob } from '#app/close-ports.js';
import { type CloseDeps, type CloseOutcome, type CloseStep, closeWindow } from '#app/close-window.js';
import { DeploymentState } from '#app/deployment-state.js';
import { ingest } from '#app/ingest.js';
import { planCloses } from '#app/plan-closes.js';
import type { ResultSink } from '#app/results.js';
import type { WindrowConfig } from '#core/config/config.js';
import { SeriesIdCache } from '#core/series/id.js';
import type { ShardEpoch } from '#core/window/shard-layout.js';
import {
  MemoryLookup,
  MemoryQueue,
  MemorySessionStore,
  MemorySink,
  MemoryStateStore,
} from './memory-close.js';
import { ManualClock, MemorySeriesCatalog } from './memory-ports.js';

export interface RawPoint {
  readonly metric: string;
  readonly t: number;
  readonly value: number;
  readonly attributes?: Record<string, string>;
}

export class CloseHarness {
  readonly store = new MemoryStateStore();
  readonly catalog = new MemorySeriesCatalog();
  readonly sink = new MemorySink();
  readonly sessions = new MemorySessionStore();
  readonly queue = new MemoryQueue();
  readonly clock: ManualClock;
  readonly ids: SeriesIdCache;
  readonly outcomes: CloseOutcome[] = [];
  /** Where results go instead of `sink` (e.g. the Timestream sink against its fake). */
  resultSink: ResultSink | undefined;
  /** Crash injection: called after each close step. */
  afterStep: ((step: CloseStep, job: CloseJob) => void) | undefined;
  /** Jobs that failed with anything but WindowNotReadyError, with their error. */
  readonly failures: { job: CloseJob; error: unknown }[] = [];

  /** The shard layout every side sees (a change of `shards` recorded as epochs); none: `config.shards`. */
  readonly deployment: DeploymentState | undefined;

  constructor(
    readonly config: WindrowConfig,
    nowMs: number,
    epochs?: readonly ShardEpoch[],
  ) {
    this.clock = new ManualClock(nowMs);
    this.ids = new SeriesIdCache(config.shards);
    if (epochs !== undefined) {
      // The deployment record as a planner that saw the change would have left it.
      let record: { epochs: readonly ShardEpoch[]; revision: number } | undefined = { epochs, revision: 1 };
      this.deployment = new DeploymentState(config, this.clock, {
        read: async () => record,
        write: async (next, expected) => {
          if (expected !== record?.revision) return false;
          record = { ...next, revision: (expected ?? 0) + 1 };
          return true;
        },
      });
    }
  }

  get closeDeps(): CloseDeps {
    return {
      store: this.store,
      sink: this.resultSink ?? this.sink,
      lookup: new MemoryLookup(this.catalog),
      sessions: this.sessions,
      clock: this.clock,
      config: this.config,
      afterStep: (step, job) => this.afterStep?.(step, job),
      ...(this.deployment === undefined ? {} : { deployment: this.deployment }),
    };
  }

  /** Sends points through the real ingest use case (the `/v1/points` format). */
  async send(points: readonly RawPoint[], tenant = 'default') {
    const body = new TextEncoder().encode(
      JSON.stringify({
        points: points.map((p) => ({
          metric: p.metric,
          timestamp: p.t,
          value: p.value,
          attributes: p.attributes ?? {},
        })),
      }),
    );
    return ingest(
      { tenant, format: 'points', body },
      {
        store: this.store,
        catalog: this.catalog,
        clock: this.clock,
        config: this.config,
        ids: this.ids,
        ...(this.deployment === undefined ? {} : { deployment: this.deployment }),
      },
    );
  }

  /** One planner run, then every queued job (and the jobs they cascade to), retried until done. */
  async tick(): Promise<void> {
    await planCloses({
      store: this.store,
      queue: this.queue,
      clock: this.clock,
      config: this.config,
      ...(this.deployment === undefined ? {} : { deployment: this.deployment }),
    });
    for (let round = 0; round < 50; round++) {
      const jobs = this.queue.drain();
      if (jobs.length === 0) return;
      const retry: CloseJob[] = [];
      for (const job of jobs) {
        try {
          this.outcomes.push(await closeWindow(job, this.closeDeps));
        } catch (error) {
          if (!(error instanceof WindowNotReadyError)) this.failures.push({ job, error });
          retry.push(job);
        }
      }
      if (retry.length === jobs.length) {
        this.queue.jobs.push(...retry);
        return;
      }
      this.queue.jobs.push(...retry);
    }
  }

  /** Advances the clock in `stepMs` steps to `toMs`, ticking after each. */
  async runUntil(toMs: number, stepMs: number): Promise<void> {
    while (this.clock.now < toMs) {
      this.clock.now = Math.min(toMs, this.clock.now + stepMs);
      await this.tick();
    }
  }
}
