/**
 * Session windows with late points under the faults of the other fault tests, with the real DynamoDB
 * adapters on dynalite (the session store's pane records, session index and pending sessions, the
 * results sink's supersede): throttling, 500s, lost responses (applied, then a 500) and unprocessed
 * items on the close side's client, failed jobs delivered again; every close job run twice in a row
 * (a re-close running again after it finished); the jobs of a tick in shuffled order. The session
 * results read back equal the sessions of all the points at once, superseded ones gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseJob } from '#app/close-ports.js';
import { parseConfig } from '#core/config/config.js';
import { type Dynalite, startDynalite } from '../support/dynalite.js';
import { randomPlan } from '../support/dynamo-chaos.js';
import { FaultWorld, type RawPoint, shuffle } from '../support/fault-world.js';
import { exactSum, seededRandom } from '../support/oracles.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const GAP = 2_000;
const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'dynamodb',
});

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db?.stop());

/** Bursts per host over 15 s; about a third of the points sent 2–12 s after their time. */
function workload(seed: number): { points: RawPoint[]; sendAt: number[] } {
  const random = seededRandom(seed);
  const points: RawPoint[] = [];
  const sendAt: number[] = [];
  for (const host of ['a', 'b', 'c']) {
    let t = T0 + 300 + Math.floor(random() * 2_000);
    while (t < T0 + 15_000) {
      points.push({ metric: 'checkout.ms', t, value: Math.floor(random() * 100), attributes: { host } });
      sendAt.push(random() < 0.35 ? t + 2_000 + Math.floor(random() * 10_000) : t);
      t += random() < 0.7 ? 100 + Math.floor(random() * 1_500) : 2_200 + Math.floor(random() * 3_000);
    }
  }
  return { points, sendAt };
}

function oracle(points: readonly RawPoint[]): string[] {
  const out: string[] = [];
  for (const host of ['a', 'b', 'c']) {
    const sorted = points.filter((p) => p.attributes?.host === host).sort((a, b) => a.t - b.t);
    let part: RawPoint[] = [];
    const flush = () => {
      const values = part.map((p) => p.value);
      out.push(
        `${host}|${(part[0]?.t ?? 0) - T0}|${(part.at(-1)?.t ?? 0) + GAP - T0}|${values.length}|${exactSum(values)}`,
      );
    };
    for (const p of sorted) {
      if (part.length > 0 && p.t - (part.at(-1)?.t ?? 0) > GAP) {
        flush();
        part = [];
      }
      part.push(p);
    }
    if (part.length > 0) flush();
  }
  return out.sort();
}

describe('Session corrections under DynamoDB faults and repeated, reordered close jobs', () => {
  it.each([1, 2])('the session results equal the oracle (seed %i)', async (seed) => {
    const world = await FaultWorld.create({ db, config, t0: T0, maxAttempts: 3, seed });
    const random = seededRandom(50 + seed);
    world.closeChaos.plan = randomPlan({ rate: 0.12, random });
    const { points, sendAt } = workload(seed);
    expect(sendAt.filter((at, i) => at > (points[i]?.t ?? 0)).length).toBeGreaterThan(4);
    // Every job twice in a row, the jobs of a tick in shuffled order.
    const twice = async (job: CloseJob) => {
      const outcome = await world.close(job);
      await world.close(job);
      return outcome;
    };
    const tick = async () => {
      let jobs: CloseJob[] = [];
      try {
        jobs = await world.plan();
      } catch {
        // The planner runs again next tick.
      }
      await world.drain(shuffle([...world.backlog.splice(0), ...jobs], random), twice);
    };
    await tick();
    const last = Math.max(...sendAt);
    for (let now = T0 + 1_000; now <= last + 6_000; now += 1_000) {
      world.clock.now = now;
      const due = points.filter((_, i) => (sendAt[i] ?? 0) >= now - 1_000 && (sendAt[i] ?? 0) < now);
      if (due.length > 0) expect((await world.send(due, 1)).map((a) => a.status)).toEqual([200]);
      await tick();
    }
    world.closeChaos.plan = undefined;
    for (let i = 0; i < 4; i++) {
      world.clock.now += 1_000;
      await tick();
    }
    expect(world.backlog).toEqual([]);
    expect(world.closeChaos.injected()).toBeGreaterThan(10);
    expect(world.outcomes.filter((o) => o.status === 'reclosed').length).toBeGreaterThan(5);
    const sessions = await world.results(['checkout.ms'], 'session:2s', T0 - 60_000, T0 + 120_000);
    expect(
      sessions
        .map((r) => `${r.attributes.host}|${r.startMs - T0}|${r.endMs - T0}|${r.stats.count}|${r.stats.sum}`)
        .sort(),
    ).toEqual(oracle(points));
    world.destroy();
  });
});
