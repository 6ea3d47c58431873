/**
 * One PostgreSQL connection pool per process (per Lambda container: `max` 1 by default, reused
 * across invocations), and the schema migrated once before the first use.
 */
import postgres, { type Sql } from 'postgres';
import { StoreUnavailableError } from '../../app/errors.js';
import { isTransient } from './errors.js';
import { type MigrateResult, migrate, type SchemaConfig } from './schema.js';

export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:port/database?sslmode=verify-full` */
  readonly url: string;
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

/** A lazily connecting pool; nothing is sent until the first query. */
export function connectPostgres(options: PostgresConnectionOptions): Sql {
  return postgres(options.url, {
    max: options.max ?? 1,
    prepare: options.prepare ?? true,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 0,
    onnotice: () => {},
    // bigint as a string is postgres.js's default; we cast in SQL where a number is wanted.
  });
}

/**
 * The pool and its schema, migrated on first use (once per process; a failed migration is retried
 * by the next use).
 */
export class PostgresDatabase {
  readonly sql: Sql;
  readonly url: string;
  private ready: Promise<MigrateResult> | undefined;

  constructor(
    options: PostgresConnectionOptions,
    private readonly config: SchemaConfig,
  ) {
    this.sql = connectPostgres(options);
    this.url = options.url;
  }

  /**
   * Migrates the schema if this process has not yet. Throws `StoreUnavailableError` naming the URL
   * (without its password) when the database cannot be reached.
   */
  schema(): Promise<MigrateResult> {
    this.ready ??= migrate(this.sql, this.config).catch((error: unknown) => {
      this.ready = undefined;
      const what = isTransient(error)
        ? `PostgreSQL at ${redactUrl(this.url)} cannot be reached`
        : `PostgreSQL at ${redactUrl(this.url)}: the results schema could not be created or migrated`;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`${what} (${reason})`, 5, { cause: error });
    });
    return this.ready;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
