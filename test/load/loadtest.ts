/**
 * The load test (`npm run loadtest`): starts the local stack in this process on a loopback address,
 * drives it with many concurrent OTLP/HTTP clients for a set time while the closer runs on its
 * schedule, then closes every window that holds data and checks that the closed results account for
 * every accepted point — in every tier, Σ count = accepted points and Σ sum = Σ accepted values
 * (exact: the values are integers).
 *
 * @example
 * const report = await runLoadTest({ ...DEFAULT_OPTIONS, durationMs: 10_000, clients: 8 });
 * console.log(formatReport(report)); // … PASS
 */
import { parseConfig, type WindrowConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { closeEverything, closerLag, OffsetClock, readTotals } from './account.js';
import { type ClientLedger, emptyLedger, runClient } from './client.js';
import { assertLoopbackUrl, isLoopback, type LoadTestOptions, UsageError } from './options.js';
import { ClientWorkload, METRIC_NAMES, type Totals } from './workload.js';

export interface TierCheck {
  readonly tier: string;
  readonly records: number;
  readonly count: number;
  readonly sum: number;
  readonly expectedCount: number;
  /** Undefined when no exact sum can be expected (rejected or given-up points). */
  readonly expectedSum: number | undefined;
  readonly ok: boolean;
}

export interface LoadTestReport {
  readonly clients: number;
  readonly seriesPerClient: number;
  readonly pointsPerRequest: number;
  readonly tiers: readonly string[];
  readonly lateness: string;
  readonly shards: number;
  readonly tickMs: number;
  /** Wall time of the load phase (ms). */
  readonly loadMs: number;
  readonly requests: number;
  readonly attempts: number;
  readonly retries: number;
  readonly acceptedRequests: number;
  readonly acceptedPoints: number;
  readonly rejectedPoints: number;
  readonly failedRequests: number;
  readonly failedStatuses: Readonly<Record<string, number>>;
  readonly gaveUp: number;
  readonly uncertainPoints: number;
  readonly pointsPerSecond: number;
  readonly requestsPerSecond: number;
  /** Every attempt. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /**
   * Every attempt but those of each client's first request, whose series are all new to the stack
   * (catalog writes, cold code paths): the steady state.
   */
  readonly warmLatencyMs: { readonly p50: number; readonly p99: number };
  /** Per tier, how far the closer running on its schedule was behind when the load ended (ms). */
  readonly closerLagAtEndMs: Readonly<Record<string, number>>;
  readonly closes: {
    /** First closes of (tier, window, shard) jobs while the load ran, and after it. */
    readonly duringLoad: number;
    readonly afterLoad: number;
    readonly corrections: number;
    readonly ticksAfterLoad: number;
    readonly deadLetters: number;
    readonly failedTicks: number;
  };
  /** Wall time from the end of the load until every window holding data was closed (ms). */
  readonly closeMs: number;
  readonly closeComplete: boolean;
  readonly checks: readonly TierCheck[];
  readonly pass: boolean;
  /** Why it failed, and anything unexpected on the way. */
  readonly problems: readonly string[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function mergeLedgers(ledgers: readonly ClientLedger[]) {
  const totals = new Map<string, Totals>(METRIC_NAMES.map((m) => [m, { count: 0, sum: 0 }]));
  const byClient = new Map<string, Totals>();
  const latencies: number[] = [];
  const warm: number[] = [];
  const failedStatuses: Record<string, number> = {};
  const problems: string[] = [];
  const sum = (f: (l: ClientLedger) => number) => ledgers.reduce((a, l) => a + f(l), 0);
  ledgers.forEach((l, client) => {
    for (const [metric, t] of l.totals) {
      const total = totals.get(metric) ?? { count: 0, sum: 0 };
      total.count += t.count;
      total.sum += t.sum;
      totals.set(metric, total);
      byClient.set(`${metric}|${client}`, { count: t.count, sum: t.sum });
    }
    l.latenciesMs.forEach((x, i) => {
      latencies.push(x);
      if (i >= l.firstRequestAttempts) warm.push(x);
    });
    for (const [status, n] of Object.entries(l.failedStatuses)) {
      failedStatuses[status] = (failedStatuses[status] ?? 0) + n;
    }
    for (const p of l.problems) if (problems.length < 10) problems.push(`client ${client}: ${p}`);
  });
  latencies.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  return {
    requests: sum((l) => l.requests),
    attempts: sum((l) => l.attempts),
    retries: sum((l) => l.retries),
    acceptedRequests: sum((l) => l.accepted),
    acceptedPoints: sum((l) => l.acceptedPoints),
    rejectedPoints: sum((l) => l.rejectedPoints),
    failedRequests: sum((l) => l.failed),
    gaveUp: sum((l) => l.gaveUp),
    uncertainPoints: sum((l) => l.uncertainPoints),
    minTimeMs: Math.min(...ledgers.map((l) => l.minTimeMs)),
    maxTimeMs: Math.max(...ledgers.map((l) => l.maxTimeMs)),
    failedStatuses,
    totals,
    byClient,
    latencies,
    warm,
    problems,
  };
}

export function configFor(options: LoadTestOptions): WindrowConfig {
  return parseConfig({
    tiers: options.tiers,
    allowedLateness: options.lateness,
    ...(options.shards === undefined ? {} : { shards: options.shards }),
    sink: 'dynamodb',
  });
}

export interface LoadTestHooks {
  /** Runs after the load and before closing (tests use it to show a mismatch is caught). */
  /** Runs after the load, before closing; gets the time span of the accepted points. */
  readonly afterLoad?: (stack: LocalStack, span: { firstMs: number; lastMs: number }) => Promise<void>;
}

/** Runs the whole load test; never throws for a failed check (the report says FAIL). */
export async function runLoadTest(
  options: LoadTestOptions,
  progress: (line: string) => void = () => {},
  hooks: LoadTestHooks = {},
): Promise<LoadTestReport> {
  if (!isLoopback(options.host)) {
    throw new UsageError(`refusing ${options.host}: the load test only runs on loopback`);
  }
  const config = configFor(options);
  const clock = new OffsetClock();
  const stackLog: string[] = [];
  const stack: LocalStack = await startLocalStack({
    config,
    host: options.host,
    port: 0,
    quiet: true,
    clock,
    // The closer runs on its schedule while the load runs, as it does under `npm start`.
    tickMs: options.tickMs,
    log: (line) => {
      // Status lines are the closer's summary; only dead letters and failed ticks are problems.
      if (/^(dead letter|tick failed)/.test(line)) stackLog.push(line);
    },
  });
  try {
    const url = `${stack.url}/v1/metrics`;
    assertLoopbackUrl(url);
    // Checkpoints start now: every point of the load lands in a window not closed yet.
    await stack.closer.tick();
    const closedBefore = stack.closer.totals.closed;
    progress(
      `load: ${options.clients} clients × ${options.series * 2} points a request for ${(options.durationMs / 1000).toFixed(1)} s` +
        `${options.maxRequests === undefined ? '' : ` (at most ${options.maxRequests} requests)`} → ${url}`,
    );

    const ledgers = Array.from({ length: options.clients }, () => emptyLedger());
    const started = performance.now();
    const deadline = started + options.durationMs;
    let issued = 0;
    const claim = () => {
      if (performance.now() >= deadline) return false;
      if (options.maxRequests !== undefined && issued >= options.maxRequests) return false;
      issued++;
      return true;
    };
    const ticker = setInterval(() => {
      const points = ledgers.reduce((a, l) => a + l.acceptedPoints, 0);
      const seconds = (performance.now() - started) / 1000;
      progress(
        `  ${seconds.toFixed(0).padStart(4)} s  ${points.toLocaleString('en-US')} points accepted  ` +
          `${Math.round(points / seconds).toLocaleString('en-US')} points/s  closes ${stack.closer.totals.closed - closedBefore}`,
      );
    }, 5_000);
    try {
      await Promise.all(
        ledgers.map((ledger, i) =>
          runClient({
            url,
            workload: new ClientWorkload(i, options.series, options.seed),
            ledger,
            nowMs: () => clock.nowMs(),
            claim,
          }),
        ),
      );
    } finally {
      clearInterval(ticker);
    }
    const loadMs = performance.now() - started;
    const m = mergeLedgers(ledgers);
    const closerLagAtEndMs = options.tickMs > 0 ? await closerLag(stack, config, clock) : {};
    const duringLoad = stack.closer.totals.closed - closedBefore;
    progress(
      `closing: every window holding data, in every tier (${config.tiers.map((t) => t.name).join(', ')})`,
    );

    const problems: string[] = [];
    const lastMs = Number.isFinite(m.maxTimeMs) ? m.maxTimeMs : clock.nowMs();
    const firstMs = Number.isFinite(m.minTimeMs) ? m.minTimeMs : lastMs;
    await hooks.afterLoad?.(stack, { firstMs, lastMs });
    const closing = await closeEverything(stack, config, clock, lastMs, options.closeTimeoutMs);
    if (!closing.complete) {
      problems.push(
        `windows still open after ${(options.closeTimeoutMs / 1000).toFixed(0)} s: ${closing.pending.join('; ')}`,
      );
    }
    const accounts = await readTotals(stack, config, firstMs, lastMs);

    const exactSums = m.rejectedPoints === 0 && m.uncertainPoints === 0;
    const expectedSum = exactSums ? [...m.totals.values()].reduce((a, t) => a + t.sum, 0) : undefined;
    const checks: TierCheck[] = accounts.map((a) => {
      const count = [...a.got.values()].reduce((x, t) => x + t.count, 0);
      const sum = [...a.got.values()].reduce((x, t) => x + t.sum, 0);
      // A given-up request may or may not have been kept: its points widen the count's range.
      let ok = count >= m.acceptedPoints && count <= m.acceptedPoints + m.uncertainPoints;
      if (exactSums) {
        for (const metric of METRIC_NAMES) {
          const want = m.totals.get(metric) ?? { count: 0, sum: 0 };
          const got = a.got.get(metric) ?? { count: 0, sum: 0 };
          if (got.count !== want.count || got.sum !== want.sum) {
            ok = false;
            problems.push(
              `${a.tier} ${metric}: results count ${got.count} sum ${got.sum}, accepted count ${want.count} sum ${want.sum}`,
            );
            let shown = 0;
            for (const [key, w] of m.byClient) {
              if (!key.startsWith(`${metric}|`)) continue;
              const g = a.byClient.get(key) ?? { count: 0, sum: 0 };
              if ((g.count !== w.count || g.sum !== w.sum) && shown++ < 5) {
                problems.push(
                  `  client ${key.split('|')[1]}: results ${g.count}/${g.sum}, accepted ${w.count}/${w.sum}`,
                );
              }
            }
          }
        }
      } else if (!ok) {
        problems.push(
          `${a.tier}: results count ${count}, accepted ${m.acceptedPoints} (+ ${m.uncertainPoints} uncertain)`,
        );
      }
      return {
        tier: a.tier,
        records: a.records,
        count,
        sum,
        expectedCount: m.acceptedPoints,
        expectedSum,
        ok,
      };
    });
    if (m.rejectedPoints > 0)
      problems.push(`${m.rejectedPoints} valid points were rejected (partial success)`);
    if (m.failedRequests > 0) {
      problems.push(`${m.failedRequests} requests failed: ${JSON.stringify(m.failedStatuses)}`);
    }
    if (m.gaveUp > 0)
      problems.push(`${m.gaveUp} requests given up after retries (${m.uncertainPoints} points uncertain)`);
    if (m.acceptedPoints === 0) problems.push('no point was accepted');
    const deadLetters = stack.closer.queue.deadLetters.length;
    if (deadLetters > 0) problems.push(`${deadLetters} close jobs dead-lettered`);
    const failedTicks = stackLog.filter((l) => l.includes('tick failed')).length;
    for (const line of stackLog.slice(0, 5)) problems.push(`closer: ${line}`);
    problems.push(...m.problems.map((p) => `note: ${p}`));

    const pass =
      closing.complete &&
      checks.every((c) => c.ok) &&
      m.acceptedPoints > 0 &&
      m.rejectedPoints === 0 &&
      m.failedRequests === 0 &&
      deadLetters === 0;
    return {
      clients: options.clients,
      seriesPerClient: options.series,
      pointsPerRequest: options.series * 2,
      tiers: config.tiers.map((t) => t.name),
      lateness: options.lateness,
      shards: config.shards,
      tickMs: options.tickMs,
      loadMs,
      requests: m.requests,
      attempts: m.attempts,
      retries: m.retries,
      acceptedRequests: m.acceptedRequests,
      acceptedPoints: m.acceptedPoints,
      rejectedPoints: m.rejectedPoints,
      failedRequests: m.failedRequests,
      failedStatuses: m.failedStatuses,
      gaveUp: m.gaveUp,
      uncertainPoints: m.uncertainPoints,
      pointsPerSecond: m.acceptedPoints / (loadMs / 1000),
      requestsPerSecond: m.acceptedRequests / (loadMs / 1000),
      latencyMs: {
        p50: percentile(m.latencies, 0.5),
        p99: percentile(m.latencies, 0.99),
        max: m.latencies.at(-1) ?? 0,
      },
      warmLatencyMs: { p50: percentile(m.warm, 0.5), p99: percentile(m.warm, 0.99) },
      closerLagAtEndMs,
      closes: {
        duringLoad,
        afterLoad: stack.closer.totals.closed - closedBefore - duringLoad,
        corrections: stack.closer.totals.corrections,
        ticksAfterLoad: closing.ticks,
        deadLetters,
        failedTicks,
      },
      closeMs: closing.wallMs,
      closeComplete: closing.complete,
      checks,
      pass,
      problems,
    };
  } finally {
    await stack.stop();
  }
}
