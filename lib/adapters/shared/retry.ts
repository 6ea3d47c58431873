/**
 * Bounded exponential backoff with full jitter (each delay uniform in [0, min(cap, base·2^retry)),
 * as in the AWS Architecture Blog's "Exponential Backoff And Jitter"): callers that were throttled
 * together do not come back together. Sleep and randomness are injected so tests run instantly and
 * can check every delay. Shared by the outbound adapters (DynamoDB, Timestream, SQS).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isRetryable, translateError } from './sdk-errors.js';

export interface RetryOptions {
  /** Attempts per item, the first one included. */
  readonly maxAttempts: number;
  /** Upper bound of the first retry's delay. */
  readonly baseDelayMs: number;
  /** No delay is ever longer than this. */
  readonly maxDelayMs: number;
  /** What a `StoreUnavailableError` tells the caller (and the HTTP edge's `Retry-After`). */
  readonly retryAfterSeconds: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/**
 * 8 attempts, delays ≤ 25, 50, 100, 200, 400, 800, 1000 ms: at most ~2.6 s asleep before giving up,
 * well inside an API Gateway request's 29 s and short enough that a 503 comes while the exporter
 * still waits.
 */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 1000,
  retryAfterSeconds: 1,
  sleep: (ms) => delay(ms),
  random: Math.random,
};

export function resolveRetry(options: Partial<RetryOptions> | undefined): RetryOptions {
  const resolved = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${resolved.maxAttempts}`);
  }
  return resolved;
}

/** Delay before retry number `retry` (0 = the first retry): full jitter under a capped exponential. */
export function backoffDelayMs(retry: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.floor(options.random() * ceiling);
}

/**
 * Runs `operation`, retrying throttling, 5xx and network errors within the budget; the final
 * failure is translated (`StoreUnavailableError`, `StoreRequestError`) and unknown errors are
 * re-thrown unchanged.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  what: string,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.maxAttempts) {
        throw translateError(error, `${what} failed after ${attempt} attempt(s)`, options.retryAfterSeconds);
      }
      await options.sleep(backoffDelayMs(attempt - 1, options));
    }
  }
}

/**
 * Runs `task` over `items` with at most `limit` tasks in flight, in order. After the first failure
 * no new task starts (`stopped()` turns true so running ones can stop retrying); once every running
 * task has settled, the first failure is thrown.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, stopped: () => boolean) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const stopped = () => failed;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item, stopped);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(Math.max(1, limit), items.length); i++) workers.push(worker());
  await Promise.all(workers);
  if (failed) throw firstError;
}
