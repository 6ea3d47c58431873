/**
 * Accepted points reach every tier whatever the planner's history. Regression (issue 11): points
 * written before the planner's first run, to windows that were due by the time it ran, were never
 * closed — the planner started the shards at the latest due window and no correction mark existed.
 * Here the stack stops before its first tick (as after a SIGKILL), the clock moves on 15 s, and a new
 * stack on the same data directory closes every point at the 1s and 10s tiers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';

const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
});
const dir = mkdtempSync(join(tmpdir(), 'windrow-restart-'));
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
const stacks: LocalStack[] = [];

afterAll(async () => {
  for (const s of stacks) await s.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<LocalStack> {
  const stack = await startLocalStack({ config, port: 0, quiet: true, clock, dataDir: dir });
  stacks.push(stack);
  return stack;
}

describe('Local stack: restart before the planner ever ran', () => {
  it('closes at every tier the points accepted before the first tick', async () => {
    const first = await start();
    const t0 = clock.nowMs();
    const points = Array.from({ length: 100 }, (_, i) => ({
      metric: 'restart.test',
      timestamp: t0 - 900 + i * 9, // within ~1 s, over one or two 1s windows
      value: i + 1,
      attributes: { host: `h${i % 10}` },
    }));
    const response = await fetch(`${first.url}/v1/points`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points }),
    });
    expect(await response.json()).toMatchObject({ accepted: 100, rejected: 0 });
    await first.stop(); // no tick ever ran: no checkpoint exists
    stacks.length = 0;

    offsetMs += 15_000;
    const second = await start();
    for (let i = 0; i < 15; i++) {
      await second.closer.tick();
      offsetMs += 1_000;
    }
    await second.closer.tick();
    for (const window of ['1s', '10s']) {
      const records = await second.results.read({
        tenant: 'default',
        metric: 'restart.test',
        window,
        fromMs: t0 - 60_000,
        toMs: t0 + 60_000,
      });
      const count = records.reduce((n, r) => n + (r.stats.count ?? 0), 0);
      const sum = records.reduce((n, r) => n + (r.stats.sum ?? 0), 0);
      expect({ window, count, sum }).toEqual({ window, count: 100, sum: 5050 });
    }
  });
});
