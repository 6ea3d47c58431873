import { describe, expect, it } from 'vitest';
import { describeConfig, parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';

describe('Function: parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig({});
    expect(c.tiers.map((t) => t.name)).toEqual(['1m', '1h', '1d']);
    expect(c.allowedLatenessMs).toBe(30_000);
    expect(c.correctionHorizonMs).toBe(86_400_000);
    expect(c.shards).toBe(8);
    expect(c.percentiles).toEqual([50, 90, 95, 99]);
    expect(c.sketchRelativeAccuracy).toBe(0.01);
    expect(c.sink).toBe('timestream');
    expect(Object.keys(c.retentionMs)).toEqual(['1m', '1h', '1d']);
  });

  it('accepts short tiers, sliding and session windows', () => {
    const c = parseConfig({
      tiers: ['1s', '10s', '1m'],
      allowedLateness: '1s',
      sliding: [{ size: '30s', slide: '10s' }],
      sessions: [{ match: 'checkout.*', gap: '5s' }],
      retention: { '1s': '1h' },
      sink: 'dynamodb',
    });
    expect(c.sliding).toEqual([{ name: '30s/10s', sizeMs: 30_000, slideMs: 10_000 }]);
    expect(c.sessions).toEqual([{ name: 'session:5s', match: 'checkout.*', gapMs: 5000 }]);
    expect(c.retentionMs['1s']).toBe(3_600_000);
    expect(describeConfig(c)).toMatchObject({ tiers: ['1s', '10s', '1m'], allowedLateness: '1s' });
  });

  it.each([
    [{ tier: ['1m'] }, /unknown key "tier"/],
    [{ tiers: ['1m', '90s'] }, /tiers\[1\]/],
    [{ allowedLateness: 30 }, /allowedLateness/],
    [{ correctionHorizon: '10s', allowedLateness: '30s' }, /correctionHorizon/],
    [{ shards: 0 }, /shards/],
    [{ shards: 2.5 }, /shards/],
    [{ percentiles: [50, 100] }, /percentiles/],
    [{ sketchRelativeAccuracy: 0.5 }, /sketchRelativeAccuracy/],
    [{ sliding: [{ size: '5m', slide: '2m' }] }, /sliding\[0\]\.slide/],
    [{ sliding: [{ size: '90s', slide: '1m' }] }, /sliding\[0\]\.size/],
    [{ sliding: [{ size: '5m', slide: '1m', extra: 1 }] }, /unknown key "extra"/],
    [{ sessions: [{ match: '', gap: '5m' }] }, /sessions\[0\]\.match/],
    [{ sessions: [{ match: 'a', gap: '10s' }] }, /sessions\[0\]\.gap/],
    [{ retention: { '5m': '1d' } }, /retention: unknown key "5m"/],
    [{ sink: 'mysql' }, /sink must be "timestream", "dynamodb" or "postgres"/],
    [{ limits: { maxBodyBytes: -1 } }, /limits\.maxBodyBytes/],
    [{ limits: { maxBody: 1 } }, /limits: unknown key "maxBody"/],
  ])('refuses %j naming the problem', (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => parseConfig({ shards: -1, sink: 'x', typo: 1 })).toThrow(/typo.*shards.*sink/);
  });

  it('refuses a non-object', () => {
    expect(() => parseConfig([])).toThrow(ConfigError);
    expect(() => parseConfig(null)).toThrow(ConfigError);
  });
});
