import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloseJob } from '#app/close-ports.js';
import { closeWindow } from '#app/close-window.js';
import { type PlanOptions, type PlanReport, planCloses } from '#app/plan-closes.js';
import { parseConfig, type WindrowConfig } from '#core/config/config.js';
import { CloseHarness, type RawPoint } from '../support/close-harness.js';
import { MemoryQueue, MemoryStateStore } from '../support/memory-close.js';
import { ManualClock } from '../support/memory-ports.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const LATENESS = 30_000;
/** An hour boundary. */
const T0 = Date.parse('2026-11-25T10:00:00.000Z');

const config = parseConfig({ tiers: ['1m', '1h'], allowedLateness: '30s', shards: 3, sink: 'dynamodb' });

function planner(nowMs: number, cfg: WindrowConfig = config) {
  const store = new MemoryStateStore();
  const queue = new MemoryQueue();
  const clock = new ManualClock(nowMs);
  const plan = (options?: PlanOptions) => planCloses({ store, queue, clock, config: cfg }, options);
  return { store, queue, clock, plan };
}

/** Sets the checkpoint of every shard of a tier (closedThroughMs = the last window closed). */
async function checkpointAll(store: MemoryStateStore, tier: number, closedThroughMs: number, shards = 3) {
  for (let shard = 0; shard < shards; shard++) {
    store.checkpoints.set(`${tier}#${shard}`, { tier, shard, closedThroughMs });
  }
}

const closeJobs = (jobs: readonly CloseJob[], tier: number) =>
  jobs
    .filter((j) => j.tier === tier && !j.correction)
    .map((j) => `${j.shard}@${(j.windowStartMs - T0) / MINUTE}m`);

