/**
 * What an error thrown by an AWS SDK client (DynamoDB, SQS; Timestream adds its own names in
 * `timestream/sdk-errors.ts`) means for a retry loop. The SDK's own errors are
 * recognised by `name` (modeled ones like `ProvisionedThroughputExceededException` and unmodeled
 * ones like `ValidationException` alike) and by the HTTP status the SDK attaches; Node's socket errors
 * by `code`. Anything else is `unknown` and must be re-thrown as it is.
 */
import { StoreRequestError, StoreUnavailableError } from '../../app/errors.js';

export const ErrorClass = {
  /** DynamoDB throttled the request: retry with backoff. */
  throttled: 'throttled',
  /** 5xx, timeouts, connection resets: retry with backoff. */
  transient: 'transient',
  /** The request itself is wrong (validation, item too large, missing table): never retry. */
  invalid: 'invalid',
  /** Not ours to judge: re-throw unchanged. */
  unknown: 'unknown',
} as const;
export type ErrorClass = (typeof ErrorClass)[keyof typeof ErrorClass];

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

const TRANSIENT_NAMES = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures worth another attempt (not ENOTFOUND: a wrong endpoint stays wrong). */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

const INVALID = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'ItemCollectionSizeLimitExceededException',
  'SerializationException',
]);

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

function httpStatus(error: object): number | undefined {
  const metadata = field(error, '$metadata');
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const status = field(metadata, 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** Classifies an error thrown by `client.send`. */
export function classifyError(error: unknown): ErrorClass {
  if (typeof error !== 'object' || error === null) return ErrorClass.unknown;
  const name = field(error, 'name');
  if (typeof name === 'string') {
    if (THROTTLED.has(name)) return ErrorClass.throttled;
    if (INVALID.has(name)) return ErrorClass.invalid;
    if (TRANSIENT_NAMES.has(name)) return ErrorClass.transient;
  }
  const code = field(error, 'code');
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return ErrorClass.transient;
  const status = httpStatus(error);
  if (status !== undefined && status >= 500 && status <= 599) return ErrorClass.transient;
  return ErrorClass.unknown;
}

/** True for what a backoff loop should try again. */
export function isRetryable(error: unknown): boolean {
  const kind = classifyError(error);
  return kind === ErrorClass.throttled || kind === ErrorClass.transient;
}

/**
 * Translates a final failure into the project's errors: `StoreUnavailableError` for what was retried
 * until the budget ran out, `StoreRequestError` for invalid requests, the error itself otherwise.
 */
export function translateError(error: unknown, what: string, retryAfterSeconds: number): unknown {
  switch (classifyError(error)) {
    case ErrorClass.throttled:
    case ErrorClass.transient:
      return new StoreUnavailableError(`${what}: ${describe(error)}`, retryAfterSeconds, { cause: error });
    case ErrorClass.invalid:
      return new StoreRequestError(`${what}: ${describe(error)}`, { cause: error });
    default:
      return error;
  }
}

/** `name: message` of an error, for messages (never the whole object). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
