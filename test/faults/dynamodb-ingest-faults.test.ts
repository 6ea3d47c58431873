/**
 * DynamoDB faults while ingesting: throttling (ProvisionedThroughputExceeded, ThrottlingException),
 * 500s and 503s, responses lost after the write was applied, and BatchWriteItem calls answered with
 * UnprocessedItems, injected into the state-table client of the real ingest handler. Some requests
 * run out of the adapters' retry budget and are answered 503 with Retry-After; the test client sends
 * them again like an OTLP exporter. Late requests (windows already closed) go through the same faults,
 * so correction marks are written under them too. Closing then runs clean: what the results table
 * holds for every tier equals the oracle of the accepted points, exactly — nothing lost, nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type Dynalite, startDynalite } from '../support/dynalite.js';
import { randomPlan } from '../support/dynamo-chaos.js';
import {
  type Answer,
  expectOracle,
  FaultWorld,
  type RawPoint,
  runLive,
  workload,
} from '../support/fault-world.js';
import { seededRandom } from '../support/oracles.js';

/** 20 s before a minute ends: the 1m window closes without a minute of empty 1s windows first. */
const T0 = Date.parse('2026-11-25T10:00:40.000Z');
const MINUTE = T0 - 40_000;
const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
});

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db?.stop());

describe('DynamoDB faults during ingest', () => {
  it('every accepted point is counted exactly once at 1s, 10s and 1m', async () => {
    const world = await FaultWorld.create({ db, config, t0: T0, maxAttempts: 3, seed: 3 });
    const random = seededRandom(17);
    const all = workload(5, T0, 18_000);
    // One point in ten is held back and sent 4 s late, into windows already closed.
    const held = new Set(all.filter(() => random() < 0.1));
    const onTime = all.filter((p) => !held.has(p));
    const lateCount = held.size;
    const accepted: RawPoint[] = [];
    const answers: Answer[][] = [];
    const record = (points: readonly RawPoint[], got: readonly Answer[]) => {
      answers.push([...got]);
      if (got.at(-1)?.status === 200) accepted.push(...points);
    };
    /**
     * Sends with the faults on; the close side stays clean. The fifth request also meets a burst of
     * throttling longer than the retry budget (3 attempts), so at least one answer is a 503 for sure.
     */
    const plan = randomPlan({ rate: 0.35, random });
    let requests = 0;
    const send = async (points: readonly RawPoint[]) => {
      let burst = ++requests === 5 ? 3 : 0;
      world.ingestChaos.plan = (command, input) => {
        if (burst > 0 && command === 'BatchWriteItemCommand') {
          burst--;
          return 'throughput';
        }
        return plan(command, input);
      };
      try {
        return await world.send(points);
      } finally {
        world.ingestChaos.plan = undefined;
      }
    };
    const tick = async () => {
      const late = [...held].filter((p) => p.t < world.clock.now - 4_000);
      for (const p of late) held.delete(p);
      if (late.length > 0) record(late, await send(late));
      await world.tick();
    };
    await runLive(world, onTime, { fromMs: T0, toMs: T0 + 23_000, send, tick, onAnswers: record });
    // Past the 1m window's close: each planner run takes the next tier up.
    world.clock.now = MINUTE + 66_000;
    for (let i = 0; i < 3; i++) await world.tick();

    // The faults happened, some requests ran out of budget, and every request got in in the end.
    const counts = world.ingestChaos.counts;
    for (const kind of [
      'throughput',
      'throttling',
      'internal',
      'unavailable',
      'lost-response',
      'unprocessed',
    ]) {
      expect(
        world.ingestChaos.injected(new RegExp(` ${kind}$`)),
        `${kind} in ${[...counts]}`,
      ).toBeGreaterThan(0);
    }
    const refused = answers.flat().filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => a.retryAfter !== undefined)).toBe(true);
    expect(answers.flat().every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(answers.every((a) => a.at(-1)?.status === 200)).toBe(true);
    expect(accepted.length).toBe(all.length);
    expect(lateCount).toBeGreaterThan(5);
    expect(world.outcomes.filter((o) => o.status === 'reclosed').length).toBeGreaterThan(0);
    expect(world.failures).toEqual([]);

    await expectOracle(world, accepted);
    world.destroy();
  });
});
