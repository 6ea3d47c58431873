/**
 * A planner running twice at once (EventBridge Scheduler delivers at least once; a slow run can
 * overlap the next): two `planCloses` in `Promise.all`, each with a DynamoDB client and store of its
 * own, against the same dynalite tables, from the very first run (a fresh table, so both initialise
 * every checkpoint at the same moment) to the end. Every job either planner enqueues is executed,
 * duplicates included, in a shuffled order (jobs that come before their predecessor are delivered
 * again). Checked: the checkpoints are initialised once — both planners see the same value, the one
 * stored — and only ever move forward; the results equal the oracle of the raw points at every tier.
 * A second case gives the two planners clocks 400 ms apart across a second boundary, so they would
 * initialise different values and plan windows a little apart while ingest goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import type { Checkpoint, CloseJob } from '#app/close-ports.js';
import { planCloses } from '#app/plan-closes.js';
import { parseConfig } from '#core/config/config.js';
import { type Dynalite, startDynalite } from '../support/dynalite.js';
import {
  expectOracle,
  FaultWorld,
  instantRetry,
  type RawPoint,
  runLive,
  shuffle,
  workload,
} from '../support/fault-world.js';
import { seededRandom } from '../support/oracles.js';

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 3,
  sink: 'dynamodb',
});

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db?.stop());

/** A planner Lambda of its own: its client, its store, its clock offset; what its inits returned. */
function planner(world: FaultWorld, offsetMs: number) {
  const client = createLocalDynamoClient(db.endpoint, { maxAttempts: 1 });
  const clock = { nowMs: () => world.clock.now + offsetMs };
  const store = new DynamoCloseStore({ client, tableName: world.stateTable, clock, retry: instantRetry(4) });
  const inits = new Map<string, number>();
  const proposed = new Map<string, number>();
  const init = store.initCheckpoint.bind(store);
  store.initCheckpoint = async (checkpoint: Checkpoint) => {
    proposed.set(`${checkpoint.tier}#${checkpoint.shard}`, checkpoint.closedThroughMs);
    const got = await init(checkpoint);
    inits.set(`${got.tier}#${got.shard}`, got.closedThroughMs);
    return got;
  };
  const plan = async () => {
    const jobs: CloseJob[] = [];
    await planCloses({ store, queue: { enqueue: async (j) => void jobs.push(...j) }, clock, config });
    return jobs;
  };
  return { plan, inits, proposed, destroy: () => client.destroy() };
}

async function checkpoints(world: FaultWorld): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tier of config.tiers) {
    for (const [shard, c] of await world.cleanStore.readCheckpoints(tier.level)) {
      out.set(`${tier.level}#${shard}`, c.closedThroughMs);
    }
  }
  return out;
}

async function twice(t0: number, offsets: readonly [number, number], seed: number) {
  const world = await FaultWorld.create({ db, config, t0, seed });
  const a = planner(world, offsets[0]);
  const b = planner(world, offsets[1]);
  const random = seededRandom(seed);
  let previous = new Map<string, number>();
  let planned = { a: 0, b: 0, both: 0 };
  let initial: Map<string, number> | undefined;
  const tick = async () => {
    const [fromA, fromB] = await Promise.all([a.plan(), b.plan()]);
    planned = { a: planned.a + fromA.length, b: planned.b + fromB.length, both: planned.both + 1 };
    initial ??= await checkpoints(world);
    await world.drain(shuffle([...world.backlog.splice(0), ...fromA, ...fromB], random));
    // Checkpoints only move forward.
    const now = await checkpoints(world);
    for (const [key, value] of previous) expect(now.get(key), key).toBeGreaterThanOrEqual(value);
    previous = now;
  };
  /**
   * Initialised once: what each planner's init returned is what was stored by the first run (before
   * any close moved it), a shard both initialised got the same value, every (tier, shard) has one.
   */
  const expectInitialisedOnce = () => {
    expect(initial?.size).toBe(config.tiers.length * config.shards);
    for (const inits of [a.inits, b.inits]) {
      for (const [key, value] of inits) expect(value, key).toBe(initial?.get(key));
    }
    // The race happened: on a fresh table both read no checkpoint of the first tier and both initialised it.
    const both = [...a.inits.keys()].filter((k) => b.inits.has(k));
    expect(both.filter((k) => k.startsWith('0#')).length).toBe(config.shards);
    return both;
  };
  return { world, a, b, tick, planned: () => planned, expectInitialisedOnce };
}

describe('Two planners at once', () => {
  it('same clock: checkpoints initialised once, every job of both executed, results equal the oracle', async () => {
    const T0 = Date.parse('2026-11-25T10:00:54.000Z');
    const run = await twice(T0, [0, 0], 3);
    const points = workload(61, T0, 5_000);
    await runLive(run.world, points, { fromMs: T0, toMs: T0 + 9_000, tick: run.tick });
    for (let i = 0; i < 3; i++) await run.tick();

    run.expectInitialisedOnce();
    // Both planned every window: every job ran at least twice, the duplicates as no-ops.
    expect(run.planned().a).toBeGreaterThan(20);
    expect(run.planned().b).toBe(run.planned().a);
    expect(run.world.outcomes.filter((o) => o.reason === 'already closed').length).toBeGreaterThan(20);
    expect(run.world.backlog).toEqual([]);
    expect(run.world.failures).toEqual([]);
    await expectOracle(run.world, points);
    run.a.destroy();
    run.b.destroy();
    run.world.destroy();
  });

  it('clocks 400 ms apart across a second boundary: one initial value wins, results equal the oracle', async () => {
    // Planner a is 200 ms behind the ingest clock, b 200 ms ahead: on the first run they straddle
    // 10:00:55, so each would start the 1s checkpoints one window apart.
    const T0 = Date.parse('2026-11-25T10:00:55.000Z');
    const run = await twice(T0, [-200, 200], 4);
    const points: RawPoint[] = workload(62, T0, 5_000);
    // Points right up to the clock: b may close a window 200 ms before ingest thinks it closes.
    await runLive(run.world, points, { fromMs: T0, toMs: T0 + 8_000, tick: run.tick, requestsPerSecond: 4 });
    for (let i = 0; i < 3; i++) await run.tick();

    run.expectInitialisedOnce();
    // They did propose different starts; the loser took the winner's.
    expect(run.a.proposed.get('0#0')).toBe((run.b.proposed.get('0#0') ?? 0) - 1_000);
    expect(run.a.inits.get('0#0')).toBe(run.b.inits.get('0#0'));
    expect(run.world.backlog).toEqual([]);
    expect(run.world.failures).toEqual([]);
    await expectOracle(run.world, points);
    run.a.destroy();
    run.b.destroy();
    run.world.destroy();
  });
});
