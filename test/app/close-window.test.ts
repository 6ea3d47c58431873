import { describe, expect, it } from 'vitest';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import { exactQuantile, exactStddev, exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sliding: [{ size: '5s', slide: '1s' }],
  sink: 'dynamodb',
});

/** Points of 6 series over [T0, T0 + 70 s): integers, negatives, and some windows left empty. */
function workload(seed: number): RawPoint[] {
  const random = seededRandom(seed);
  const out: RawPoint[] = [];
  for (let t = T0; t < T0 + 70_000; t += 50 + Math.floor(random() * 400)) {
    const metric = random() < 0.5 ? 'cpu.temp' : 'latency';
    const host = `h${Math.floor(random() * 3)}`;
    if (metric === 'cpu.temp' && t % 20_000 < 3_000) continue; // some empty windows
    out.push({ metric, t, value: Math.floor(random() * 2000) - 500, attributes: { host } });
  }
  return out;
}

/** Expected stats per (metric, host, window start) straight from the raw values. */
function oracle(points: readonly RawPoint[], windows: (t: number) => { startMs: number; endMs: number }[]) {
  const groups = new Map<string, number[]>();
  for (const p of points) {
    for (const w of windows(p.t)) {
      const key = `${p.metric}|${p.attributes?.host}|${w.startMs}`;
      const list = groups.get(key) ?? [];
      list.push(p.value);
      groups.set(key, list);
    }
  }
  return groups;
}

/** Only the windows that end by `endBefore` (the ones closed by the end of a run). */
function inRange(m: Map<string, number[]>, endBefore: number, size: number) {
  return new Map([...m].filter(([k]) => Number(k.split('|')[2]) + size <= endBefore));
}

function tumbling(sizeMs: number) {
  return (t: number) => {
    const startMs = Math.floor(t / sizeMs) * sizeMs;
    return [{ startMs, endMs: startMs + sizeMs }];
  };
}

function sliding(sizeMs: number, slideMs: number) {
  return (t: number) => {
    const out = [];
    const last = Math.floor(t / slideMs) * slideMs;
    for (let s = last - sizeMs + slideMs; s <= last; s += slideMs)
      out.push({ startMs: s, endMs: s + sizeMs });
    return out;
  };
}

function expectMatches(records: readonly ResultRecord[], expected: Map<string, number[]>, alpha = 0.01) {
  const actual = new Map(records.map((r) => [`${r.metric}|${r.attributes.host}|${r.startMs}`, r]));
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, values] of expected) {
    const stats = actual.get(key)?.stats;
    expect(stats, key).toBeDefined();
    if (stats === undefined) continue;
    expect(stats.count, key).toBe(values.length);
    expect(stats.sum, key).toBe(exactSum(values));
    expect(stats.min, key).toBe(Math.min(...values));
    expect(stats.max, key).toBe(Math.max(...values));
    expect(stats.avg ?? Number.NaN, key).toBeCloseTo(exactSum(values) / values.length, 9);
    expect(stats.stddev ?? Number.NaN, key).toBeCloseTo(exactStddev(values), 6);
    for (const p of config.percentiles) {
      const exact = exactQuantile(values, p / 100);
      const got = stats.percentiles?.[`p${p}`] ?? Number.NaN;
      expect(Math.abs(got - exact), `${key} p${p}: ${got} vs ${exact}`).toBeLessThanOrEqual(
        alpha * Math.abs(exact) + 1e-9,
      );
    }
  }
}

/** Feeds the workload second by second, as live traffic, ticking the planner each second. */
async function runLive(points: readonly RawPoint[], harness = new CloseHarness(config, T0)) {
  await harness.tick();
  for (let now = T0 + 1_000; now <= T0 + 70_000; now += 1_000) {
    const due = points.filter((p) => p.t >= now - 1_000 && p.t < now);
    harness.clock.now = now;
    if (due.length > 0) await harness.send(due);
    await harness.tick();
  }
  await harness.runUntil(T0 + 125_000, 1_000);
  return harness;
}

