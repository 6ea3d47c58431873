/**
 * The demo traffic (real OpenTelemetry SDK, three services) feeds the local stack, and what it
 * recorded shows up closed in every tier: the latency histograms' counts summed over each tier's
 * windows equal the requests the demo recorded, and the resetting cumulative counter never goes
 * negative.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { startDemoTraffic } from '#local/demo-sdk.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  shards: 2,
  sink: 'dynamodb',
});
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock });
  await stack.closer.tick();
});
afterAll(() => stack?.stop());

describe('Demo traffic on the local stack', () => {
  it('shows up closed in every tier, counts equal to what the SDK recorded', async () => {
    const start = Date.now();
    const lines: string[] = [];
    const demo = startDemoTraffic({ url: stack.url, intervalMs: 400, rate: 50, log: (l) => lines.push(l) });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await demo.stop();
    expect(demo.totals.requests).toBeGreaterThan(50);
    expect(demo.totals.resets).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('requests recorded'))).toBe(true);
    const end = Date.now();
    // Close everything up to the end of the next minute.
    // (each tier closes one planner tick after its last child window)
    const until = Math.ceil((end + 1_000) / 60_000) * 60_000 + 5_000;
    while (clock.nowMs() < until) {
      offsetMs += 1_000;
      await stack.closer.tick();
    }
    for (const tier of ['1s', '10s', '1m']) {
      const records = await stack.results.read({
        tenant: 'default',
        metric: 'http.server.request.duration',
        window: tier,
        fromMs: start - 60_000,
        toMs: end + 60_000,
      });
      expect(new Set(records.map((r) => r.resource['service.name']))).toEqual(
        new Set(['checkout', 'cart', 'payments']),
      );
      expect(
        records.reduce((a, r) => a + r.stats.count, 0),
        tier,
      ).toBe(demo.totals.latencies);
      const jobs = await stack.results.read({
        tenant: 'default',
        metric: 'jobs.processed',
        window: tier,
        fromMs: start - 60_000,
        toMs: end + 60_000,
      });
      expect(jobs.length, tier).toBeGreaterThan(0);
      for (const r of jobs)
        expect(r.stats.sum ?? 0, `${tier} jobs.processed increase`).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);
});
