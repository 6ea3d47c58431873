/**
 * `npm start -- --sink postgres`: where the database URL comes from (the flag wins over
 * WINDROW_POSTGRES_URL, the variable over `"postgres": {"url"}` in the --config file), and the message
 * when the database cannot be reached names the URL without its password.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactUrl } from '#adapters/postgres/connection.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { parseLocalOptions } from '#local/options.js';
import { startLocalStack } from '#local/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'windrow-options-pg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const file = join(dir, `c${Math.random()}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('--sink postgres options', () => {
  const FLAG = 'postgres://flag@h/db';
  const VAR = 'postgres://var@h/db';
  const FILE = 'postgresql://file@h/db';
  const file = configFile({ sink: 'postgres', postgres: { url: FILE } });

  it('the flag wins over the variable, the variable over the file', () => {
    const env = { WINDROW_POSTGRES_URL: VAR };
    expect(parseLocalOptions(['--config', file, '--postgres-url', FLAG], env).postgresUrl).toBe(FLAG);
    expect(parseLocalOptions(['--config', file], env).postgresUrl).toBe(VAR);
    expect(parseLocalOptions(['--config', file], {}).postgresUrl).toBe(FILE);
    expect(parseLocalOptions(['--sink', 'postgres'], env).postgresUrl).toBe(VAR);
    const options = parseLocalOptions(['--sink', 'postgres', '--postgres-url', FLAG], {});
    expect(options.config.sink).toBe('postgres');
  });

  it('the URL is not part of the configuration, and other sinks ignore it', () => {
    const options = parseLocalOptions(['--config', file, '--sink', 'dynamodb'], {
      WINDROW_POSTGRES_URL: VAR,
    });
    expect(options.config.sink).toBe('dynamodb');
    expect(options.postgresUrl).toBeUndefined();
  });

  it('refuses postgres without a URL, a bad URL, a bad "postgres" entry', () => {
    expect(() => parseLocalOptions(['--sink', 'postgres'], {})).toThrow(
      /--postgres-url URL, WINDROW_POSTGRES_URL/,
    );
    expect(() => parseLocalOptions(['--sink', 'postgres', '--postgres-url', 'mysql://x'], {})).toThrow(
      /postgres:\/\//,
    );
    expect(() =>
      parseLocalOptions(['--config', configFile({ sink: 'postgres', postgres: 'x' })], {}),
    ).toThrow(/"postgres" must be/);
    expect(() =>
      parseLocalOptions(['--config', configFile({ sink: 'postgres', postgres: { url: FILE, pw: 1 } })], {}),
    ).toThrow(/unknown key "pw"/);
  });

  it('redacts the password of a URL', () => {
    expect(redactUrl('postgres://windrow:s3cret@db.example:5432/metrics?sslmode=verify-full')).toBe(
      'postgres://windrow:***@db.example:5432/metrics?sslmode=verify-full',
    );
    expect(redactUrl('postgres://windrow@db/metrics')).toBe('postgres://windrow@db/metrics');
  });

  it('a database that cannot be reached stops the start with the URL, without its password', async () => {
    const url = 'postgres://windrow:s3cret@127.0.0.1:9/metrics';
    const error = await startLocalStack({
      config: parseConfig({ sink: 'postgres', tiers: ['1s', '10s'] }),
      port: 0,
      quiet: true,
      postgresUrl: url,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('postgres://windrow:***@127.0.0.1:9/metrics');
    expect(message).toContain('cannot be reached');
    expect(message).not.toContain('s3cret');
  }, 30_000);
});
