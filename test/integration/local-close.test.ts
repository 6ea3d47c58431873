/**
 * Closing on the local stack end to end: points from `/v1/points` (chosen timestamps) and from the
 * real OpenTelemetry SDK go in over HTTP, the planner and the close worker run through their own
 * handlers on each tick (in-process queue, dynalite state and results tables), and what the results
 * table holds equals an oracle computed from the raw values — for every tier, the sliding window
 * and the session window. The clock runs ahead of real time on demand, so windows close at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { exactQuantile, exactStddev, exactSum, seededRandom } from '../support/oracles.js';
import { sdkExport } from '../support/otlp-capture.js';

const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sliding: [{ size: '3s', slide: '1s' }],
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'dynamodb',
});

let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock, log: (l) => lines.push(l) });
  await stack.closer.tick(); // checkpoints start here: later points land in windows still open
});
afterAll(() => stack?.stop());

async function post(points: { metric: string; t: number; value: number; host: string }[]) {
  const response = await fetch(`${stack.url}/v1/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      points: points.map((p) => ({
        metric: p.metric,
        timestamp: p.t,
        value: p.value,
        attributes: { host: p.host },
      })),
    }),
  });
  expect(response.status).toBe(200);
}

/** Moves the clock to `toMs` in 1 s steps, ticking at each. */
async function runTo(toMs: number) {
  while (clock.nowMs() < toMs) {
    offsetMs += Math.min(1_000, toMs - clock.nowMs());
    await stack.closer.tick();
  }
}

async function read(metric: string, window: string, fromMs: number, toMs: number): Promise<ResultRecord[]> {
  return stack.results.read({ tenant: 'default', metric, window, fromMs, toMs });
}

