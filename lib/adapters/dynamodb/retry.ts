/**
 * The DynamoDB adapter's retry is the adapters' shared one (`lib/adapters/shared/retry.ts`); its
 * modules import it from here.
 */
export {
  backoffDelayMs,
  DEFAULT_RETRY,
  forEachBounded,
  type RetryOptions,
  resolveRetry,
  withRetry,
} from '../shared/retry.js';
