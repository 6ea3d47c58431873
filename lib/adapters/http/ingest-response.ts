/**
 * Ingest responses (DESIGN.md §11): OTLP/HTTP answers in the request's encoding, `/v1/points` in plain
 * JSON. Success is 200, with the rejected points reported rather than failing the request.
 *
 * | format | 200 | error |
 * |---|---|---|
 * | otlp-protobuf | `ExportMetricsServiceResponse` (empty when nothing was rejected) | `google.rpc.Status` |
 * | otlp-json | `{}` or `{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"…"}}` | `{"code":3,"message":"…"}` |
 * | points | `{"accepted":9,"rejected":1,"reasons":{"name_limit":1},"errors":["…"]}` | `{"error":"…"}` |
 *
 * `rejectedDataPoints` is a string in JSON: it is an int64, which the proto3 JSON mapping (that
 * OTLP/JSON follows) writes as a decimal string; parsers accept both, and the JS exporter only logs it.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IngestFormat, IngestResult } from '../../app/ingest-types.js';
import type { RejectReason } from '../../core/point.js';
import { type EdgeProblem, RPC_CODE_BY_STATUS } from './problem.js';
import { encodeExportMetricsServiceResponse, encodeRpcStatus } from './protobuf.js';
import { truncateUtf8 } from './text.js';

/** The partial-success `error_message` is at most this many UTF-8 bytes. */
export const MAX_PARTIAL_SUCCESS_MESSAGE_BYTES = 1024;
/** An error response's message, and each `/v1/points` error, is at most this many UTF-8 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 1024;
export const MAX_POINT_ERROR_BYTES = 512;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

type Response = APIGatewayProxyStructuredResultV2;

/** What the success responses need from an {@link IngestResult}. */
export type IngestCounts = Pick<IngestResult, 'accepted' | 'rejected' | 'rejections' | 'warnings'>;

/**
 * The 200 answer to a request the use case took, whole or in part.
 *
 * @example successResponse('otlp-json', result) // → { statusCode: 200, body: '{}', … }
 */
export function successResponse(format: IngestFormat, result: IngestCounts): Response {
  switch (format) {
    case 'otlp-protobuf': {
      const body = encodeExportMetricsServiceResponse(
        partial(result)
          ? { rejectedDataPoints: result.rejected, errorMessage: partialSuccessMessage(result) }
          : undefined,
      );
      return binary(200, body);
    }
    case 'otlp-json': {
      const body = partial(result)
        ? {
            partialSuccess: {
              rejectedDataPoints: String(result.rejected),
              errorMessage: partialSuccessMessage(result),
            },
          }
        : {};
      return json(200, body);
    }
    case 'points':
      return json(200, {
        accepted: result.accepted,
        rejected: result.rejected,
        reasons: result.rejections.byReason,
        errors: result.rejections.messages.map((m) => truncateUtf8(m, MAX_POINT_ERROR_BYTES)),
        ...(result.warnings?.length ? { warnings: result.warnings } : {}),
      });
  }
}

/**
 * The error answer: `google.rpc.Status` for OTLP (in the request's encoding), `{"error": …}` for
 * points. `Retry-After` on 503, `Allow` on 405.
 */
export function problemResponse(format: IngestFormat, problem: EdgeProblem): Response {
  const message = truncateUtf8(problem.message, MAX_ERROR_MESSAGE_BYTES);
  const headers: Record<string, string> = {};
  if (problem.status === 503) headers['retry-after'] = String(retryAfter(problem.retryAfterSeconds));
  if (problem.status === 405) headers.allow = 'POST';
  const code = RPC_CODE_BY_STATUS[problem.status];
  switch (format) {
    case 'otlp-protobuf':
      return binary(problem.status, encodeRpcStatus(code, message), headers);
    case 'otlp-json':
      return json(problem.status, { code, message }, headers);
    case 'points':
      return json(problem.status, { error: message }, headers);
  }
}

/**
 * The partial-success summary: the count, the count per reason (largest first), then the decoder's
 * first messages; cut to {@link MAX_PARTIAL_SUCCESS_MESSAGE_BYTES}.
 *
 * @example
 * // '3 points rejected: 2 non_finite_value, 1 too_far_in_future; metric "x" point 0: value is NaN; …'
 */
export function partialSuccessMessage(
  result: IngestCounts,
  maxBytes: number = MAX_PARTIAL_SUCCESS_MESSAGE_BYTES,
): string {
  const reasons = (Object.entries(result.rejections.byReason) as [RejectReason, number | undefined][])
    .filter((entry): entry is [RejectReason, number] => entry[1] !== undefined && entry[1] > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([reason, count]) => `${count} ${reason}`);
  const head = `${result.rejected} ${result.rejected === 1 ? 'point' : 'points'} rejected`;
  const parts = result.rejected > 0 ? [reasons.length > 0 ? `${head}: ${reasons.join(', ')}` : head] : [];
  parts.push(...result.rejections.messages);
  if (result.rejections.messages.length < result.rejected && result.rejections.messages.length > 0) {
    parts.push('…');
  }
  // Warnings (rejected 0 and a message is OTLP's way to warn) come after the refusals.
  parts.push(...(result.warnings ?? []));
  return truncateUtf8(parts.join('; '), maxBytes);
}

/** A partial success to report: points refused, or warnings. */
function partial(result: IngestCounts): boolean {
  return result.rejected > 0 || (result.warnings?.length ?? 0) > 0;
}

function retryAfter(seconds: number | undefined): number {
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 1 ? Math.ceil(seconds) : 1;
}

function binary(status: number, body: Uint8Array, headers: Record<string, string> = {}): Response {
  return {
    statusCode: status,
    headers: { 'content-type': PROTOBUF, ...headers },
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
    isBase64Encoded: true,
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return {
    statusCode: status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
