/** The load test's summary, as printed by `npm run loadtest`. */
import type { LoadTestReport } from './loadtest.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

export function formatReport(r: LoadTestReport): string {
  const lines = [
    `windrow load test: ${r.clients} clients × ${r.pointsPerRequest} points a request (${r.seriesPerClient} series × 2 metrics), ` +
      `tiers ${r.tiers.join(',')}, lateness ${r.lateness}, ${r.shards} shards, closer every ${r.tickMs === 0 ? '– (after the load only)' : `${r.tickMs} ms`}`,
    `  load             ${(r.loadMs / 1000).toFixed(1)} s`,
    `  requests         ${n(r.requests)} (${n(r.acceptedRequests)} accepted, ${n(r.retries)} retries, ${n(r.failedRequests)} failed, ${n(r.gaveUp)} given up)`,
    `  accepted points  ${n(r.acceptedPoints)} (${n(r.rejectedPoints)} rejected)`,
    `  throughput       ${n(r.pointsPerSecond)} points/s, ${n(r.requestsPerSecond)} requests/s`,
    `  latency          p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms (${n(r.attempts)} attempts)`,
    `  latency, warm    p50 ${ms(r.warmLatencyMs.p50)} ms, p99 ${ms(r.warmLatencyMs.p99)} ms (without each client's first request: all its series new)`,
    ...(Object.keys(r.closerLagAtEndMs).length === 0
      ? []
      : [
          `  closer lag       at the end of the load: ${Object.entries(r.closerLagAtEndMs)
            .map(([tier, lag]) => `${tier} ${(lag / 1000).toFixed(1)} s`)
            .join(', ')} (now − end of the oldest window not closed)`,
        ]),
    `  closes           ${n(r.closes.duringLoad)} during the load + ${n(r.closes.afterLoad)} after it (close jobs: tier × window × shard), ` +
      `${n(r.closes.corrections)} corrections, ${r.closes.deadLetters} dead letters`,
    `  time to close    ${(r.closeMs / 1000).toFixed(1)} s after the load (the scheduled ticks still queued, then ` +
      `${r.closes.ticksAfterLoad} ${r.closes.ticksAfterLoad === 1 ? 'tick' : 'ticks'} with the clock moved ahead)${r.closeComplete ? '' : ' — INCOMPLETE'}`,
    '  accounting       tier: Σ count / accepted points, Σ sum / accepted values',
    ...r.checks.map(
      (c) =>
        `    ${c.tier.padEnd(6)} ${n(c.count)} / ${n(c.expectedCount)}, ${n(c.sum)} / ${c.expectedSum === undefined ? '(not exact)' : n(c.expectedSum)}` +
        ` in ${n(c.records)} records  ${c.ok ? 'ok' : 'MISMATCH'}`,
    ),
    ...r.problems.map((p) => `  ${p}`),
    r.pass ? 'PASS' : 'FAIL',
  ];
  return lines.join('\n');
}
