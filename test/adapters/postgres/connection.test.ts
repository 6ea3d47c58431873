/**
 * The PostgreSQL connection's settings: TLS always verifies the server (sslmode=verify-full, the
 * RDS bundle through sslrootcert=), weaker sslmodes are refused; the URL from a Secrets Manager
 * value (a URL or an RDS-managed JSON secret); a URL provider read once, at first use, and again
 * after a failure; the sink settings from the Lambda environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresDatabase, tlsOf, urlFromSecret } from '#adapters/postgres/connection.js';
import { StoreUnavailableError } from '#app/errors.js';
import { postgresClient } from '#compose/sinks/postgres-client.js';
import { readSinkSettings } from '#compose/sinks/settings.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'windrow-pg-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = parseConfig({ sink: 'postgres' });

describe('TLS of a PostgreSQL URL', () => {
  it('none without sslmode or with disable; verified with verify-full', () => {
    expect(tlsOf('postgres://u@h/db')).toBe(false);
    expect(tlsOf('postgres://u@h/db?sslmode=disable')).toBe(false);
    expect(tlsOf('postgres://u@h/db?sslmode=verify-full')).toEqual({});
    expect(tlsOf('postgres://u@h/db?sslmode=verify-full&sslrootcert=system')).toEqual({});
  });

  it('the CA bundle sslrootcert names (the RDS bundle)', () => {
    const bundle = join(dir, 'rds.pem');
    writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\n…\n');
    expect(tlsOf(`postgres://u@h/db?sslmode=verify-full&sslrootcert=${bundle}`)).toEqual({
      ca: Buffer.from('-----BEGIN CERTIFICATE-----\n…\n'),
    });
  });

  it.each(['require', 'prefer', 'allow', 'verify-ca'])(
    'refuses sslmode=%s (no verification of the host)',
    (mode) => {
      expect(() => tlsOf(`postgres://u:pw@h/db?sslmode=${mode}`)).toThrow(ConfigError);
      expect(() => tlsOf(`postgres://u:pw@h/db?sslmode=${mode}`)).toThrow(/verify-full/);
    },
  );
});

describe('the URL from a secret', () => {
  it('a URL as it is', () => {
    expect(urlFromSecret(' postgres://w:p@db:5432/m?sslmode=verify-full\n')).toBe(
      'postgres://w:p@db:5432/m?sslmode=verify-full',
    );
  });

  it("RDS's managed secret JSON, with TLS verified", () => {
    const url = urlFromSecret(
      JSON.stringify({
        engine: 'postgres',
        username: 'windrow',
        password: 'p@ss/w:rd',
        host: 'x.rds.amazonaws.com',
        port: 5432,
        dbname: 'metrics',
      }),
    );
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe('p@ss/w:rd');
    expect(parsed.hostname).toBe('x.rds.amazonaws.com');
    expect(parsed.pathname).toBe('/metrics');
    expect(parsed.searchParams.get('sslmode')).toBe('verify-full');
  });

  it('refuses anything else', () => {
    expect(() => urlFromSecret('hunter2')).toThrow(ConfigError);
    expect(() => urlFromSecret('{"host":"h"}')).toThrow(/host, username and password/);
  });
});

describe('PostgresDatabase', () => {
  it('reads its URL at first use, not before; again after a failure', async () => {
    let reads = 0;
    const database = new PostgresDatabase(
      {
        url: async () => {
          reads++;
          if (reads === 1) throw new Error('Secrets Manager throttled');
          return 'postgres://u:secret@127.0.0.1:9/db';
        },
        connectTimeoutSeconds: 1,
      },
      config,
    );
    expect(reads).toBe(0);
    await expect(database.schema()).rejects.toThrow(/URL could not be read/);
    const error = await database.schema().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain('postgres://u:***@127.0.0.1:9/db');
    expect((error as Error).message).not.toContain('secret');
    expect(reads).toBe(2);
    await database.close();
  });
});

describe('the sink settings of the Lambda environment', () => {
  it('the secret ARN when set, else the URL; a client only for postgres', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:windrow-pg-AbCdEf';
    expect(
      readSinkSettings({ WINDROW_POSTGRES_SECRET_ARN: arn, WINDROW_POSTGRES_URL: 'postgres://x' }, config),
    ).toEqual({
      kind: 'postgres',
      connection: { secretArn: arn },
    });
    expect(readSinkSettings({ WINDROW_POSTGRES_URL: 'postgres://x' }, config)).toEqual({
      kind: 'postgres',
      connection: { url: 'postgres://x' },
    });
    expect(() => readSinkSettings({}, config)).toThrow(/WINDROW_POSTGRES_URL/);
    expect(postgresClient({ kind: 'dynamodb', resultsTable: 'r' }, config)).toBeUndefined();
    expect(postgresClient({ kind: 'postgres', connection: { secretArn: arn } }, config)).toBeInstanceOf(
      PostgresDatabase,
    );
  });
});
