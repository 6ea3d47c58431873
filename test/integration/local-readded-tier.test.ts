/**
 * Regression (found by hand, issue 11 "Changing the configuration"): a top tier that is removed and
 * then added back loses the points of every child window closed while it was absent.
 *
 * Removing the last tier and adding a tier at the end are each "safe" per the README, and a freshly
 * added tier gets a complete first window (tier-backfill.ts hands the already closed children up).
 * But the backfill only runs when the tier has no checkpoint (plan-closes.ts), and a tier that
 * existed before keeps its old checkpoints in the table: when it comes back, the planner carries on
 * from them and the child windows closed while it was gone never reach it. By hand
 * (`npm start -- --tiers 1s,10s,1m`, 20 series × 1 point; restart with `--tiers 1s,10s`, 20 × 1;
 * restart with `--tiers 1s,10s,1m`, 20 × 1, all in one minute) the 1m window held 20 of 60 points:
 * count 1 per series where the 10s results held 3. No error, no log line.
 *
 * Fixed: the planner starts a re-added tier again like a newly added one (tier-backfill.ts
 * `resumeReaddedTier`), and `npm start` only checks the configuration (the planner records it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '#core/config/config.js';
import { RestartableStack } from '../support/restartable-stack.js';

const local = new RestartableStack('readd.test');
const { clock } = local;
const base: ConfigInput = {
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
};

afterAll(() => local.close());

const restart = local.restart.bind(local);
const send = local.send.bind(local);
const runTo = local.runTo.bind(local);

describe('Local stack: a top tier removed and added back', () => {
  it('keeps every point of its window (children closed while it was absent are handed up)', async () => {
    const minute = Math.floor(clock.nowMs() / 60_000) * 60_000;
    let s = await restart(base);
    await runTo(s, clock.nowMs() + 3_000); // the 1m tier has checkpoints
    expect((await send(s, clock.nowMs(), 1)).accepted).toBe(1);
    s = await restart({ ...base, tiers: ['1s', '10s'] }); // remove the top tier (allowed)
    expect((await send(s, clock.nowMs(), 10)).accepted).toBe(1);
    await runTo(s, minute + 35_000); // both 10s windows close while 1m is absent
    s = await restart(base); // add it back at the end (allowed)
    expect((await send(s, clock.nowMs(), 100)).accepted).toBe(1);
    expect(clock.nowMs()).toBeLessThan(minute + 60_000);
    await runTo(s, minute + 66_000);
    await s.closer.tick();
    await s.closer.tick();
    const read = (window: string) =>
      s.results.read({
        tenant: 'default',
        metric: 'readd.test',
        window,
        fromMs: minute,
        toMs: minute + 60_000,
      });
    // The 10s tier has all three points…
    const tens = await read('10s');
    expect(tens.reduce((n, r) => n + (r.stats.count ?? 0), 0)).toBe(3);
    // …and so must the 1m window above it.
    const [m] = await s.results.read({
      tenant: 'default',
      metric: 'readd.test',
      window: '1m',
      fromMs: minute,
      toMs: minute + 1,
    });
    expect(m?.stats).toMatchObject({ count: 3, sum: 111 });
  });
});
