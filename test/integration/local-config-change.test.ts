/**
 * Changing the configuration of a running deployment (README "Changing the configuration"), on the
 * local stack restarted on its data directory: what cannot be followed is refused at start with a
 * message naming the setting; a tier added at the end gets a complete first window; a longer
 * correction horizon accepts older points only once they fall in windows written under it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { RestartableStack } from '../support/restartable-stack.js';

const local = new RestartableStack('config.test');
const { clock } = local;
const base: ConfigInput = {
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
};

afterAll(() => local.close());

const restart = local.restart.bind(local);
const send = local.send.bind(local);
const runTo = local.runTo.bind(local);

describe('Local stack: changing the configuration', () => {
  it('refuses at start what the stored state cannot follow, naming the setting', async () => {
    await restart(base);
    const cases: [ConfigInput, RegExp][] = [
      [
        { tiers: ['1s', '5s', '10s'] },
        /^tiers: \["1s","10s"\] → \["1s","5s","10s"\]: a tier can be added or removed only at the end/,
      ],
      [{ tiers: ['2s', '10s'] }, /^tiers: /],
      [{ sketchRelativeAccuracy: 0.02 }, /^sketchRelativeAccuracy: 0.01 → 0.02/],
    ];
    for (const [change, message] of cases) {
      const refused = await restart({ ...base, ...change }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toMatch(message);
      expect((refused as Error).message).toContain('Changing the configuration');
    }
    // The refusals changed nothing: the original configuration still starts.
    await restart(base);
  });

  it('gives a tier added at the end a complete first window', async () => {
    const minute = Math.floor(clock.nowMs() / 60_000) * 60_000;
    let s = await restart(base);
    expect((await send(s, clock.nowMs(), 1)).accepted).toBe(1);
    await runTo(s, clock.nowMs() + 22_000); // its 1s and 10s windows close before the 1m tier exists
    s = await restart({ ...base, tiers: ['1s', '10s', '1m'] });
    expect((await send(s, clock.nowMs(), 10)).accepted).toBe(1);
    expect(clock.nowMs()).toBeLessThan(minute + 60_000);
    await runTo(s, minute + 66_000);
    await s.closer.tick();
    await s.closer.tick();
    const [m] = await s.results.read({
      tenant: 'default',
      metric: 'config.test',
      window: '1m',
      fromMs: minute,
      toMs: minute + 1,
    });
    expect(m?.stats).toMatchObject({ count: 2, sum: 11 });
  });

  it('accepts points older than the old horizon only in windows written under the new one', async () => {
    let s = await restart({ ...base, tiers: ['1s', '10s', '1m'] });
    const old = clock.nowMs() - 20 * 60_000; // older than 10m, within 1h
    expect(await send(s, old, 1)).toMatchObject({ accepted: 0, reasons: { older_than_horizon: 1 } });
    s = await restart({ ...base, tiers: ['1s', '10s', '1m'], correctionHorizon: '1h' });
    // Right after the change, its windows may hold partials that expire under the old horizon.
    expect(await send(s, clock.nowMs() - 20 * 60_000, 1)).toMatchObject({
      accepted: 0,
      reasons: { older_than_horizon: 1 },
    });
    expect((await send(s, clock.nowMs() - 5 * 60_000, 1)).accepted).toBe(1);
    // Far enough on (the lead of ~17 min, then 20 min), a 20-minute-old point is in a window written under 1h.
    local.advance(40 * 60_000);
    s = await restart({ ...base, tiers: ['1s', '10s', '1m'], correctionHorizon: '1h' });
    expect((await send(s, clock.nowMs() - 20 * 60_000, 1)).accepted).toBe(1);
  });
});
