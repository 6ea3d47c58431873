/**
 * The load test in its short form (`npm run loadtest -- --duration 12s --clients 8`, about 20 s with closing), in CI: many
 * concurrent OTLP clients (protobuf and JSON, gzip and not) against the local stack while the closer
 * runs, then every window closed and the results checked against what was accepted, in every tier.
 * Also: the check does catch a point it was not told about, and nothing but loopback is a target.
 */
import { describe, expect, it } from 'vitest';
import { runLoadTest } from './loadtest.js';
import { DEFAULT_OPTIONS, isLoopback, parseArgs, UsageError } from './options.js';
import { formatReport } from './report.js';

describe('load test', () => {
  it('accounts for every accepted point in every tier after a short load', { timeout: 90_000 }, async () => {
    const started = performance.now();
    const report = await runLoadTest({ ...DEFAULT_OPTIONS, durationMs: 12_000, clients: 8 });
    const text = formatReport(report);
    console.log(text);
    expect(
      report.problems.filter((p) => !p.startsWith('note:')),
      text,
    ).toEqual([]);
    expect(report.pass, text).toBe(true);
    expect(text.endsWith('PASS')).toBe(true);
    // Sane figures.
    expect(report.loadMs).toBeGreaterThanOrEqual(12_000);
    expect(report.loadMs).toBeLessThan(20_000);
    expect(report.acceptedRequests).toBe(report.requests);
    expect(report.acceptedPoints).toBe(report.acceptedRequests * report.pointsPerRequest);
    expect(report.pointsPerSecond).toBeGreaterThan(200);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p99);
    expect(report.latencyMs.p99).toBeLessThanOrEqual(report.latencyMs.max);
    expect(report.warmLatencyMs.p50).toBeGreaterThan(0);
    expect(report.warmLatencyMs.p99).toBeLessThanOrEqual(report.latencyMs.max);
    expect(Object.keys(report.closerLagAtEndMs)).toEqual(['1s', '10s', '1m']);
    expect(report.attempts).toBe(report.requests + report.retries);
    expect(report.closeComplete).toBe(true);
    expect(report.closes.afterLoad + report.closes.duringLoad).toBeGreaterThan(0);
    expect(report.checks.map((c) => c.tier)).toEqual(['1s', '10s', '1m']);
    for (const c of report.checks) {
      expect(c.count).toBe(report.acceptedPoints);
      expect(c.sum).toBe(c.expectedSum);
      expect(c.records).toBeGreaterThan(0);
    }
    // 8 clients × 25 series × 2 metrics in every window of the 1m tier they sent in.
    expect(report.checks[2]?.records ?? 0).toBeGreaterThanOrEqual(8 * 25 * 2);
    // About 20 s alone and 35 s inside the full parallel suite on 2 cores; not asserted, so a slow
    // CI machine does not fail it (the 90 s timeout bounds it).
    console.log(`load test: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
  });

  it('fails when the results hold a point no client was told was accepted', { timeout: 60_000 }, async () => {
    const report = await runLoadTest(
      { ...DEFAULT_OPTIONS, durationMs: 3_000, clients: 2, maxRequests: 20 },
      () => {},
      {
        afterLoad: async (stack, span) => {
          const response = await fetch(`${stack.url}/v1/points`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              // Inside the accepted points' span, so it lands in windows the closing waits for and
              // the accounting reads (a point outside it made this test flaky).
              points: [{ metric: 'loadtest.gauge', timestamp: span.lastMs, value: 5 }],
            }),
          });
          expect(response.status).toBe(200);
        },
      },
    );
    expect(report.requests).toBe(20);
    expect(report.pass).toBe(false);
    expect(formatReport(report).endsWith('FAIL')).toBe(true);
    for (const c of report.checks) expect(c.count).toBe(report.acceptedPoints + 1);
    expect(report.problems.some((p) => p.includes('loadtest.gauge: results count'))).toBe(true);
  });

  it('refuses any target but loopback, and bounds its options', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.example.com', '::']) {
      expect(isLoopback(host)).toBe(false);
    }
    expect(() => parseArgs(['--host', '192.168.1.10'])).toThrow(/loopback/);
    await expect(runLoadTest({ ...DEFAULT_OPTIONS, host: 'example.com' })).rejects.toThrow(UsageError);
    expect(parseArgs(['--duration', '20s', '--clients', '16', '--max-requests', '500'])).toMatchObject({
      durationMs: 20_000,
      clients: 16,
      maxRequests: 500,
    });
    expect(parseArgs([])).toMatchObject({ durationMs: 60_000, clients: 32, tiers: ['1s', '10s', '1m'] });
    expect(parseArgs(['--help'])).toBeUndefined();
    expect(() => parseArgs(['--duration', '2h'])).toThrow(/30m/);
    expect(() => parseArgs(['--clients', '0'])).toThrow(/between/);
    expect(() => parseArgs(['--clients', '100000'])).toThrow(/between/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
  });
});