function expectStats(record: ResultRecord | undefined, values: number[], what: string) {
  expect(record, what).toBeDefined();
  const s = record?.stats;
  expect(s?.count, what).toBe(values.length);
  expect(s?.sum, what).toBe(exactSum(values));
  expect(s?.min, what).toBe(Math.min(...values));
  expect(s?.max, what).toBe(Math.max(...values));
  expect(s?.avg ?? Number.NaN, what).toBeCloseTo(exactSum(values) / values.length, 9);
  expect(s?.stddev ?? Number.NaN, what).toBeCloseTo(exactStddev(values), 6);
  for (const p of config.percentiles) {
    const exact = exactQuantile(values, p / 100);
    expect(Math.abs((s?.percentiles?.[`p${p}`] ?? Number.NaN) - exact), `${what} p${p}`).toBeLessThanOrEqual(
      0.01 * Math.abs(exact) + 1e-9,
    );
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

describe('Local stack: closing windows end to end', () => {
  const random = seededRandom(3);
  let t0 = 0;
  let points: { metric: string; t: number; value: number; host: string }[] = [];

  it('closes every tier, the sliding window and sessions equal to the raw values', async () => {
    t0 = Math.ceil((clock.nowMs() + 2_000) / 10_000) * 10_000; // a fresh 10 s window ahead
    points = [];
    for (let t = t0; t < t0 + 20_000; t += 37 + Math.floor(random() * 300)) {
      const metric = random() < 0.5 ? 'api.latency' : 'checkout.ms';
      if (metric === 'checkout.ms' && t >= t0 + 6_000 && t < t0 + 9_500) continue; // a session gap
      points.push({
        metric,
        t,
        value: Math.floor(random() * 1000) - 100,
        host: `h${Math.floor(random() * 2)}`,
      });
    }
    await post(points.slice(0, 120));
    await post(points.slice(120));
    await runTo(t0 + 33_000);

    for (const [size, window] of [
      [1_000, '1s'],
      [10_000, '10s'],
    ] as const) {
      const expected = groupBy(points, (p) => `${p.metric}|${p.host}|${Math.floor(p.t / size) * size}`);
      for (const metric of ['api.latency', 'checkout.ms']) {
        const records = await read(metric, window, t0 - size, t0 + 40_000);
        const got = new Map(records.map((r) => [`${metric}|${r.attributes.host}|${r.startMs}`, r]));
        const want = [...expected].filter(([k]) => k.startsWith(`${metric}|`));
        expect([...got.keys()].sort(), `${metric} ${window}`).toEqual(want.map(([k]) => k).sort());
        for (const [k, list] of want)
          expectStats(
            got.get(k),
            list.map((p) => p.value),
            `${k} ${window}`,
          );
      }
    }
    // Sliding 3s/1s: every window [end − 3 s, end) from the raw points.
    const sliding = await read('api.latency', '3s/1s', t0 - 3_000, t0 + 40_000);
    expect(sliding.length).toBeGreaterThan(20);
    for (const r of sliding) {
      const values = points
        .filter(
          (p) =>
            p.metric === 'api.latency' && p.host === r.attributes.host && p.t >= r.startMs && p.t < r.endMs,
        )
        .map((p) => p.value);
      expectStats(r, values, `3s/1s ${r.attributes.host} ${r.startMs}`);
    }
    // Sessions of checkout.ms: split where the silence exceeds the 2 s gap, bounds [first, last + gap).
    const sessions = await read('checkout.ms', 'session:2s', t0 - 1_000, t0 + 40_000);
    for (const host of ['h0', 'h1']) {
      const parts: (typeof points)[] = [];
      for (const p of points.filter((p) => p.metric === 'checkout.ms' && p.host === host)) {
        const current = parts.at(-1);
        if (current !== undefined && p.t - (current.at(-1)?.t ?? 0) <= 2_000) current.push(p);
        else parts.push([p]);
      }
      expect(parts.length).toBeGreaterThanOrEqual(2); // the 3.5 s silence at least
      const got = sessions.filter((r) => r.attributes.host === host).sort((a, b) => a.startMs - b.startMs);
      expect(got.map((r) => [r.startMs, r.endMs])).toEqual(
        parts.map((part) => [part[0]?.t, (part.at(-1)?.t ?? 0) + 2_000]),
      );
      for (const [i, r] of got.entries()) {
        expectStats(
          r,
          (parts[i] ?? []).map((p) => p.value),
          `session ${host} ${i}`,
        );
      }
    }
    expect(lines.length).toBe(0); // no dead letters, no failed ticks (status lines go to log only when started)
  });

  it('re-closes with a higher version at 1s and 10s for a late point within the horizon', async () => {
    const before1 = await read('api.latency', '1s', t0 + 4_000, t0 + 5_000);
    const before10 = await read('api.latency', '10s', t0, t0 + 10_000);
    // A host with data in that second, so both versions exist to compare.
    const host =
      points.find((p) => p.metric === 'api.latency' && p.t >= t0 + 4_000 && p.t < t0 + 5_000)?.host ?? 'h1';
    const late = { metric: 'api.latency', t: t0 + 4_321, value: 99_999, host };
    await post([late]);
    for (let i = 0; i < 3; i++) await stack.closer.tick();
    points.push(late);
    const after1 = await read('api.latency', '1s', t0 + 4_000, t0 + 5_000);
    const after10 = await read('api.latency', '10s', t0, t0 + 10_000);
    const h1 = (rs: ResultRecord[]) => rs.find((r) => r.attributes.host === host);
    expect(h1(after1)?.stats.max).toBe(99_999);
    expect(h1(after10)?.stats.max).toBe(99_999);
    expect(h1(after1)?.version ?? 0).toBeGreaterThan(h1(before1)?.version ?? Number.POSITIVE_INFINITY);
    expect(h1(after10)?.version ?? 0).toBeGreaterThan(h1(before10)?.version ?? Number.POSITIVE_INFINITY);
    const values = points.filter(
      (p) => p.metric === 'api.latency' && p.host === host && p.t >= t0 && p.t < t0 + 10_000,
    );
    expectStats(
      h1(after10),
      values.map((p) => p.value),
      '10s after correction',
    );
  });

  it('closes what the real OpenTelemetry SDK sent: cumulative counter increases and histograms', async () => {
    // The SDK stamps points with real time; the stack's clock runs ahead, so these arrive late
    // (within the horizon) and close through correction marks.
    const start = Date.now();
    await sdkExport(
      `${stack.url}/v1/metrics`,
      { encoding: 'protobuf', gzip: true, temporality: 'cumulative', resource: { 'service.name': 'shop' } },
      (meter) => {
        meter.createCounter('orders').add(7, { region: 'eu' });
        const h = meter.createHistogram('order.value', { unit: 'EUR' });
        for (const v of [5, 15, 25, 1000]) h.record(v);
      },
    );
    await runTo(clock.nowMs() + 25_000);
    const orders = await read('orders', '1s', start - 5_000, start + 40_000);
    expect(orders.reduce((a, r) => a + (r.stats.sum ?? 0), 0)).toBe(7);
    const orders10 = await read('orders', '10s', start - 10_000, start + 40_000);
    expect(orders10.reduce((a, r) => a + (r.stats.sum ?? 0), 0)).toBe(7);
    const value = await read('order.value', '10s', start - 10_000, start + 40_000);
    expect(value.reduce((a, r) => a + r.stats.count, 0)).toBe(4);
    expect(value.reduce((a, r) => a + (r.stats.sum ?? 0), 0)).toBe(1045);
  });

  it('answers percentiles of small windows by nearest rank: p99 of {5, 30} is 30, p95 of 1..10 is 10', async () => {
    const t = Math.ceil((clock.nowMs() + 2_000) / 10_000) * 10_000; // a fresh 10 s window ahead
    await post([
      { metric: 'small.pair', t: t + 100, value: 5, host: 'h0' },
      { metric: 'small.pair', t: t + 200, value: 30, host: 'h0' },
      ...Array.from({ length: 10 }, (_, i) => ({
        metric: 'small.ten',
        t: t + 300 + i * 50,
        value: i + 1,
        host: 'h0',
      })),
    ]);
    await runTo(t + 14_000);
    const within = (got: number | undefined, exact: number) =>
      Math.abs((got ?? Number.NaN) - exact) <= 0.01 * exact;
    // Every tier, and every sliding window over that second (one window of each covers all the values).
    for (const window of ['1s', '10s', '3s/1s']) {
      const pair = await read('small.pair', window, t - 3_000, t + 11_000);
      const ten = await read('small.ten', window, t - 3_000, t + 11_000);
      expect(pair.length, window).toBeGreaterThan(0);
      expect(ten.length, window).toBeGreaterThan(0);
      for (const r of pair) {
        const p = r.stats.percentiles;
        expect(r.stats.count, window).toBe(2);
        expect(within(p?.p99, 30), `${window} p99 of {5, 30}: ${p?.p99}`).toBe(true);
        expect(within(p?.p50, 5), `${window} p50 of {5, 30}: ${p?.p50}`).toBe(true);
      }
      for (const r of ten) {
        const p = r.stats.percentiles;
        expect(r.stats.count, window).toBe(10);
        expect(within(p?.p95, 10), `${window} p95 of 1..10: ${p?.p95}`).toBe(true);
        expect(within(p?.p90, 9), `${window} p90 of 1..10: ${p?.p90}`).toBe(true);
        expect(within(p?.p50, 5), `${window} p50 of 1..10: ${p?.p50}`).toBe(true);
      }
    }
  });
});
