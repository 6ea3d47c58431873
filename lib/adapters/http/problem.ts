/**
 * Why the HTTP edge refused or could not serve a request, as a value (not an exception): the status,
 * a message written by us that is safe to show the sender, and what goes in the headers. Error
 * responses are built only from these, so no exception text, stack or object dump reaches a client.
 */

/** The HTTP statuses the ingest edge answers with besides 200. */
export type ProblemStatus = 400 | 403 | 404 | 405 | 413 | 415 | 500 | 503;

export interface EdgeProblem {
  readonly status: ProblemStatus;
  /** Written by us (or a {@link DecodeError} message, which is written for senders), bounded. */
  readonly message: string;
  /** 503 only: seconds the sender should wait before retrying (the `Retry-After` header). */
  readonly retryAfterSeconds?: number;
}

/**
 * `google.rpc.Code` values for OTLP error bodies (`google.rpc.Status.code`).
 * @see https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto
 */
export const RpcCode = {
  invalidArgument: 3,
  notFound: 5,
  permissionDenied: 7,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
} as const;
export type RpcCode = (typeof RpcCode)[keyof typeof RpcCode];

/**
 * The `google.rpc.Status.code` sent with each HTTP status. OTLP/HTTP clients act on the HTTP status
 * (413 and 415 are not retryable, 503 is); the code is for people and gRPC-minded tooling.
 *
 * 413 and 415 carry INVALID_ARGUMENT, not RESOURCE_EXHAUSTED: `google.rpc.Code` maps
 * RESOURCE_EXHAUSTED to HTTP 429 (quota, throttling, "retry later"), and the OpenTelemetry Collector
 * maps it back to a retryable 429; an oversized or mistyped body must be changed, not retried.
 */
export const RPC_CODE_BY_STATUS: Readonly<Record<ProblemStatus, RpcCode>> = {
  400: RpcCode.invalidArgument,
  403: RpcCode.permissionDenied,
  404: RpcCode.notFound,
  405: RpcCode.unimplemented,
  413: RpcCode.invalidArgument,
  415: RpcCode.invalidArgument,
  500: RpcCode.internal,
  503: RpcCode.unavailable,
};

export function problem(status: ProblemStatus, message: string): EdgeProblem {
  return { status, message };
}
