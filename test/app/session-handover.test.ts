/**
 * Sessions with late points across a change of `shards` (lib/app/session-handover.ts), on the
 * in-memory ports: the session results equal the sessions of all the points at once after a shrink
 * (4 → 2: shards 2 and 3 retired at B) and a grow (2 → 4), with late points for windows on both sides
 * of B — clean, with every close job run twice at once, and with workers crashing after any step;
 * nothing is left open or pending. And the two orders a re-close must survive: the handover reading
 * the old shard's pending sessions just before the re-close writes one there, and the close that ends
 * a session deriving it just before a re-close adds a late point to it.
 */
import { describe, expect, it } from 'vitest';
import type { CloseJob } from '#app/close-ports.js';
import { closeWindow } from '#app/close-window.js';
import { planCloses } from '#app/plan-closes.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { shardOf } from '#core/series/id.js';
import type { ShardEpoch } from '#core/window/shard-layout.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import { exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
/** The epoch boundary: a 10 s window start. */
const B = T0 + 20_000;
const END = T0 + 40_000;
const configOf = (shards: number) =>
  parseConfig({
    tiers: ['1s', '10s'],
    allowedLateness: '1s',
    correctionHorizon: '10m',
    shards,
    sessions: [
      { match: 'checkout.*', gap: '2s' },
      { match: 'checkout.slow', gap: '5s' },
    ],
    sink: 'dynamodb',
  });
const HOSTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const CHANGES: Record<string, { epochs: ShardEpoch[]; shards: number }> = {
  'shrink 4 → 2': {
    epochs: [
      { fromMs: 0, shards: 4 },
      { fromMs: B, shards: 2 },
    ],
    shards: 2,
  },
  'grow 2 → 4': {
    epochs: [
      { fromMs: 0, shards: 2 },
      { fromMs: B, shards: 4 },
    ],
    shards: 4,
  },
};

interface Scenario {
  readonly points: RawPoint[];
  readonly sendAt: number[];
}

/** Bursts per host around B (silences of 0.1–4 s), ~35% of the points sent late, up to 20 s after. */
function scenario(seed: number): Scenario {
  const random = seededRandom(seed);
  const points: RawPoint[] = [];
  const sendAt: number[] = [];
  for (const metric of ['checkout.ms', 'checkout.slow']) {
    for (const host of HOSTS) {
      let t = T0 + 5_000 + Math.floor(random() * 5_000);
      while (t < END - 5_000) {
        points.push({ metric, t, value: Math.floor(random() * 200) - 50, attributes: { host } });
        sendAt.push(random() < 0.35 ? t + 2_500 + Math.floor(random() * 20_000) : t);
        t += random() < 0.75 ? 100 + Math.floor(random() * 1_800) : 2_100 + Math.floor(random() * 4_000);
      }
    }
  }
  return { points, sendAt };
}

