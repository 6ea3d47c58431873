/**
 * PostgreSQL errors as the app sees them: transient ones (the server unreachable or restarting, a
 * dropped connection, serialization failures and deadlocks, too many connections) are retried with
 * the shared backoff and, once the budget is spent, become `StoreUnavailableError` (the close job
 * fails and is retried; the query edge answers 503). A query PostgreSQL refuses as invalid (syntax,
 * data, privileges — a bug or a misconfigured role) is `StoreRequestError`; anything else is
 * `StoreUnavailableError` too, so a close never passes over a failed write.
 */
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';
import { WindrowError } from '../../core/errors.js';
import { backoffDelayMs, type RetryOptions } from '../shared/retry.js';

/** Node socket errors and postgres.js's own connection error codes. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** SQLSTATEs worth retrying: 40001 serialization failure, 40P01 deadlock, 55P03 lock not available. */
const TRANSIENT_STATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for errors a retry may cure. */
export function isTransient(error: unknown): boolean {
  const code = codeOf(error);
  if (code === undefined) return false;
  if (TRANSIENT_CODES.has(code) || TRANSIENT_STATES.has(code)) return true;
  // Classes 08 (connection exception), 53 (insufficient resources: too many connections, …) and
  // 28 (login refused: after a password rotation the pool reads the secret again — connection.ts).
  return /^(08|53|28)[0-9A-Z]{3}$/.test(code);
}

/** Classes 22 (data exception), 23 (integrity), 42 (syntax or access rule), 28 (authorization). */
function isRequestError(error: unknown): boolean {
  return /^(22|23|42|28)[0-9A-Z]{3}$/.test(codeOf(error) ?? '');
}

function describe(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `${code}: ${message}`;
}

/**
 * Runs `operation`, retrying transient errors within the budget; the final failure is a
 * `StoreRequestError` (refused as invalid) or a `StoreUnavailableError` (everything else).
 */
export async function withPostgresRetry<T>(
  operation: () => Promise<T>,
  what: string,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      // StoreUnavailableError: the schema step could not reach the database (its pool is renewed).
      if ((isTransient(error) || error instanceof StoreUnavailableError) && attempt < options.maxAttempts) {
        await options.sleep(backoffDelayMs(attempt - 1, options));
        continue;
      }
      // Already ours (the schema could not be reached or migrated, a bad URL): as it is.
      if (error instanceof WindrowError) throw error;
      const message = `${what} failed after ${attempt} attempt(s): ${describe(error)}`;
      if (isRequestError(error)) throw new StoreRequestError(message, { cause: error });
      throw new StoreUnavailableError(message, options.retryAfterSeconds, { cause: error });
    }
  }
}
