/**
 * Session windows with late points, against an oracle: random point sets per series, some points sent
 * late (after their first-tier window closed, within the correction horizon, in any order), and the
 * final session results must equal the sessions computed from all the points at once — with every
 * close job run twice at once, and with workers crashing after any step of a close (retried, as SQS
 * would). Superseded results are gone, nothing stays open or pending.
 */
import { describe, expect, it } from 'vitest';
import type { CloseJob } from '#app/close-ports.js';
import { closeWindow } from '#app/close-window.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import { exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sessions: [
    { match: 'checkout.*', gap: '2s' },
    { match: 'checkout.slow', gap: '5s' },
  ],
  sink: 'dynamodb',
});
const END = T0 + 40_000;

interface Scenario {
  readonly points: RawPoint[];
  /** When each point is sent (its time for the on-time ones). */
  readonly sendAt: number[];
}

/** Bursts per host (silences of 0.1–4 s), ~35% of the points sent late, up to 25 s after. */
function scenario(seed: number): Scenario {
  const random = seededRandom(seed);
  const points: RawPoint[] = [];
  const sendAt: number[] = [];
  for (const metric of ['checkout.ms', 'checkout.slow']) {
    for (const host of ['a', 'b', 'c']) {
      let t = T0 + 500 + Math.floor(random() * 3_000);
      while (t < END - 5_000) {
        points.push({ metric, t, value: Math.floor(random() * 200) - 50, attributes: { host } });
        const late = random() < 0.35;
        sendAt.push(late ? t + 2_500 + Math.floor(random() * 25_000) : t);
        t += random() < 0.75 ? 100 + Math.floor(random() * 1_800) : 2_100 + Math.floor(random() * 4_000);
      }
    }
  }
  return { points, sendAt };
}

