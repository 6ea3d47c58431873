/**
 * The PostgreSQL sink's client for the Lambda entries (close worker, query): one pool of one
 * connection per container, reused across invocations; its URL from the Secrets Manager secret
 * (`WINDROW_POSTGRES_SECRET_ARN`, read at the first use and cached) or given (`WINDROW_POSTGRES_URL`).
 * Only these two entries import it, so only their bundles carry the PostgreSQL and Secrets Manager
 * clients. The local runner makes its own pool from `--postgres-url` (lib/local/stack.ts).
 */
import { PostgresDatabase } from '../../adapters/postgres/connection.js';
import { urlFromSecretArn } from '../../adapters/postgres/secret-url.js';
import type { WindrowConfig } from '../../core/config/config.js';
import type { SinkSettings } from './settings.js';

/** The pool for `sink` when it is PostgreSQL, else undefined. */
export function postgresClient(sink: SinkSettings, config: WindrowConfig): PostgresDatabase | undefined {
  if (sink.kind !== 'postgres') return undefined;
  const { connection } = sink;
  const url = 'secretArn' in connection ? urlFromSecretArn(connection.secretArn) : connection.url;
  return new PostgresDatabase({ url }, config);
}
