/**
 * After the load: close every window that holds data, in every tier, by running the stack's clock
 * ahead (an offset clock, as in test/integration/local-close.test.ts) and ticking the closer; then
 * add up what the results table holds for the load metrics and compare it with what the clients
 * were told was accepted.
 */
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { DEFAULT_TENANT } from '#adapters/http/tenant.js';
import type { WindrowConfig } from '#core/config/config.js';
import { type LocalStack, STATE_TABLE } from '#local/stack.js';
import { METRIC_NAMES, type Totals } from './workload.js';

/** The stack's clock: real time plus an offset the load test moves forward. */
export class OffsetClock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface CloseSummary {
  /** Closer runs (planner + queue drained) after the load. */
  readonly ticks: number;
  /** Wall time from the end of the load until every window holding data was closed. */
  readonly wallMs: number;
  /** How far the clock was moved ahead. */
  readonly clockAheadMs: number;
  readonly complete: boolean;
  /** Tiers whose windows did not all close (when not complete). */
  readonly pending: readonly string[];
}

function windowStart(ms: number, sizeMs: number): number {
  return Math.floor(ms / sizeMs) * sizeMs;
}

/** What still keeps the data of `[.., lastMs]` from being closed everywhere (empty: done). */
async function pendingTiers(
  store: DynamoCloseStore,
  config: WindrowConfig,
  lastMs: number,
  queueDepth: number,
): Promise<string[]> {
  const pending: string[] = [];
  for (const tier of config.tiers) {
    const need = windowStart(lastMs, tier.sizeMs);
    const checkpoints = await store.readCheckpoints(tier.level);
    let open = 0;
    for (let shard = 0; shard < config.shards; shard++) {
      const closedThrough = checkpoints.get(shard)?.closedThroughMs;
      if (closedThrough === undefined || closedThrough < need) open++;
    }
    const marks = await store.listCorrectionMarks(tier.level, 1_000);
    if (open > 0 || marks.length > 0) {
      pending.push(
        `${tier.name}: ${open} shard(s) not closed through the last window, ${marks.length} correction mark(s)`,
      );
    }
  }
  if (queueDepth > 0) pending.push(`${queueDepth} close job(s) still queued`);
  return pending;
}

/**
 * Per tier, how far the closer is behind at `nowMs`: now − the end of the oldest window not closed
 * yet in some shard (0 when nothing due is waiting; `lateness` is included).
 */
export async function closerLag(
  stack: LocalStack,
  config: WindrowConfig,
  clock: OffsetClock,
): Promise<Record<string, number>> {
  const store = new DynamoCloseStore({ client: stack.db.client, tableName: STATE_TABLE, clock });
  const nowMs = clock.nowMs();
  const out: Record<string, number> = {};
  for (const tier of config.tiers) {
    const checkpoints = await store.readCheckpoints(tier.level);
    let lag = 0;
    for (const c of checkpoints.values()) lag = Math.max(lag, nowMs - (c.closedThroughMs + 2 * tier.sizeMs));
    out[tier.name] = lag;
  }
  return out;
}

/**
 * Moves the clock past the end of the top tier's last window holding data (+ lateness) and ticks
 * until every shard of every tier is closed through the window holding `lastMs`, no correction mark
 * is left and the queue is empty — or `timeoutMs` passes.
 */
export async function closeEverything(
  stack: LocalStack,
  config: WindrowConfig,
  clock: OffsetClock,
  lastMs: number,
  timeoutMs: number,
): Promise<CloseSummary> {
  const started = performance.now();
  await stack.closer.stop(); // no more timer ticks: the ticks below are the only ones
  const store = new DynamoCloseStore({ client: stack.db.client, tableName: STATE_TABLE, clock });
  const target = Math.max(
    ...config.tiers.map((t) => windowStart(lastMs, t.sizeMs) + t.sizeMs + config.allowedLatenessMs + 1),
  );
  const before = clock.offsetMs;
  if (clock.nowMs() < target) clock.offsetMs += target - clock.nowMs();
  let ticks = 0;
  let pending: string[] = [];
  for (;;) {
    await stack.closer.tick();
    ticks++;
    pending = await pendingTiers(store, config, lastMs, stack.closer.queue.depth);
    if (pending.length === 0 || performance.now() - started > timeoutMs) break;
  }
  return {
    ticks,
    wallMs: performance.now() - started,
    clockAheadMs: clock.offsetMs - before,
    complete: pending.length === 0,
    pending,
  };
}

export interface TierAccount {
  readonly tier: string;
  /** Result records of the load metrics in this tier. */
  readonly records: number;
  /** Σ count and Σ sum per metric, from the results. */
  readonly got: ReadonlyMap<string, Totals>;
  /** Σ count per (metric, client) from the results, for pointing at a difference. */
  readonly byClient: ReadonlyMap<string, Totals>;
}

/** Adds up the results of the load metrics in every tier over the windows of `[firstMs, lastMs]`. */
export async function readTotals(
  stack: LocalStack,
  config: WindrowConfig,
  firstMs: number,
  lastMs: number,
): Promise<TierAccount[]> {
  const out: TierAccount[] = [];
  for (const tier of config.tiers) {
    const from = windowStart(firstMs, tier.sizeMs);
    const to = windowStart(lastMs, tier.sizeMs) + tier.sizeMs;
    // About ten seconds of windows a read, so a read holds a bounded number of records.
    const step = tier.sizeMs * Math.max(1, Math.ceil(10_000 / tier.sizeMs));
    const got = new Map<string, Totals>();
    const byClient = new Map<string, Totals>();
    let records = 0;
    for (const metric of METRIC_NAMES) {
      const total: Totals = { count: 0, sum: 0 };
      for (let fromMs = from; fromMs < to; fromMs += step) {
        const rows = await stack.results.read({
          tenant: DEFAULT_TENANT,
          metric,
          window: tier.name,
          fromMs,
          toMs: Math.min(to, fromMs + step),
          limit: Number.MAX_SAFE_INTEGER,
        });
        for (const r of rows) {
          records++;
          total.count += r.stats.count;
          total.sum += r.stats.sum ?? 0;
          const key = `${metric}|${String(r.attributes['loadtest.client'])}`;
          const c = byClient.get(key) ?? { count: 0, sum: 0 };
          c.count += r.stats.count;
          c.sum += r.stats.sum ?? 0;
          byClient.set(key, c);
        }
      }
      got.set(metric, total);
    }
    out.push({ tier: tier.name, records, got, byClient });
  }
  return out;
}
