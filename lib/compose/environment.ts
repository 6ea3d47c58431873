/**
 * Reading a Lambda's environment at cold start, once: a misconfigured deploy fails its init (visible
 * in the Lambda console and logs) instead of failing every invocation. Only the entries in
 * `functions/` read the environment; the local runner builds the same settings from its options.
 */
import { parseConfig, type WindrowConfig } from '../core/config/config.js';
import { ConfigError } from '../core/errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * SDK attempts per call of the Lambdas' AWS clients. The adapters run their own bounded, jittered
 * backoff for throttling, 5xx and network errors; SDK retries on top would multiply that budget past
 * the API Gateway timeout (30 s). Two still absorbs a stale connection.
 */
export const LAMBDA_SDK_MAX_ATTEMPTS = 2;

/** @throws {ConfigError} naming the variable when it is unset or blank */
export function requireEnv(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} is not set`);
  return value;
}

/**
 * `WINDROW_CONFIG`: the configuration JSON (DESIGN.md §10), the same the CDK app validated; the
 * defaults when unset.
 *
 * @throws {ConfigError} when it is not JSON or not a valid configuration
 */
export function configFromEnv(env: Environment): WindrowConfig {
  const raw = env.WINDROW_CONFIG;
  let input: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      input = JSON.parse(raw);
    } catch (cause) {
      throw new ConfigError('WINDROW_CONFIG is not valid JSON', { cause });
    }
  }
  try {
    return parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`WINDROW_CONFIG: ${error.message}`, { cause: error });
    throw error;
  }
}

/** What every function but the authorizer reads: the state table and the configuration. */
export interface StateEnvironment {
  /** `WINDROW_STATE_TABLE`: the DynamoDB window-state table. */
  readonly tableName: string;
  /** `WINDROW_CONFIG`: the configuration JSON (DESIGN.md §10); defaults when unset. */
  readonly config: WindrowConfig;
}
