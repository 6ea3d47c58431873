/**
 * The batch APIs' contract (BatchWriteItem's `UnprocessedItems`, BatchGetItem's `UnprocessedKeys`):
 * a call may take only part of a batch; the rest is asked again with jittered backoff, within the
 * retry budget, as are retryable errors. One loop for both.
 */
import { StoreUnavailableError } from '../../app/errors.js';
import { isRetryable } from '../shared/sdk-errors.js';
import { backoffDelayMs, type RetryOptions } from './retry.js';

/** Thrown to stop a batch's retries early because another batch already failed. */
export const STOPPED = Symbol('stopped');

/**
 * Calls `call` with what is still pending until it returns nothing left over.
 *
 * @param call one request for `pending`; returns the part left unprocessed
 * @param leftover the message when the budget ends with items still unprocessed
 * @throws the last retryable error, or {@link StoreUnavailableError}, when the budget runs out;
 *   a non-retryable error at once; {@link STOPPED} when `stopped()` turns true between attempts
 */
export async function untilProcessed<T>(
  pending: T[],
  call: (pending: T[]) => Promise<T[]>,
  retry: RetryOptions,
  stopped: () => boolean,
  leftover: (count: number, attempts: number) => string,
): Promise<void> {
  let rest = pending;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      rest = await call(rest);
      lastError = undefined;
      if (rest.length === 0) return;
    } catch (error) {
      if (!isRetryable(error)) throw error;
      lastError = error;
    }
    if (attempt >= retry.maxAttempts) {
      if (lastError !== undefined) throw lastError;
      throw new StoreUnavailableError(leftover(rest.length, attempt), retry.retryAfterSeconds);
    }
    if (stopped()) throw STOPPED;
    await retry.sleep(backoffDelayMs(attempt - 1, retry));
    if (stopped()) throw STOPPED;
  }
}