describe('planCloses', () => {
  it('a first run initializes every shard of every tier at the latest due window', async () => {
    const now = T0 + 10 * MINUTE + 45_000;
    const { store, queue, plan } = planner(now);
    const report = await plan();
    // The newest window whose end + 30 s has passed is [10:09, 10:10).
    expect(queue.jobs).toEqual(
      [0, 1, 2].map((shard) => ({ tier: 0, windowStartMs: T0 + 9 * MINUTE, shard, correction: false })),
    );
    const tier0 = await store.readCheckpoints(0);
    const tier1 = await store.readCheckpoints(1);
    expect([...tier0.values()].map((c) => c.closedThroughMs)).toEqual([1, 2, 3].map(() => T0 + 8 * MINUTE));
    // The 1h tier starts with the hour holding the first 1m close: 10:00 (closed through 09:00).
    expect([...tier1.values()].map((c) => c.closedThroughMs)).toEqual([1, 2, 3].map(() => T0 - HOUR));
    expect(report).toEqual({
      jobs: 3,
      closes: { '1m': 3, '1h': 0 },
      corrections: { '1m': 0, '1h': 0 },
      initialized: 6,
      behindMs: { '1m': now - (T0 + 9 * MINUTE) },
    });

    // A second run with jobs still queued enqueues them again and initializes nothing.
    const again = await plan();
    expect(again).toMatchObject({ jobs: 3, initialized: 0, closes: { '1m': 3, '1h': 0 } });
    expect(queue.jobs).toHaveLength(6);
  });

  it('initializes only the shards that have no checkpoint (a larger shard count)', async () => {
    const { store, queue, plan } = planner(T0 + 5 * MINUTE + LATENESS);
    await checkpointAll(store, 0, T0 + 2 * MINUTE, 2);
    await checkpointAll(store, 1, T0 - HOUR, 2);
    const report = await plan();
    expect(report.initialized).toBe(2);
    expect(closeJobs(queue.jobs, 0)).toEqual(['0@3m', '0@4m', '1@3m', '1@4m', '2@4m']);
    expect(report.behindMs).toEqual({ '1m': LATENESS + 2 * MINUTE });
  });

  it('never enqueues a window before end + allowedLateness (±1 ms at the boundary)', async () => {
    // 1m window 10:09 is due at 10:10:30; the 1h window 10:00 at 11:00:30 (its children closed).
    for (const [now, minute] of [
      [T0 + 10 * MINUTE + LATENESS - 1, []],
      [T0 + 10 * MINUTE + LATENESS, ['0@9m', '1@9m', '2@9m']],
      [T0 + 10 * MINUTE + LATENESS + 1, ['0@9m', '1@9m', '2@9m']],
    ] as const) {
      const { store, queue, plan } = planner(now);
      await checkpointAll(store, 0, T0 + 8 * MINUTE);
      await checkpointAll(store, 1, T0 - HOUR);
      const report = await plan();
      expect(
        closeJobs(queue.jobs, 0),
        `now = end + lateness ${now - T0 - 10 * MINUTE - LATENESS} ms`,
      ).toEqual(minute);
      expect(report.closes['1m']).toBe(minute.length);
    }
    for (const [now, hour] of [
      [T0 + HOUR + LATENESS - 1, []],
      [T0 + HOUR + LATENESS, ['0@0m', '1@0m', '2@0m']],
    ] as const) {
      const { store, queue, plan } = planner(now);
      await checkpointAll(store, 0, T0 + 59 * MINUTE);
      await checkpointAll(store, 1, T0 - HOUR);
      await plan();
      expect(closeJobs(queue.jobs, 1)).toEqual(hour);
    }
  });

  it('only ever enqueues due windows, in order from the checkpoint, bounded per shard (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 * HOUR }),
        fc.array(fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 100 }),
        async (nowOffset, childOffsets, parentOffsets, maxWindowsPerShard) => {
          const now = T0 + nowOffset;
          const { store, queue, plan } = planner(now);
          const child = new Map<number, number>();
          const parent = new Map<number, number>();
          for (let shard = 0; shard < 3; shard++) {
            const c = Math.floor((now + (childOffsets[shard] ?? 0)) / MINUTE) * MINUTE;
            const p = Math.floor(c / HOUR) * HOUR + (parentOffsets[shard] ?? 0) * HOUR;
            child.set(shard, c);
            parent.set(shard, p);
            store.checkpoints.set(`0#${shard}`, { tier: 0, shard, closedThroughMs: c });
            store.checkpoints.set(`1#${shard}`, { tier: 1, shard, closedThroughMs: p });
          }
          const report = await plan({ maxWindowsPerShard });
          for (const [tier, size, from] of [
            [0, MINUTE, child],
            [1, HOUR, parent],
          ] as const) {
            for (let shard = 0; shard < 3; shard++) {
              const starts = queue.jobs
                .filter((j) => j.tier === tier && j.shard === shard)
                .map((j) => j.windowStartMs);
              expect(starts.length).toBeLessThanOrEqual(maxWindowsPerShard);
              for (const [i, start] of starts.entries()) {
                expect(start).toBe((from.get(shard) ?? 0) + (i + 1) * size);
                expect(now).toBeGreaterThanOrEqual(start + size + LATENESS);
                // A parent window only once its last child window is closed.
                if (tier === 1) expect(child.get(shard) ?? 0).toBeGreaterThanOrEqual(start + HOUR - MINUTE);
              }
              // Stopped only by the bound, a window not due yet, or (parents) a child not closed.
              const next = (from.get(shard) ?? 0) + (starts.length + 1) * size;
              const stoppedByDue = now < next + size + LATENESS;
              const stoppedByChild = tier === 1 && (child.get(shard) ?? 0) < next + HOUR - MINUTE;
              expect(starts.length === maxWindowsPerShard || stoppedByDue || stoppedByChild).toBe(true);
            }
          }
          expect(report.jobs).toBe(queue.jobs.length);
          expect(report.initialized).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a parent window waits for the checkpoint of its last child window', async () => {
    const now = T0 + 2 * HOUR;
    for (const [childClosed, expected] of [
      [T0 + 58 * MINUTE, []],
      [T0 + 59 * MINUTE, ['0@0m', '1@0m', '2@0m']],
      [T0 + 60 * MINUTE, ['0@0m', '1@0m', '2@0m']],
    ] as const) {
      const { store, queue, plan } = planner(now);
      await checkpointAll(store, 0, childClosed);
      await checkpointAll(store, 1, T0 - HOUR);
      const report = await plan();
      expect(closeJobs(queue.jobs, 1)).toEqual(expected);
      expect(report.closes['1h']).toBe(expected.length);
      // Waiting on its children, the hour is still behind.
      expect(report.behindMs['1h']).toBe(now - T0);
    }
    // One shard's child behind holds back that shard only.
    const { store, queue, plan } = planner(now);
    await checkpointAll(store, 0, T0 + 59 * MINUTE);
    await checkpointAll(store, 1, T0 - HOUR);
    store.checkpoints.set('0#1', { tier: 0, shard: 1, closedThroughMs: T0 + 30 * MINUTE });
    await plan();
    expect(closeJobs(queue.jobs, 1)).toEqual(['0@0m', '2@0m']);
  });

  describe('catching up after downtime', () => {
    const SHARDS = 3;
    const catchUp = parseConfig({
      tiers: ['1m', '1h'],
      allowedLateness: '30s',
      shards: SHARDS,
      sink: 'dynamodb',
    });
    const MAX = 60;

    /** Two series, a point each per minute for `minutes` minutes from T0 (value = the minute). */
    function traffic(minutes: number): RawPoint[] {
      const out: RawPoint[] = [];
      for (let m = 0; m < minutes; m++) {
        for (const host of ['a', 'b', 'c', 'd'])
          out.push({ metric: 'jobs', t: T0 + m * MINUTE + 7_000, value: m, attributes: { host } });
      }
      return out;
    }

    /** One planner run, then its jobs in (tier, shard, window) order, as the close worker runs them. */
    async function runOnce(h: CloseHarness): Promise<{ report: PlanReport; jobs: CloseJob[] }> {
      const report = await planCloses(
        { store: h.store, queue: h.queue, clock: h.clock, config: h.config },
        { maxWindowsPerShard: MAX },
      );
      const jobs = h.queue.drain();
      const ordered = [...jobs].sort(
        (a, b) => a.tier - b.tier || a.shard - b.shard || a.windowStartMs - b.windowStartMs,
      );
      for (const job of ordered) h.outcomes.push(await closeWindow(job, h.closeDeps));
      return { report, jobs };
    }

    async function caughtUp(h: CloseHarness): Promise<boolean> {
      const now = h.clock.now;
      for (const tier of h.config.tiers) {
        const lastDue = Math.floor((now - LATENESS) / tier.sizeMs) * tier.sizeMs - tier.sizeMs;
        const checkpoints = await h.store.readCheckpoints(tier.level);
        for (let shard = 0; shard < SHARDS; shard++) {
          if (checkpoints.get(shard)?.closedThroughMs !== lastDue) return false;
        }
      }
      return true;
    }

    it('after 3 hours it catches up in bounded steps and reaches the present in 4 runs', async () => {
      const points = traffic(3 * 60 + 10);
      const h = new CloseHarness(catchUp, T0);
      const send = async (until: number) => {
        // Live traffic: each minute's points arrive before the minute ends (no correction marks).
        const now = h.clock.now;
        for (let m = 0; m * MINUTE + T0 < until; m++) {
          const batch = points.filter(
            (p) => p.t >= T0 + m * MINUTE && p.t < T0 + (m + 1) * MINUTE && p.t < until,
          );
          if (batch.length === 0) continue;
          h.clock.now = T0 + m * MINUTE + 30_000;
          await h.send(batch);
        }
        points.splice(0, points.length, ...points.filter((p) => p.t >= until));
        h.clock.now = now;
      };
      await send(T0 + MINUTE);
      h.clock.now = T0 + MINUTE + LATENESS;
      const first = await runOnce(h);
      expect(first.report).toMatchObject({
        jobs: SHARDS,
        initialized: 2 * SHARDS,
        closes: { '1m': SHARDS, '1h': 0 },
      });

      // The planner is down for three hours while ingest goes on.
      const downUntil = T0 + MINUTE + LATENESS + 3 * HOUR;
      await send(downUntil);
      h.clock.now = downUntil;
      const runs: { report: PlanReport; jobs: CloseJob[] }[] = [];
      while (runs.length < 10) {
        runs.push(await runOnce(h));
        // Caught up: every tier closed through its latest due window at this run's clock.
        if (await caughtUp(h)) break;
        // The planner runs every minute; traffic keeps coming.
        h.clock.now += MINUTE;
        await send(h.clock.now - LATENESS);
      }
      // 180 minutes behind at 60 per run: 3 runs for the 1m tier; each 1h window follows the run
      // after its last minute closed, so the hour 12:00 closes in run 4 (with the 3 minutes since).
      expect(runs).toHaveLength(4);
      expect(runs.map((r) => r.report.closes)).toEqual([
        { '1m': 60 * SHARDS, '1h': 0 },
        { '1m': 60 * SHARDS, '1h': SHARDS },
        { '1m': 60 * SHARDS, '1h': SHARDS },
        { '1m': 3 * SHARDS, '1h': SHARDS },
      ]);
      for (const { jobs } of runs) {
        for (let shard = 0; shard < SHARDS; shard++) {
          for (const tier of [0, 1]) {
            expect(jobs.filter((j) => j.shard === shard && j.tier === tier).length).toBeLessThanOrEqual(MAX);
          }
        }
      }
      // behindMs: how old the oldest waiting window is, at each run's clock.
      expect(runs.map((r) => r.report.behindMs)).toEqual([
        { '1m': 3 * HOUR + LATENESS, '1h': 3 * HOUR + MINUTE + LATENESS },
        { '1m': 2 * HOUR + MINUTE + LATENESS, '1h': 3 * HOUR + 2 * MINUTE + LATENESS },
        { '1m': HOUR + 2 * MINUTE + LATENESS, '1h': 2 * HOUR + 3 * MINUTE + LATENESS },
        { '1m': 3 * MINUTE + LATENESS, '1h': HOUR + 4 * MINUTE + LATENESS },
      ]);
      expect(h.outcomes.every((o) => o.status === 'closed')).toBe(true);
      // Back to normal: one minute a run, nothing behind but the window just due.
      h.clock.now += MINUTE;
      await send(h.clock.now - LATENESS);
      const steady = await runOnce(h);
      expect(steady.report).toMatchObject({
        closes: { '1m': SHARDS, '1h': 0 },
        behindMs: { '1m': MINUTE + LATENESS },
      });

      // Nothing was lost: every minute and every hour has each host's points.
      const hosts = ['a', 'b', 'c', 'd'];
      const minutes = h.sink.of('1m');
      expect(minutes).toHaveLength(hosts.length * (3 * 60 + 5));
      const hours = h.sink.of('1h');
      expect(
        hours.map((r) => [r.attributes.host, (r.startMs - T0) / HOUR, r.stats.count, r.stats.sum]).sort(),
      ).toEqual(
        hosts
          .flatMap((host) => [0, 1, 2].map((hour) => [host, hour, 60, 60 * hour * 60 + (60 * 59) / 2]))
          .sort(),
      );
    });
  });

  describe('correction marks', () => {
    async function marked() {
      const p = planner(T0 + 20 * MINUTE + LATENESS);
      await checkpointAll(p.store, 0, T0 + 10 * MINUTE);
      await checkpointAll(p.store, 1, T0 - HOUR);
      const mark = (tier: number, minutes: number, shard: number) => ({
        tier,
        windowStartMs: T0 + minutes * MINUTE,
        shard,
        expiresAtSec: 0,
      });
      await p.store.markCorrections([
        mark(0, 3, 0), // closed
        mark(0, 10, 1), // the last window closed
        mark(0, 11, 2), // not closed yet: its first close reads the late data
        mark(0, 19, 0), // not closed yet, not even due
        mark(1, -60, 2), // the hour 09:00, closed
        mark(1, 0, 2), // the hour 10:00, not closed
      ]);
      return p;
    }

    it('become correction jobs for closed windows only, counted per tier', async () => {
      const { queue, store, plan } = await marked();
      const report = await plan();
      const corrections = queue.jobs.filter((j) => j.correction);
      expect(corrections).toEqual([
        { tier: 0, windowStartMs: T0 + 3 * MINUTE, shard: 0, correction: true },
        { tier: 0, windowStartMs: T0 + 10 * MINUTE, shard: 1, correction: true },
        { tier: 1, windowStartMs: T0 - HOUR, shard: 2, correction: true },
      ]);
      expect(report).toEqual({
        // Windows 10:11 … 10:19 of each shard are due.
        jobs: 3 + 3 * 9,
        closes: { '1m': 3 * 9, '1h': 0 },
        corrections: { '1m': 2, '1h': 1 },
        initialized: 0,
        behindMs: { '1m': 9 * MINUTE + LATENESS },
      });
      // The planner leaves marks to the closes: all six are still there.
      expect(store.marks.size).toBe(6);
      // A close job and a correction job never name the same window.
      const keys = queue.jobs.map((j) => `${j.tier}|${j.shard}|${j.windowStartMs}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('reads at most maxCorrectionsPerTier marks a tier, oldest first', async () => {
      const { queue, plan } = await marked();
      const report = await plan({ maxCorrectionsPerTier: 1 });
      expect(
        queue.jobs.filter((j) => j.correction).map((j) => [j.tier, (j.windowStartMs - T0) / MINUTE]),
      ).toEqual([
        [0, 3],
        [1, -60],
      ]);
      expect(report.corrections).toEqual({ '1m': 1, '1h': 1 });
    });

    it('a mark of a window not closed yet is cleared by its first close, never re-closed', async () => {
      const h = new CloseHarness(config, T0 + 30_000);
      await h.send([{ metric: 'm', t: T0 + 5_000, value: 1 }]);
      h.clock.now = T0 + MINUTE + LATENESS;
      await planCloses({ store: h.store, queue: h.queue, clock: h.clock, config });
      // A late point for the window being closed: ingest marks it, the planner does not re-close it.
      h.clock.now = T0 + MINUTE + LATENESS + 500;
      expect(await h.send([{ metric: 'm', t: T0 + 6_000, value: 2 }])).toMatchObject({ corrections: 1 });
      const report = await planCloses({ store: h.store, queue: h.queue, clock: h.clock, config });
      expect(report.corrections).toEqual({ '1m': 0, '1h': 0 });
      for (const job of h.queue.drain()) await closeWindow(job, h.closeDeps);
      expect(h.store.marks.size).toBe(0);
      expect(h.sink.of('1m').map((r) => r.stats.count)).toEqual([2]);
      // Marked once the window is closed, the next run re-closes it.
      h.clock.now += 1_000;
      await h.send([{ metric: 'm', t: T0 + 7_000, value: 4 }]);
      const after = await planCloses({ store: h.store, queue: h.queue, clock: h.clock, config });
      expect(after.corrections).toEqual({ '1m': 1, '1h': 0 });
      for (const job of h.queue.drain()) if (job.correction) await closeWindow(job, h.closeDeps);
      expect(h.sink.of('1m').map((r) => [r.stats.count, r.stats.sum])).toEqual([[3, 7]]);
    });
  });
});
