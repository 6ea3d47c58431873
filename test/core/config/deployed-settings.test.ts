import { describe, expect, it } from 'vitest';
import { type ConfigInput, parseConfig } from '#core/config/config.js';
import { effectiveHorizonMs, initialSettings, settingsChange } from '#core/config/deployed-settings.js';

const H = 3_600_000;
const stored = initialSettings(parseConfig({ tiers: ['1m', '1h', '1d'], correctionHorizon: '24h' }));
const change = (input: ConfigInput, nowMs = 100 * H) =>
  settingsChange(
    stored,
    parseConfig({ tiers: ['1m', '1h', '1d'], correctionHorizon: '24h', ...input }),
    nowMs,
    H,
  );

describe('settingsChange', () => {
  it('keeps the stored settings when nothing they cover changed', () => {
    const c = change({ shards: 3, percentiles: [50], allowedLateness: '2m', retention: { '1m': '3d' } });
    expect(c.problems).toEqual([]);
    expect(c.settings).toBe(stored);
  });

  it('lets tiers be added or removed at the end only', () => {
    expect(change({ tiers: ['1m', '1h', '1d', '7d'] })).toMatchObject({ problems: [], addedTiers: ['7d'] });
    expect(change({ tiers: ['1m', '1h', '1d', '7d'] }).settings.tiers).toEqual(['1m', '1h', '1d', '7d']);
    expect(change({ tiers: ['1m', '1h'] })).toMatchObject({ problems: [], addedTiers: [] });
    for (const tiers of [
      ['1m', '1d'],
      ['1m', '10m', '1h', '1d'],
      ['5m', '1h', '1d'],
      ['1h', '1d'],
    ]) {
      const c = change({ tiers });
      expect(c.problems, JSON.stringify(tiers)).toHaveLength(1);
      expect(c.problems[0]).toMatch(/^tiers: .*added or removed only at the end/);
      expect(c.settings).toBe(stored);
    }
  });

  it('refuses another sketch accuracy', () => {
    const c = change({ sketchRelativeAccuracy: 0.02 });
    expect(c.problems).toEqual([expect.stringMatching(/^sketchRelativeAccuracy: 0.01 → 0.02/)]);
  });

  it('applies a shorter horizon at once and a longer one to windows from its start only', () => {
    const shorter = change({ correctionHorizon: '6h' }).settings;
    expect(effectiveHorizonMs(shorter.horizon, 100 * H)).toBe(6 * H);

    const now = 100 * H;
    const longer = change({ correctionHorizon: '72h' }, now).settings;
    expect(longer.horizon).toEqual({ ms: 72 * H, previousMs: 24 * H, sinceMs: now + H });
    // Right after: still 24 h back (the new horizon's windows start an hour from now).
    expect(effectiveHorizonMs(longer.horizon, now)).toBe(24 * H);
    // 30 h later: back to `sinceMs`, 29 h, more than 24 h but not the 72 h.
    expect(effectiveHorizonMs(longer.horizon, now + 30 * H)).toBe(29 * H);
    // Once 72 h have passed since, the whole new horizon.
    expect(effectiveHorizonMs(longer.horizon, now + 80 * H)).toBe(72 * H);
  });
});