/** Sessions per (metric, host) from all the points at once: [start, end, count, sum, min, max]. */
function sessionOracle(points: readonly RawPoint[], metricMatch: (m: string) => boolean, gapMs: number) {
  const out: string[] = [];
  const bySeries = new Map<string, RawPoint[]>();
  for (const p of points.filter((p) => metricMatch(p.metric))) {
    const key = `${p.metric}|${p.attributes?.host}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), p]);
  }
  for (const [key, list] of bySeries) {
    const sorted = [...list].sort((a, b) => a.t - b.t);
    let part: RawPoint[] = [];
    const flush = () => {
      const values = part.map((p) => p.value);
      const first = part[0]?.t ?? 0;
      const last = part.at(-1)?.t ?? 0;
      out.push(
        `${key}|${first - T0}|${last + gapMs - T0}|${values.length}|${exactSum(values)}|${Math.min(...values)}|${Math.max(...values)}`,
      );
    };
    for (const p of sorted) {
      if (part.length > 0 && p.t - (part.at(-1)?.t ?? 0) > gapMs) {
        flush();
        part = [];
      }
      part.push(p);
    }
    if (part.length > 0) flush();
  }
  return out.sort();
}

function actual(records: readonly ResultRecord[]): string[] {
  return records
    .map(
      (r) =>
        `${r.metric}|${r.attributes.host}|${r.startMs - T0}|${r.endMs - T0}|${r.stats.count}|${r.stats.sum}|${r.stats.min}|${r.stats.max}`,
    )
    .sort();
}

type Mode = 'clean' | 'twice' | 'crash';

/** Runs a scenario second by second: on-time points as they come, late ones at their send time. */
async function run(s: Scenario, mode: Mode, seed: number): Promise<CloseHarness> {
  const harness = new CloseHarness(config, T0);
  const random = seededRandom(1_000 + seed);
  if (mode === 'crash') {
    harness.afterStep = () => {
      if (random() < 0.15) throw new Error('worker crash');
    };
  }
  if (mode === 'twice') {
    // Every job delivered twice at once, before the harness runs it again.
    const original = harness.tick.bind(harness);
    harness.tick = async () => {
      const jobs: CloseJob[] = [...harness.queue.jobs];
      await Promise.allSettled(jobs.map((j) => closeWindow(j, harness.closeDeps)));
      await original();
    };
  }
  await harness.tick();
  const last = Math.max(...s.sendAt);
  for (let now = T0 + 1_000; now <= last + 12_000; now += 1_000) {
    harness.clock.now = now;
    const due = s.points.filter((_, i) => (s.sendAt[i] ?? 0) >= now - 1_000 && (s.sendAt[i] ?? 0) < now);
    if (due.length > 0) {
      const answer = await harness.send(due);
      expect(answer.rejected).toBe(0);
    }
    await harness.tick();
    if (mode === 'crash') for (let i = 0; i < 3; i++) await harness.tick(); // retries, as SQS would
  }
  harness.afterStep = undefined;
  for (let i = 0; i < 5; i++) await harness.tick();
  return harness;
}

describe('Session windows with late points equal the sessions of all points at once', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: clean, every job twice at once, workers crashing', async (seed) => {
    const s = scenario(seed);
    expect(s.sendAt.filter((at, i) => at > (s.points[i]?.t ?? 0)).length).toBeGreaterThan(10);
    const want2 = sessionOracle(s.points, (m) => m.startsWith('checkout.'), 2_000);
    const want5 = sessionOracle(s.points, (m) => m === 'checkout.slow', 5_000);
    for (const mode of ['clean', 'twice', 'crash'] as const) {
      const harness = await run(s, mode, seed);
      if (mode !== 'crash') expect(harness.failures, mode).toEqual([]);
      else expect(harness.failures.every((f) => String(f.error).includes('worker crash'))).toBe(true);
      expect(actual(harness.sink.of('session:2s')), `${mode} session:2s`).toEqual(want2);
      expect(actual(harness.sink.of('session:5s')), `${mode} session:5s`).toEqual(want5);
      // Nothing left open, nothing left waiting.
      expect(
        [...harness.sessions.items.values()].every((m) => m.size === 0),
        mode,
      ).toBe(true);
      expect(
        [...harness.sessions.pending.values()].every((m) => m.size === 0),
        mode,
      ).toBe(true);
    }
  });

  it('a re-close run again (and an old one delivered after a newer one) emits nothing new', async () => {
    const s = scenario(7);
    const harness = await run(s, 'clean', 7);
    const versioned = () =>
      harness.sink.of('session:2s').map((r) => `${r.seriesId}|${r.startMs}|${r.version}`);
    const before = versioned();
    const reclosed = harness.outcomes.filter((o) => o.status === 'reclosed' && o.job.tier === 0);
    expect(reclosed.length).toBeGreaterThan(5);
    for (const o of [...reclosed].reverse()) await closeWindow(o.job, harness.closeDeps);
    // Same sessions, not even written again (same versions).
    expect(versioned()).toEqual(before);
    expect(harness.sink.superseded.length).toBeGreaterThan(0);
  });

  it('a session longer than its pane records live is emitted whole, and a late point still corrects it', async () => {
    const HOUR = 3_600_000;
    const long = parseConfig({
      tiers: ['1h', '1d'],
      allowedLateness: '1m',
      correctionHorizon: '1h',
      shards: 1,
      sessions: [{ match: 'long.*', gap: '2h' }],
      sink: 'dynamodb',
    });
    const harness = new CloseHarness(long, T0);
    const points: RawPoint[] = [];
    for (let t = T0 + 10 * 60_000, k = 0; t < T0 + 6 * 24 * HOUR; t += 90 * 60_000, k++) {
      points.push({ metric: 'long.run', t, value: k, attributes: { host: 'x' } });
    }
    const last = points.at(-1)?.t ?? 0;
    // Late, within the horizon, in the window of the last point (closed by then).
    const lateWindowEnd = Math.floor(last / HOUR) * HOUR + HOUR;
    const late: RawPoint = {
      metric: 'long.run',
      t: lateWindowEnd - 10 * 60_000,
      value: 1_000,
      attributes: { host: 'x' },
    };
    await harness.tick();
    let expired = 0;
    let based = false;
    for (let now = T0 + HOUR; now <= last + 5 * HOUR; now += HOUR) {
      harness.clock.now = now;
      const due = points.filter((p) => p.t >= now - HOUR && p.t < now);
      if (due.length > 0) await harness.send(due);
      await harness.tick();
      if (now === lateWindowEnd) {
        harness.clock.now = now + 2 * 60_000;
        await harness.tick();
        expect((await harness.send([late])).rejected).toBe(0);
        await harness.tick();
      }
      expired += harness.sessions.expire(harness.clock.now / 1000);
      for (const open of await harness.sessions.readOpenSessions(0)) based ||= open.base !== undefined;
    }
    expect(harness.failures).toEqual([]);
    expect(expired).toBeGreaterThan(20); // the first days' pane records are gone…
    expect(based).toBe(true); // …folded into the open session's base first
    const all = [...points, late];
    const [session, ...rest] = harness.sink.of('session:2h');
    expect(rest).toEqual([]);
    expect(session).toMatchObject({ startMs: points[0]?.t, endMs: Math.max(last, late.t) + 2 * HOUR });
    expect(session?.stats).toMatchObject({
      count: all.length,
      sum: exactSum(all.map((p) => p.value)),
      max: 1_000,
    });
  });
});