describe('closeWindow and planCloses, every tier and window kind against an oracle', () => {
  const points = workload(7);

  it('closes 1s, 10s and 1m windows equal to the raw values, and 5s/1s sliding windows', async () => {
    const harness = await runLive(points);
    expect(harness.failures).toEqual([]);
    expectMatches(harness.sink.of('1s'), oracle(points, tumbling(1_000)));
    expectMatches(harness.sink.of('10s'), oracle(points, tumbling(10_000)));
    // The top tier straight from the raw points.
    expectMatches(harness.sink.of('1m'), inRange(oracle(points, tumbling(60_000)), T0 + 120_000, 60_000));
    expectMatches(harness.sink.of('5s/1s'), oracle(points, sliding(5_000, 1_000)));
    const firstClose = harness.outcomes.find((o) => o.status === 'closed' && o.series > 0);
    expect(firstClose?.closeLagMs).toBeGreaterThanOrEqual(config.allowedLatenessMs);
  });

  it('never closes a window before end + allowedLateness', async () => {
    const harness = new CloseHarness(config, T0);
    await harness.tick();
    await harness.send([{ metric: 'm', t: T0 + 100, value: 1 }]);
    harness.clock.now = T0 + 1_999; // end (T0 + 1 s) + lateness (1 s) − 1 ms
    await harness.tick();
    expect(harness.sink.of('1s')).toEqual([]);
    harness.clock.now = T0 + 2_000;
    await harness.tick();
    expect(harness.sink.of('1s').map((r) => r.stats.count)).toEqual([1]);
  });

  it('re-closes a window for a late point with a higher version at its tier and every tier above', async () => {
    const harness = await runLive(points);
    const before = new Map([...harness.sink.records].map(([k, r]) => [k, r]));
    const late = { metric: 'latency', t: T0 + 12_345, value: 100_000, attributes: { host: 'h1' } };
    const result = await harness.send([late]);
    expect(result).toMatchObject({ accepted: 1, corrections: 1 });
    // Each planner run re-closes one tier: the re-close of a child marks its parent for the next.
    for (let i = 0; i < 3; i++) await harness.tick();
    expect(harness.failures).toEqual([]);
    for (const [window, start] of [
      ['1s', T0 + 12_000],
      ['10s', T0 + 10_000],
      ['1m', T0],
    ] as const) {
      const key = `${window}|${[...harness.sink.records.values()].find((r) => r.metric === 'latency' && r.attributes.host === 'h1')?.seriesId}|${start}`;
      const after = harness.sink.records.get(key);
      expect(after?.stats.max, window).toBe(100_000);
      expect(after?.version ?? 0, window).toBeGreaterThan(before.get(key)?.version ?? 0);
    }
    expectMatches(
      harness.sink.of('1m'),
      inRange(oracle([...points, late], tumbling(60_000)), T0 + 120_000, 60_000),
    );
    expectMatches(harness.sink.of('5s/1s'), oracle([...points, late], sliding(5_000, 1_000)));
  });

  it('rejects and counts a point older than the correction horizon', async () => {
    const harness = await runLive(points.slice(0, 10));
    harness.clock.now = T0 + 11 * 60_000;
    const result = await harness.send([{ metric: 'latency', t: T0 + 100, value: 5 }]);
    expect(result).toMatchObject({ accepted: 0, rejected: 1 });
  });
});

describe('Crash injection: a close that fails after any step, retried, gives the clean result', () => {
  const points = workload(11).filter((p) => p.t < T0 + 25_000);
  const steps = ['mark', 'read', 'sink', 'closed-state', 'parent', 'checkpoint'] as const;

  const results = (h: CloseHarness) =>
    [...h.sink.records.values()]
      .map((r) => ({ w: r.window, s: r.seriesId, t: r.startMs, stats: r.stats }))
      .sort((a, b) => (`${a.w}|${a.s}|${a.t}` < `${b.w}|${b.s}|${b.t}` ? -1 : 1));

  it.each(steps)('after "%s", on every job', async (step) => {
    const clean = await runLive(points);
    const crashing = new CloseHarness(config, T0);
    const crashed = new Set<string>();
    crashing.afterStep = (at, job) => {
      const key = `${job.tier}|${job.windowStartMs}|${job.shard}|${job.correction}`;
      if (at === step && !crashed.has(key)) {
        crashed.add(key);
        throw new Error(`injected crash after ${at}`);
      }
    };
    await runLive(points, crashing);
    expect(crashed.size).toBeGreaterThan(10);
    expect(results(crashing)).toEqual(results(clean));
  });

  it('a job delivered twice, and two workers closing one window at once, change nothing', async () => {
    const clean = await runLive(points);
    const doubled = new CloseHarness(config, T0);
    const enqueue = doubled.queue.enqueue.bind(doubled.queue);
    doubled.queue.enqueue = async (jobs) => enqueue([...jobs, ...jobs]);
    const closeDeps = doubled.closeDeps;
    // Concurrency: every job is also closed by a second worker at the same time.
    const { closeWindow } = await import('#app/close-window.js');
    const original = doubled.tick.bind(doubled);
    doubled.tick = async () => {
      const jobs = [...doubled.queue.jobs];
      await Promise.allSettled(jobs.map((j) => closeWindow(j, closeDeps)));
      await original();
    };
    await runLive(points, doubled);
    expect(results(doubled)).toEqual(results(clean));
  });
});

