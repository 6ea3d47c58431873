/**
 * The retry budget and full-jitter backoff the DynamoDB adapter uses, shared as they are (one
 * definition of "bounded, jittered, injectable sleep"). Re-exported from here so the Timestream
 * adapter has one import to move should these helpers move to a shared adapters module.
 */
export {
  backoffDelayMs,
  DEFAULT_RETRY,
  forEachBounded,
  type RetryOptions,
  resolveRetry,
} from '../dynamodb/retry.js';
