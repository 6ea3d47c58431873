/** The sink choice: which variable each sink reads, and a missing client reported at once. */
import { describe, expect, it } from 'vitest';
import { readSinkSettings, requireClient } from '#compose/sinks/settings.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';

describe('Function: readSinkSettings', () => {
  it('reads the variable of the configured sink only', () => {
    const env = { WINDROW_RESULTS_TABLE: 'results', WINDROW_TIMESTREAM_DATABASE: 'windrow' };
    expect(readSinkSettings(env, parseConfig({ sink: 'dynamodb' }))).toEqual({
      kind: 'dynamodb',
      resultsTable: 'results',
    });
    expect(readSinkSettings(env, parseConfig({ sink: 'timestream' }))).toEqual({
      kind: 'timestream',
      databaseName: 'windrow',
    });
  });

  it.each([
    ['dynamodb', { WINDROW_TIMESTREAM_DATABASE: 'windrow' }, /WINDROW_RESULTS_TABLE is not set/],
    ['timestream', { WINDROW_RESULTS_TABLE: 'results' }, /WINDROW_TIMESTREAM_DATABASE is not set/],
  ] as const)('refuses the %s sink without its variable', (sink, env, message) => {
    expect(() => readSinkSettings(env, parseConfig({ sink }))).toThrow(ConfigError);
    expect(() => readSinkSettings(env, parseConfig({ sink }))).toThrow(message);
  });
});

describe('Function: requireClient', () => {
  it('passes a client through and names a missing one', () => {
    const client = {};
    expect(requireClient(client, 'a client')).toBe(client);
    expect(() => requireClient(undefined, 'a Timestream write client')).toThrow(
      new ConfigError('the sink needs a Timestream write client, and none was given'),
    );
  });
});