/** Sessions per (metric, host) from all the points at once. */
function sessionOracle(points: readonly RawPoint[], matches: (m: string) => boolean, gapMs: number) {
  const out: string[] = [];
  const bySeries = new Map<string, RawPoint[]>();
  for (const p of points.filter((p) => matches(p.metric))) {
    const key = `${p.metric}|${p.attributes?.host}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), p]);
  }
  for (const [key, list] of bySeries) {
    const sorted = [...list].sort((a, b) => a.t - b.t);
    let part: RawPoint[] = [];
    const flush = () => {
      const values = part.map((p) => p.value);
      out.push(
        `${key}|${(part[0]?.t ?? 0) - T0}|${(part.at(-1)?.t ?? 0) + gapMs - T0}|${values.length}|${exactSum(values)}`,
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
        `${r.metric}|${r.attributes.host}|${r.startMs - T0}|${r.endMs - T0}|${r.stats.count}|${r.stats.sum}`,
    )
    .sort();
}

type Mode = 'clean' | 'twice' | 'crash';

async function run(change: keyof typeof CHANGES, s: Scenario, mode: Mode, seed: number) {
  const { epochs, shards } = CHANGES[change] as (typeof CHANGES)[string];
  const harness = new CloseHarness(configOf(shards), T0, epochs);
  const random = seededRandom(1_000 + seed);
  if (mode === 'crash') {
    harness.afterStep = () => {
      if (random() < 0.15) throw new Error('worker crash');
    };
  }
  if (mode === 'twice') {
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
    if (due.length > 0) expect((await harness.send(due)).rejected).toBe(0);
    await harness.tick();
    if (mode === 'crash') for (let i = 0; i < 3; i++) await harness.tick();
  }
  harness.afterStep = undefined;
  for (let i = 0; i < 5; i++) await harness.tick();
  return harness;
}

/** The series id of each host's `metric` series (ids do not depend on the shard count). */
async function seriesIds(metric: string): Promise<Map<string, string>> {
  const scratch = new CloseHarness(configOf(2), T0);
  await scratch.send(HOSTS.map((host) => ({ metric, t: T0, value: 1, attributes: { host } })));
  const out = new Map<string, string>();
  for (const meta of scratch.catalog.series.values()) out.set(String(meta.attributes.host), meta.seriesId);
  return out;
}

describe('Sessions with late points across a change of shards equal the sessions of all points at once', () => {
  it.each([
    ['shrink 4 → 2', 1],
    ['shrink 4 → 2', 2],
    ['grow 2 → 4', 3],
    ['grow 2 → 4', 4],
  ] as const)('%s, seed %i: clean, every job twice at once, workers crashing', async (change, seed) => {
    const s = scenario(seed);
    // Late points for windows before B that arrive after it (re-closed after the handover).
    expect(s.points.filter((p, i) => p.t < B && (s.sendAt[i] ?? 0) > B + 2_000).length).toBeGreaterThan(5);
    const want2 = sessionOracle(s.points, (m) => m.startsWith('checkout.'), 2_000);
    const want5 = sessionOracle(s.points, (m) => m === 'checkout.slow', 5_000);
    for (const mode of ['clean', 'twice', 'crash'] as const) {
      const harness = await run(change, s, mode, seed);
      if (mode !== 'crash') expect(harness.failures, mode).toEqual([]);
      else expect(harness.failures.every((f) => String(f.error).includes('worker crash'))).toBe(true);
      expect(actual(harness.sink.of('session:2s')), `${mode} session:2s`).toEqual(want2);
      expect(actual(harness.sink.of('session:5s')), `${mode} session:5s`).toEqual(want5);
      const open = [...harness.sessions.items.values()].flatMap((m) => [...m.keys()]);
      expect(open, `${mode}: nothing open`).toEqual([]);
      const pending = [...harness.sessions.pending.values()].flatMap((m) => [...m.keys()]);
      expect(pending, `${mode}: nothing pending`).toEqual([]);
    }
  });
});

describe('Re-closes of windows before B against the handover and the close that ends a session', () => {
  const shrink = CHANGES['shrink 4 → 2'] as (typeof CHANGES)[string];

  /** A host whose checkout.ms series is in a shard retired at B (4 → 2), and its shard then. */
  async function retiredHost(): Promise<{ host: string; seriesId: string; oldShard: number }> {
    for (const [host, seriesId] of await seriesIds('checkout.ms')) {
      const oldShard = shardOf(seriesId, 4);
      if (oldShard >= 2) return { host, seriesId, oldShard };
    }
    throw new Error('no host in a retired shard');
  }

  const job = (windowStartMs: number, shard: number, correction = false): CloseJob => ({
    tier: 0,
    windowStartMs,
    shard,
    correction,
  });

  it('a pending session written to the old shard just after the handover read it still reaches the new shard', async () => {
    const { host, seriesId, oldShard } = await retiredHost();
    const harness = new CloseHarness(configOf(2), T0, shrink.epochs);
    await harness.runUntil(B, 1_000); // first-tier windows closed through B − 2 s
    // Late, alone: its session [B − 1.5 s, B + 0.5 s) has not ended at the old shard's frontier.
    const late: RawPoint = { metric: 'checkout.ms', t: B - 1_500, value: 7, attributes: { host } };
    expect((await harness.send([late])).rejected).toBe(0);
    // Just before the re-close writes its pending session to the old shard, the old shards close
    // their last window and the new shards their first (the handover finds nothing to move).
    const write = harness.sessions.writePending.bind(harness.sessions);
    let interleaved = false;
    harness.sessions.writePending = async (shard, pending) => {
      if (!interleaved && shard === oldShard) {
        interleaved = true;
        harness.clock.now = B + 1_000;
        for (let s = 0; s < 4; s++) await closeWindow(job(B - 1_000, s), harness.closeDeps);
        for (let s = 0; s < 2; s++) await closeWindow(job(B, s), harness.closeDeps);
      }
      return write(shard, pending);
    };
    await harness.tick(); // the re-close
    expect(interleaved).toBe(true);
    expect(harness.outcomes.some((o) => o.status === 'reclosed')).toBe(true);
    await harness.runUntil(B + 5_000, 1_000);
    expect(harness.failures).toEqual([]);
    const sessions = harness.sink.of('session:2s').filter((r) => r.seriesId === seriesId);
    expect(sessions.map((r) => [r.startMs - B, r.endMs - B, r.stats.count])).toEqual([[-1_500, 500, 1]]);
    expect(harness.sessions.pending.get(shardOf(seriesId, 2))?.size ?? 0).toBe(0);
  });

  it('a late point for a session open across B, re-closed while the new shard ends that session, is in it', async () => {
    const { host, seriesId } = await retiredHost();
    const harness = new CloseHarness(configOf(2), T0, shrink.epochs);
    const newShard = shardOf(seriesId, 2);
    const point = (t: number, value: number): RawPoint => ({
      metric: 'checkout.ms',
      t,
      value,
      attributes: { host },
    });
    await harness.tick();
    harness.clock.now = B - 1_000;
    await harness.send([point(B - 1_500, 1)]);
    await harness.runUntil(B + 1_000, 1_000);
    await harness.send([point(B + 500, 2)]);
    await harness.runUntil(B + 3_000, 1_000); // open across B, taken over by the new shard
    expect((await harness.sessions.readOpenSessions(newShard)).map((o) => o.seriesId)).toEqual([seriesId]);
    // Late, in the session: re-closed in the retired shard while the new shard's close of B + 2 s ends
    // the session, between that close's reading of the series' panes and its commit.
    await harness.send([point(B - 800, 3)]);
    harness.clock.now = B + 4_000;
    // The planner alone: the re-close and the close of B + 2 s are due.
    const { store, queue, clock, config, deployment } = harness;
    await planCloses({ store, queue, clock, config, ...(deployment === undefined ? {} : { deployment }) });
    const jobs = harness.queue.drain();
    const reclose = jobs.find((j) => j.correction);
    const ending = jobs.find((j) => !j.correction && j.shard === newShard && j.windowStartMs === B + 2_000);
    expect(reclose).toBeDefined();
    expect(ending).toBeDefined();
    harness.queue.jobs.push(...jobs.filter((j) => j !== reclose && j !== ending));
    const readPanes = harness.sessions.readPanes.bind(harness.sessions);
    let interleaved = false;
    harness.sessions.readPanes = async (...args) => {
      const panes = await readPanes(...args);
      if (!interleaved) {
        interleaved = true;
        expect((await closeWindow(reclose as CloseJob, harness.closeDeps)).status).toBe('reclosed');
      }
      return panes;
    };
    expect((await closeWindow(ending as CloseJob, harness.closeDeps)).status).toBe('closed');
    expect(interleaved).toBe(true);
    harness.sessions.readPanes = readPanes;
    await harness.runUntil(B + 8_000, 1_000);
    expect(harness.failures).toEqual([]);
    const sessions = harness.sink.of('session:2s').filter((r) => r.seriesId === seriesId);
    expect(sessions.map((r) => [r.startMs - B, r.endMs - B, r.stats.count, r.stats.sum])).toEqual([
      [-1_500, 2_500, 3, 6],
    ]);
    expect([...harness.sessions.pending.values()].every((m) => m.size === 0)).toBe(true);
  });
});
