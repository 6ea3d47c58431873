/**
 * A close worker crashing mid-close, with the real DynamoDB adapters (dynalite): every call the
 * worker makes to its ports — the state store, the series lookup, the results sink — is counted, and
 * at a few call numbers drawn by fast-check the worker dies, either before the call reaches DynamoDB
 * or right after it was applied (the worker never saw the answer). The job is then run again, as SQS
 * would deliver it again. Whatever the crash points, the results table ends up identical to a clean
 * run's (every tier, every stat, not only the oracle's count/sum/min/max), and equal to the oracle.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseStore } from '#app/close-ports.js';
import type { ResultRecord } from '#app/results.js';
import { bindClose, type ClosePorts } from '#compose/close-worker/compose.js';
import { parseConfig } from '#core/config/config.js';
import { type Dynalite, startDynalite } from '../support/dynalite.js';
import { expectOracle, FaultWorld, type RawPoint, runLive, workload } from '../support/fault-world.js';

/** 5 s before a minute ends: the 1m window closes soon after the data. */
const T0 = Date.parse('2026-11-25T10:00:55.000Z');
const END = T0 + 8_000;
const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
});
const WINDOWS = ['1s', '10s', '1m'];
const points = workload(41, T0, 4_000);
// Two late points: re-closes crash too.
const late: RawPoint[] = [
  { metric: 'latency', t: T0 + 1_200, value: 4_321, attributes: { host: 'h0' } },
  { metric: 'cpu.temp', t: T0 + 2_700, value: -77, attributes: { host: 'h2' } },
];

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db?.stop());

class Crash extends Error {}

/** Ports whose calls are counted; at the call numbers in `at` the worker dies (before or after the call). */
function crashingPorts(ports: ClosePorts, at: ReadonlySet<number>, after: boolean) {
  const state = { calls: 0, crashes: 0 };
  const crashNow = () => {
    state.calls++;
    if (!at.has(state.calls)) return false;
    state.crashes++;
    return true;
  };
  const wrap = <T extends object>(target: T, names: readonly (keyof T)[]): T => {
    const out = Object.create(target) as T;
    for (const name of names) {
      const original = (target[name] as (...args: unknown[]) => unknown).bind(target);
      (out as Record<keyof T, unknown>)[name] = (...args: unknown[]) => {
        if (name === 'readPartialData') {
          const crash = crashNow();
          const pages = original(...args) as AsyncIterable<readonly Uint8Array[]>;
          if (!crash) return pages;
          return (async function* () {
            if (!after) throw new Crash(`crash before ${String(name)}`);
            // Read it all, then die.
            for await (const page of pages) yield page;
            throw new Crash(`crash after ${String(name)}`);
          })();
        }
        if (!crashNow()) return original(...args);
        if (!after) return Promise.reject(new Crash(`crash before ${String(name)}`));
        return (original(...args) as Promise<unknown>).then(() => {
          throw new Crash(`crash after ${String(name)}`);
        });
      };
    }
    return out;
  };
  // Every method of the store class (the port may grow: whatever the close calls is counted).
  const storeMethods = Object.getOwnPropertyNames(Object.getPrototypeOf(ports.store)).filter(
    (name) =>
      name !== 'constructor' &&
      typeof (ports.store as unknown as Record<string, unknown>)[name] === 'function',
  ) as (keyof CloseStore)[];
  expect(storeMethods).toContain('readPartialData');
  expect(storeMethods).toContain('advanceCheckpoint');
  const wrapped: ClosePorts = {
    store: wrap(ports.store, storeMethods),
    lookup: wrap(ports.lookup, ['lookup']),
    sink: wrap(ports.sink, ['write']),
    sessions: ports.sessions,
  };
  return { ports: wrapped, state };
}

/** Runs the workload and the late points to the end; `close` replaces the world's close function. */
async function run(world: FaultWorld, close?: FaultWorld['close']) {
  const tick = () => world.tick(close);
  await runLive(world, points, { fromMs: T0, toMs: T0 + 5_000, tick });
  expect((await world.send(late, 1)).map((a) => a.status)).toEqual([200]);
  for (let now = T0 + 6_000; now <= END; now += 1_000) {
    world.clock.now = now;
    await tick();
  }
  // Redeliveries of what still failed, and planner runs for the re-closes they cascade to (a tier a run).
  for (let i = 0; i < 4; i++) await tick();
  expect(world.backlog).toEqual([]);
}

/** Every result of the run, without versions (they come from the clock and the number of closes). */
async function snapshot(world: FaultWorld) {
  const out: Omit<ResultRecord, 'version'>[] = [];
  for (const window of WINDOWS) {
    for (const { version: _, ...rest } of await world.results(
      ['cpu.temp', 'latency'],
      window,
      T0 - 60_000,
      END,
    )) {
      out.push(rest);
    }
  }
  return out.sort((a, b) =>
    `${a.window}|${a.seriesId}|${a.startMs}` < `${b.window}|${b.seriesId}|${b.startMs}` ? -1 : 1,
  );
}

describe('A close worker crashing mid-close', () => {
  it('gives the results of a clean run wherever it crashes (fast-check)', async () => {
    const clean = await FaultWorld.create({ db, config, t0: T0 });
    const counted = crashingPorts(clean.ports, new Set(), false);
    await run(clean, bindClose(config, counted.ports, clean.clock));
    expect(clean.failures).toEqual([]);
    const expected = await snapshot(clean);
    await expectOracle(clean, [...points, ...late]);
    expect(expected.length).toBeGreaterThan(20);
    const totalCalls = counted.state.calls;
    clean.destroy();

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: totalCalls }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (at, after) => {
          const world = await FaultWorld.create({ db, config, t0: T0 });
          try {
            const crashing = crashingPorts(world.ports, new Set(at), after);
            await run(world, bindClose(config, crashing.ports, world.clock));
            // Every crash point was reached (the retries add calls, so none is skipped).
            expect(crashing.state.crashes).toBe(at.length);
            expect(world.failures.every((f) => f.error instanceof Crash)).toBe(true);
            expect(world.failures).toHaveLength(at.length);
            expect(await snapshot(world)).toEqual(expected);
          } finally {
            world.destroy();
          }
        },
      ),
      // WINDROW_FAULT_RUNS / WINDROW_FAULT_SEED explore further (e.g. 200 runs, any seed) when hunting.
      {
        numRuns: Number(process.env.WINDROW_FAULT_RUNS ?? 5),
        seed: Number(process.env.WINDROW_FAULT_SEED ?? 20261125),
        endOnFailure: true,
      },
    );
  });
});
