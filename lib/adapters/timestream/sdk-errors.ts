/**
 * What an error thrown by the Timestream write client means for the sink's retry loop, in the
 * adapters' shared terms (`ErrorClass`): Timestream's own exceptions by `name`, then the shared
 * classifier's generic rules (5xx status, socket error codes, SDK timeouts). `RejectedRecordsException`
 * is not classified here: the sink reads it record by record before anything else.
 */
import { classifyError as classifyGeneric, ErrorClass } from '../shared/sdk-errors.js';

export { describe, ErrorClass } from '../shared/sdk-errors.js';

const BY_NAME: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['ThrottlingException', ErrorClass.throttled],
  ['InternalServerException', ErrorClass.transient],
  // A cached discovered endpoint went stale: the SDK discovers again on the next attempt.
  ['InvalidEndpointException', ErrorClass.transient],
  ['ValidationException', ErrorClass.invalid],
  ['ResourceNotFoundException', ErrorClass.invalid],
  ['AccessDeniedException', ErrorClass.invalid],
  ['ServiceQuotaExceededException', ErrorClass.invalid],
]);

/** Classifies an error thrown by `TimestreamWriteClient.send`. */
export function classifyTimestreamError(error: unknown): ErrorClass {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') {
      const known = BY_NAME.get(name);
      if (known !== undefined) return known;
    }
  }
  return classifyGeneric(error);
}

/** True for what the backoff loop should try again. */
export function isRetryableTimestreamError(error: unknown): boolean {
  const kind = classifyTimestreamError(error);
  return kind === ErrorClass.throttled || kind === ErrorClass.transient;
}
