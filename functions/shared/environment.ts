/**
 * Reading a Lambda's environment at cold start, once: a misconfigured deploy fails its init (visible
 * in the Lambda console and logs) instead of failing every invocation.
 */
import { parseConfig, type WindrowConfig } from '../../lib/core/config/config.js';
import { ConfigError } from '../../lib/core/errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

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
