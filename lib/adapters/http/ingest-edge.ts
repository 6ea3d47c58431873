/**
 * One ingest request at the HTTP edge: parse the event, call the use case, map the result or the
 * error to a response. No AWS, no logger: the outcome says what happened, and the Lambda shell
 * (lib/compose/ingest) logs it and emits the metrics.
 *
 * Which errors are whose (DESIGN.md §11): a body that cannot be decoded is the sender's (400, with the
 * decoder's message); a store that stays throttled is transient (503 + Retry-After); anything else
 * is a bug of ours (500 with a generic message naming the request id: the error goes to the log only).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { StoreUnavailableError } from '../../app/errors.js';
import type { IngestFormat, IngestRequest, IngestResult } from '../../app/ingest-types.js';
import type { RequestLimits } from '../../core/config/config.js';
import { DecodeError } from '../../core/errors.js';
import { PayloadTooLargeError } from '../../core/otlp/payload-too-large-error.js';
import { type ParseResult, parseIngestEvent } from './ingest-request.js';
import { problemResponse, successResponse } from './ingest-response.js';
import { type EdgeProblem, problem } from './problem.js';

/** The use case as the edge sees it (`ingest` from lib/app/ingest.ts with its deps bound). */
export type IngestFn = (request: IngestRequest) => Promise<IngestResult>;

export interface IngestEdgeDeps {
  readonly ingest: IngestFn;
  readonly limits: RequestLimits;
}

interface OutcomeBase {
  readonly response: APIGatewayProxyStructuredResultV2;
  /** The format answered in (the request's, or `points` for plain JSON when unknown). */
  readonly format: IngestFormat;
  readonly tenant: string | undefined;
  /** Body bytes as received, after base64 and before gzip (estimated from the length when refused early). */
  readonly wireBytes: number;
}

/** The use case ran: 200, with rejected points counted in the result. */
export interface IngestedOutcome extends OutcomeBase {
  readonly kind: 'ingested';
  readonly result: IngestResult;
  /** Body bytes the decoder read (after gzip). */
  readonly bodyBytes: number;
}

/** The sender's problem (4xx) or a throttled store (503): logged as a warning. */
export interface RefusedOutcome extends OutcomeBase {
  readonly kind: 'refused';
  readonly problem: EdgeProblem;
}

/** A bug of ours (500): the error is for the log, never for the response. */
export interface FailedOutcome extends OutcomeBase {
  readonly kind: 'failed';
  readonly problem: EdgeProblem;
  readonly error: unknown;
}

export type IngestEdgeOutcome = IngestedOutcome | RefusedOutcome | FailedOutcome;

/**
 * Serves one `POST /v1/metrics` or `POST /v1/points` event. Never throws and never answers 500 for
 * anything the sender controls.
 *
 * @example
 * const outcome = await handleIngestEvent(event, { ingest: (r) => ingest(r, deps), limits: config.limits });
 * return outcome.response;
 */
export async function handleIngestEvent(
  event: APIGatewayProxyEventV2,
  deps: IngestEdgeDeps,
  requestId = '',
): Promise<IngestEdgeOutcome> {
  let parsed: ParseResult;
  try {
    parsed = parseIngestEvent(event, deps.limits);
  } catch (error) {
    // Only a bad limit (configuration) can make parsing throw; the event is unknown territory.
    return failed({ format: 'points', tenant: undefined, wireBytes: 0 }, error, requestId);
  }
  if (!parsed.ok) return refused(parsed, parsed.problem);

  const { request } = parsed;
  const seen: Seen = { format: request.format, tenant: request.tenant, wireBytes: parsed.wireBytes };
  try {
    const result = await deps.ingest(request);
    return {
      kind: 'ingested',
      response: successResponse(request.format, result),
      ...seen,
      result,
      bodyBytes: request.body.length,
    };
  } catch (error) {
    const known = problemFromError(error);
    return known === undefined ? failed(seen, error, requestId) : refused(seen, known);
  }
}

type Seen = Pick<OutcomeBase, 'format' | 'tenant' | 'wireBytes'>;

function refused(seen: Seen, p: EdgeProblem): RefusedOutcome {
  const { format, tenant, wireBytes } = seen;
  return { kind: 'refused', response: problemResponse(format, p), format, tenant, wireBytes, problem: p };
}

function failed(seen: Seen, error: unknown, requestId: string): FailedOutcome {
  const p = problem(500, internalErrorMessage(requestId));
  const { format, tenant, wireBytes } = seen;
  return {
    kind: 'failed',
    response: problemResponse(format, p),
    format,
    tenant,
    wireBytes,
    problem: p,
    error,
  };
}

/** The generic 500 message: names the request, so an operator can find the logged error. */
export function internalErrorMessage(requestId: string): string {
  return requestId === '' ? 'internal error' : `internal error (request ${requestId})`;
}

/**
 * The problem for an error the use case may throw by design; undefined for anything else (a bug).
 * Only our own messages are passed on: DecodeError and PayloadTooLargeError messages are written for
 * senders; a StoreUnavailableError's message may name tables or SDK errors, so it is replaced.
 */
export function problemFromError(error: unknown): EdgeProblem | undefined {
  if (error instanceof DecodeError) return problem(400, error.message);
  if (error instanceof PayloadTooLargeError) return problem(413, error.message);
  if (error instanceof StoreUnavailableError) {
    return {
      status: 503,
      message: 'the store is busy; retry later',
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  return undefined;
}
