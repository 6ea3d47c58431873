import { WindrowError } from '../core/errors.js';

/**
 * The store (DynamoDB, Timestream) could not take a write or answer a read within the retry budget:
 * throttling that outlasted backoff, 5xx, network errors. Retryable by the caller; the HTTP edge
 * answers 503 with Retry-After. Adapters translate SDK errors into this; unknown errors re-throw.
 */
export class StoreUnavailableError extends WindrowError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The store refused a request as invalid (a bug on our side, not the caller's): never retried. */
export class StoreRequestError extends WindrowError {}
