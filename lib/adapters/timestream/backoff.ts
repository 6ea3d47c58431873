/**
 * The retry budget and full-jitter backoff of the outbound adapters (`lib/adapters/shared/retry.ts`),
 * as the Timestream adapter's modules import them.
 */
export {
  backoffDelayMs,
  DEFAULT_RETRY,
  forEachBounded,
  type RetryOptions,
  resolveRetry,
} from '../shared/retry.js';
