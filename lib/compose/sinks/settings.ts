/**
 * Where closed windows go: the sink `config.sink` names and what it needs from the environment.
 *
 * Adding a sink happens in this folder: its settings here, its writer in writer.ts (the close
 * worker's side) and its reader in reader.ts (the query side) — the switches are exhaustive, so the
 * compiler points at each — plus its client where clients are made (the close-worker and query
 * entries in `functions/`, and the local runner if it runs there). The writer and the reader are two
 * modules so that each Lambda bundles only its side's SDK client.
 */
import type { WindrowConfig } from '../../core/config/config.js';
import { ConfigError } from '../../core/errors.js';
import { type Environment, requireEnv } from '../environment.js';

export type SinkSettings =
  /** `WINDROW_RESULTS_TABLE`: the DynamoDB results table. */
  | { readonly kind: 'dynamodb'; readonly resultsTable: string }
  /** `WINDROW_TIMESTREAM_DATABASE`: one table per window in this database. */
  | { readonly kind: 'timestream'; readonly databaseName: string }
  /**
   * `WINDROW_POSTGRES_SECRET_ARN` (in AWS: a Secrets Manager secret holding the URL, read at the
   * first use) or `WINDROW_POSTGRES_URL` (`postgres://user:password@host:5432/db`, local runs and
   * tests): tables `windrow_results_*` and the view `windrow_results`, created there at first use
   * (lib/adapters/postgres/schema.ts).
   */
  | {
      readonly kind: 'postgres';
      readonly connection: { readonly url: string } | { readonly secretArn: string };
    };

/**
 * The settings of the configured sink from the environment.
 *
 * @example readSinkSettings({ WINDROW_RESULTS_TABLE: 'r' }, parseConfig({ sink: 'dynamodb' })) // { kind: 'dynamodb', resultsTable: 'r' }
 * @throws {ConfigError} naming the variable the sink needs when it is unset
 */
export function readSinkSettings(env: Environment, config: WindrowConfig): SinkSettings {
  switch (config.sink) {
    case 'dynamodb':
      return { kind: 'dynamodb', resultsTable: requireEnv(env, 'WINDROW_RESULTS_TABLE') };
    case 'timestream':
      return { kind: 'timestream', databaseName: requireEnv(env, 'WINDROW_TIMESTREAM_DATABASE') };
    case 'postgres':
      if (env.WINDROW_POSTGRES_SECRET_ARN?.trim()) {
        return { kind: 'postgres', connection: { secretArn: env.WINDROW_POSTGRES_SECRET_ARN.trim() } };
      }
      return { kind: 'postgres', connection: { url: requireEnv(env, 'WINDROW_POSTGRES_URL') } };
  }
}

/**
 * The client a sink needs.
 * @throws {ConfigError} when it was not given (a wiring bug, reported at cold start)
 */
export function requireClient<T>(client: T | undefined, what: string): T {
  if (client === undefined) throw new ConfigError(`the sink needs ${what}, and none was given`);
  return client;
}