describe('Session windows', () => {
  const sessionConfig = parseConfig({
    tiers: ['1s', '10s'],
    allowedLateness: '1s',
    shards: 2,
    sessions: [{ match: 'checkout.*', gap: '3s' }],
    sink: 'dynamodb',
  });

  /** Bursts of activity per host with silences of 1–6 s between events. */
  function bursts(seed: number): RawPoint[] {
    const random = seededRandom(seed);
    const out: RawPoint[] = [];
    for (const host of ['a', 'b', 'c']) {
      let t = T0 + Math.floor(random() * 2_000);
      while (t < T0 + 40_000) {
        out.push({ metric: 'checkout.ms', t, value: Math.floor(random() * 100), attributes: { host } });
        t += random() < 0.8 ? 100 + Math.floor(random() * 2_000) : 3_500 + Math.floor(random() * 3_000);
      }
      out.push({ metric: 'other.ms', t: T0 + 500, value: 1, attributes: { host } });
    }
    return out.sort((a, b) => a.t - b.t);
  }

  /** Sessions from raw event times: split where the silence exceeds the gap. */
  function sessionOracle(points: readonly RawPoint[], gapMs: number) {
    const out = new Map<string, number[]>();
    const byHost = new Map<string, RawPoint[]>();
    for (const p of points.filter((p) => p.metric.startsWith('checkout.'))) {
      const list = byHost.get(p.attributes?.host ?? '') ?? [];
      list.push(p);
      byHost.set(p.attributes?.host ?? '', list);
    }
    for (const [host, list] of byHost) {
      let start = list[0]?.t ?? 0;
      let last = start;
      let values: number[] = [];
      const flush = () => {
        out.set(`checkout.ms|${host}|${start}|${last + gapMs}`, values);
      };
      for (const p of list) {
        if (values.length > 0 && p.t - last > gapMs) {
          flush();
          start = p.t;
          values = [];
        }
        values.push(p.value);
        last = p.t;
      }
      flush();
    }
    return out;
  }

  it('emits each session once, with the stats of its events, when the gap has passed', async () => {
    const points = bursts(5);
    const harness = new CloseHarness(sessionConfig, T0);
    await harness.tick();
    for (let now = T0 + 1_000; now <= T0 + 41_000; now += 1_000) {
      harness.clock.now = now;
      const due = points.filter((p) => p.t >= now - 1_000 && p.t < now);
      if (due.length > 0) await harness.send(due);
      await harness.tick();
    }
    await harness.runUntil(T0 + 50_000, 1_000);
    expect(harness.failures).toEqual([]);
    const sessions = harness.sink.of('session:3s');
    const expected = sessionOracle(points, 3_000);
    const actual = new Map(
      sessions.map((r) => [`${r.metric}|${r.attributes.host}|${r.startMs}|${r.endMs}`, r]),
    );
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, values] of expected) {
      const stats = actual.get(key)?.stats;
      expect(stats?.count, key).toBe(values.length);
      expect(stats?.sum, key).toBe(exactSum(values));
      expect(stats?.max, key).toBe(Math.max(...values));
    }
    expect(sessions.every((r) => r.windowKind === 'session')).toBe(true);
    // Every session ended: nothing stays open.
    expect([...harness.sessions.items.values()].every((m) => m.size === 0)).toBe(true);
  });

  it('gives the same sessions when every first-tier close crashes once after the sink write', async () => {
    const points = bursts(9);
    const run = async (crash: boolean) => {
      const harness = new CloseHarness(sessionConfig, T0);
      const crashed = new Set<string>();
      if (crash) {
        harness.afterStep = (step, job) => {
          const key = `${job.tier}|${job.windowStartMs}|${job.shard}`;
          if (step === 'sink' && !crashed.has(key)) {
            crashed.add(key);
            throw new Error('crash');
          }
        };
      }
      await harness.tick();
      for (let now = T0 + 1_000; now <= T0 + 50_000; now += 1_000) {
        harness.clock.now = now;
        const due = points.filter((p) => p.t >= now - 1_000 && p.t < now);
        if (due.length > 0) await harness.send(due);
        await harness.tick();
      }
      return harness.sink
        .of('session:3s')
        .map((r) => [r.seriesId, r.startMs, r.endMs, r.stats.count, r.stats.sum].join('|'))
        .sort();
    };
    expect(await run(true)).toEqual(await run(false));
  });
});

describe('Regression: a re-close that keeps failing must not lose its correction mark', () => {
  it('leaves the mark while the re-close fails, and the planner re-plans it once the store recovers', async () => {
    const points = workload(21).filter((p) => p.t < T0 + 15_000);
    const harness = await runLive(points);
    const late = { metric: 'latency', t: T0 + 3_210, value: 77_777, attributes: { host: 'h2' } };
    await harness.send([late]);
    // Every correction close fails after reading, as in a long outage (its job is dead-lettered).
    harness.afterStep = (step, job) => {
      if (job.correction && step === 'read') throw new Error('store down');
    };
    for (let i = 0; i < 3; i++) await harness.tick();
    harness.queue.drain(); // the jobs went to the dead-letter queue
    expect(harness.store.marks.size).toBe(1);
    harness.afterStep = undefined;
    for (let i = 0; i < 4; i++) await harness.tick();
    expectMatches(harness.sink.of('1s'), oracle([...points, late], tumbling(1_000)));
    expectMatches(
      harness.sink.of('1m'),
      inRange(oracle([...points, late], tumbling(60_000)), T0 + 120_000, 60_000),
    );
    expect(harness.store.marks.size).toBe(0);
  });
});
