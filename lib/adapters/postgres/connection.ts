/**
 * One PostgreSQL connection pool per process (per Lambda container: `max` 1 by default, reused
 * across invocations), and the schema migrated once before the first use.
 */

import { readFileSync } from 'node:fs';
import postgres, { type Sql } from 'postgres';
import { StoreUnavailableError } from '../../app/errors.js';
import { ConfigError } from '../../core/errors.js';
import { isTransient } from './errors.js';
import { type MigrateResult, migrate, type SchemaConfig } from './schema.js';

/**
 * Where the URL comes from; `refresh` after the database refused the password (a rotated secret):
 * read it anew, past any cache.
 */
export type UrlProvider = (options: { readonly refresh: boolean }) => Promise<string>;

export interface PostgresConnectionOptions {
  /**
   * `postgres://user:password@host:port/database?sslmode=verify-full`, or where to get it (a secret,
   * read once at first use: {@link urlFromSecret} reads what Secrets Manager holds).
   */
  readonly url: string | UrlProvider;
  /** Connections in the pool (default 1: one per Lambda container; the local runner uses more). */
  readonly max?: number;
  /**
   * Named prepared statements (default true). Set false behind a transaction-mode pooler
   * (PgBouncer, some providers' poolers) that cannot keep them.
   */
  readonly prepare?: boolean;
  /** Seconds to wait for a connection (default 10). */
  readonly connectTimeoutSeconds?: number;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable PostgreSQL URL)';
  }
}

/**
 * TLS as the URL's `sslmode` asks, always with the server's certificate verified: none (no
 * `sslmode`, or `disable`: a local database), or `verify-full` (the system's CAs, plus
 * `NODE_EXTRA_CA_CERTS`, or the file `sslrootcert=` names — e.g. the RDS certificate bundle).
 * `require`, `prefer`, `allow` and `verify-ca` are refused: they accept any certificate for the host.
 *
 * @throws {ConfigError} for an sslmode that does not verify the server
 */
export function tlsOf(url: string): false | { ca?: Buffer } {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch (cause) {
    throw new ConfigError(`not a PostgreSQL URL: ${redactUrl(url)}`, { cause });
  }
  const mode = params.get('sslmode') ?? 'disable';
  if (mode === 'disable') return false;
  if (mode !== 'verify-full') {
    throw new ConfigError(
      `sslmode=${mode} does not verify the server's certificate: use sslmode=verify-full (and sslrootcert=FILE for a private CA such as the RDS bundle)`,
    );
  }
  const rootCert = params.get('sslrootcert');
  if (rootCert === null || rootCert === 'system') return {};
  return { ca: readFileSync(rootCert) };
}

/**
 * The connection URL from a Secrets Manager secret's value: the URL itself, or the JSON RDS keeps
 * in its managed secrets (`{"username","password","host","port","dbname"}`), which gets
 * `sslmode=verify-full`.
 *
 * @throws {ConfigError} when the value is neither
 */
export function urlFromSecret(value: string): string {
  const text = value.trim();
  if (/^postgres(ql)?:\/\//.test(text)) return text;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ConfigError(
      'the PostgreSQL secret is neither a postgres:// URL nor JSON with host, username and password',
    );
  }
  const { username, password, host, port, dbname } = json;
  if (typeof username !== 'string' || typeof password !== 'string' || typeof host !== 'string') {
    throw new ConfigError('the PostgreSQL secret JSON needs host, username and password');
  }
  const url = new URL('postgres://placeholder');
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  url.hostname = host;
  url.port = String(port ?? 5432);
  url.pathname = `/${encodeURIComponent(typeof dbname === 'string' ? dbname : 'postgres')}`;
  url.searchParams.set('sslmode', 'verify-full');
  return url.toString();
}

/** A lazily connecting pool; nothing is sent until the first query. */
export function connectPostgres(options: PostgresConnectionOptions & { readonly url: string }): Sql {
  const url = new URL(options.url);
  // Our TLS policy, not the URL's (postgres.js would turn verification off for sslmode=require).
  url.searchParams.delete('sslmode');
  url.searchParams.delete('sslrootcert');
  return postgres(url.toString(), {
    max: options.max ?? 1,
    prepare: options.prepare ?? true,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 0,
    ssl: tlsOf(options.url),
    onnotice: () => {},
    // bigint as a string is postgres.js's default; we cast in SQL where a number is wanted.
  });
}

/**
 * The pool and its schema, migrated on first use (once per process; a failed migration is retried
 * by the next use). The URL (or the secret holding it) is read at first use too.
 */
export class PostgresDatabase {
  private pool: Promise<{ sql: Sql; url: string }> | undefined;
  private ready: Promise<MigrateResult> | undefined;
  /** The database refused the password: the next connection reads the URL anew. */
  private refresh = false;

  constructor(
    private readonly options: PostgresConnectionOptions,
    private readonly config: SchemaConfig,
  ) {}

  /** The pool (its URL read, and the schema migrated, first). */
  async sql(): Promise<Sql> {
    await this.schema();
    return (await this.connection()).sql;
  }

  /**
   * Runs `query` on the pool; the error is thrown as it is, for the caller's retry. After a lost
   * connection the pool is dropped (postgres.js keeps a reconnect that failed its login as a dead
   * connection), so the next use connects afresh; when PostgreSQL refuses the login (SQLSTATE class
   * 28: a password rotated since the URL was read) the next use also reads the URL again.
   */
  async run<T>(query: (sql: Sql) => Promise<T>): Promise<T> {
    const sql = await this.sql();
    try {
      return await query(sql);
    } catch (error) {
      if (isLoginRefused(error)) this.reset(true);
      else if (isTransient(error)) this.reset(false);
      throw error;
    }
  }

  private reset(refresh: boolean): void {
    const pool = this.pool;
    this.pool = undefined;
    this.ready = undefined;
    this.refresh ||= refresh && typeof this.options.url !== 'string';
    // Ended in the background: the retry does not wait for a broken pool to close.
    void pool?.then(({ sql }) => sql.end({ timeout: 1 })).catch(() => undefined);
  }

  private connection(): Promise<{ sql: Sql; url: string }> {
    this.pool ??= (async () => {
      const refresh = this.refresh;
      this.refresh = false;
      const url =
        typeof this.options.url === 'string' ? this.options.url : await this.options.url({ refresh });
      return { sql: connectPostgres({ ...this.options, url }), url };
    })().catch((error: unknown) => {
      this.pool = undefined;
      throw error instanceof ConfigError
        ? error
        : new StoreUnavailableError(`the PostgreSQL URL could not be read (${describe(error)})`, 5, {
            cause: error,
          });
    });
    return this.pool;
  }

  /**
   * Migrates the schema if this process has not yet. Throws `StoreUnavailableError` naming the URL
   * (without its password) when the database cannot be reached.
   */
  schema(): Promise<MigrateResult> {
    this.ready ??= this.connection()
      .then(({ sql, url }) =>
        migrate(sql, this.config).catch((error: unknown) => {
          if (isLoginRefused(error)) this.reset(true);
          const what = isLoginRefused(error)
            ? `PostgreSQL at ${redactUrl(url)} refused the login`
            : isTransient(error)
              ? `PostgreSQL at ${redactUrl(url)} cannot be reached`
              : `PostgreSQL at ${redactUrl(url)}: the results schema could not be created or migrated`;
          throw new StoreUnavailableError(`${what} (${describe(error)})`, 5, { cause: error });
        }),
      )
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    await pool?.sql.end({ timeout: 5 });
  }
}

/** SQLSTATE class 28: invalid authorization (a wrong or rotated password). */
export function isLoginRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('28');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
