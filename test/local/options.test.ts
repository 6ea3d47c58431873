import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#core/errors.js';
import { parseLocalOptions } from '#local/options.js';

describe('Function: parseLocalOptions', () => {
  it('defaults to 127.0.0.1:4318, in memory, a 5 s tick and the dynamodb sink', () => {
    const o = parseLocalOptions([]);
    expect(o).toMatchObject({ host: '127.0.0.1', port: 4318, dataDir: undefined, tickMs: 5000 });
    expect(o.config.sink).toBe('dynamodb');
    expect(o.config.tiers.map((t) => t.name)).toEqual(['1m', '1h', '1d']);
  });

  it('takes flags over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'windrow-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tiers: ['1m', '1h'], shards: 2, percentiles: [50, 99.9] }));
    const o = parseLocalOptions([
      '--config',
      file,
      '--tiers',
      '1s,10s,1m',
      '--lateness',
      '1s',
      '--tick',
      '1s',
      '--port',
      '0',
    ]);
    expect(o.config.tiers.map((t) => t.name)).toEqual(['1s', '10s', '1m']);
    expect(o.config.shards).toBe(2);
    expect(o.config.percentiles).toEqual([50, 99.9]);
    expect(o.config.allowedLatenessMs).toBe(1000);
    expect(o.tickMs).toBe(1000);
    expect(o.port).toBe(0);
  });

  it.each([
    [['--bogus'], /bogus/],
    [['--tiers', '1m,90s'], /tiers\[1\]/],
    [['--lateness', 'soon'], /allowedLateness/],
    [['--shards', 'many'], /shards/],
    [['--port', '70000'], /--port/],
    [['--tick', '0s'], /--tick/],
    [['--config', '/nonexistent/windrow.json'], /--config: cannot read/],
  ])('refuses %j naming the problem', (argv, message) => {
    expect(() => parseLocalOptions(argv)).toThrow(ConfigError);
    expect(() => parseLocalOptions(argv)).toThrow(message);
  });

  it('refuses unknown keys in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'windrow-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tierz: ['1m'] }));
    expect(() => parseLocalOptions(['--config', file])).toThrow(/unknown key "tierz"/);
  });
});
