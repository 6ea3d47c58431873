/**
 * From an API Gateway HTTP API (payload v2) event to an {@link IngestRequest}: route, tenant, media
 * type, size limits, base64 and content encodings (gzip, zstd, deflate). Every refusal is an
 * {@link EdgeProblem} value; nothing here throws for any event, however malformed.
 *
 * The checks run cheapest first and the size limit before any decoding: a 7 MB base64 string is
 * refused from its length alone, and a zip bomb stops inflating at `maxInflatedBytes`.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IngestFormat, IngestRequest } from '../../app/ingest-types.js';
import type { RequestLimits } from '../../core/config/config.js';
import { DecodeError } from '../../core/errors.js';
import { CONTENT_CODINGS, type ContentCoding, inflateBounded } from '../../core/otlp/inflate.js';
import { PayloadTooLargeError } from '../../core/otlp/payload-too-large-error.js';
import { type EdgeProblem, problem } from './problem.js';
import { ingestRoute } from './routes.js';
import { tenantOf } from './tenant.js';

/** A request ready for the use case. */
export interface ParsedIngest {
  readonly ok: true;
  readonly request: IngestRequest;
  /** Body bytes as received (after base64, before inflating). */
  readonly wireBytes: number;
  /** The request's `Content-Encoding`, which the body has been inflated from. */
  readonly contentEncoding: ContentCoding | 'identity';
}

/** A request refused at the edge, with what is known of it for the response and the log. */
export interface RefusedIngest {
  readonly ok: false;
  readonly problem: EdgeProblem;
  /** How to answer: the request's OTLP encoding when known; `points` (plain JSON) otherwise. */
  readonly format: IngestFormat;
  readonly tenant: string | undefined;
  readonly wireBytes: number;
}

export type ParseResult = ParsedIngest | RefusedIngest;

/**
 * Parses and checks an ingest event against the request limits.
 *
 * @example
 * const parsed = parseIngestEvent(event, config.limits);
 * if (!parsed.ok) return problemResponse(parsed.format, parsed.problem);
 * const result = await ingest(parsed.request);
 */
export function parseIngestEvent(event: APIGatewayProxyEventV2, limits: RequestLimits): ParseResult {
  const headers = lowerCaseHeaders(event.headers);
  const body: unknown = event.body;
  const isBase64 = event.isBase64Encoded === true;
  const wireBytes = typeof body === 'string' ? wireLength(body, isBase64) : 0;
  let format: IngestFormat = 'points';
  let tenant: string | undefined;
  const refuse = (p: EdgeProblem): RefusedIngest => ({ ok: false, problem: p, format, tenant, wireBytes });

  const method =
    typeof event.requestContext?.http?.method === 'string' ? event.requestContext.http.method : '';
  const path = requestPath(event);
  const route = ingestRoute(path);
  if (route === undefined) return refuse(problem(404, `no such route: ${describePath(path)}`));

  const mediaType = mediaTypeOf(headers.get('content-type'));
  // Answer in the request's encoding from here on, even when refusing it.
  if (route === 'otlp') format = mediaType === 'application/x-protobuf' ? 'otlp-protobuf' : 'otlp-json';
  if (method.toUpperCase() !== 'POST') {
    return refuse(problem(405, `method ${describeToken(method)} is not allowed on ${path}; use POST`));
  }

  const tenantResult = tenantOf(event);
  if (typeof tenantResult !== 'string') return refuse(tenantResult);
  tenant = tenantResult;

  const accepted = route === 'otlp' ? ['application/x-protobuf', 'application/json'] : ['application/json'];
  if (mediaType === undefined || !accepted.includes(mediaType)) {
    const given = mediaType === undefined ? 'no Content-Type' : `Content-Type ${describeToken(mediaType)}`;
    return refuse(problem(415, `${given} on ${path}; use ${accepted.join(' or ')}`));
  }

  const encoding = contentEncodingOf(headers.get('content-encoding'));
  if (encoding === undefined) {
    const given = describeToken(headers.get('content-encoding') ?? '');
    return refuse(problem(415, `Content-Encoding ${given} is not supported; use ${ACCEPTED_ENCODINGS}`));
  }

  if (body !== undefined && body !== null && typeof body !== 'string') {
    return refuse(problem(400, 'the event body is not a string'));
  }
  if (wireBytes > limits.maxBodyBytes) {
    return refuse(problem(413, `body is ${wireBytes} bytes; the limit is ${limits.maxBodyBytes} bytes`));
  }
  const wire = typeof body === 'string' ? bodyBytes(body, isBase64) : new Uint8Array(0);
  if (wire === undefined) return refuse(problem(400, 'body is not valid base64 (isBase64Encoded is true)'));

  let decoded = wire;
  if (encoding !== 'identity') {
    try {
      decoded = inflateBounded(wire, encoding, limits.maxInflatedBytes);
    } catch (error) {
      // Both messages are written for senders (`zstd body inflates to more than … bytes`).
      if (error instanceof PayloadTooLargeError) return refuse(problem(413, error.message));
      if (error instanceof DecodeError) return refuse(problem(400, error.message));
      throw error;
    }
  }
  if (decoded.length === 0 && format !== 'otlp-protobuf') {
    // An empty protobuf message is a valid (empty) export; an empty JSON document is not JSON.
    return refuse(problem(400, 'empty body: expected a JSON object'));
  }
  if (route === 'points') format = 'points';
  return {
    ok: true,
    request: { tenant, format, body: decoded },
    wireBytes: wire.length,
    contentEncoding: encoding,
  };
}

/** Header names are case-insensitive; repeated names are joined with `,` as HTTP allows. */
function lowerCaseHeaders(headers: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const key = name.toLowerCase();
    const seen = out.get(key);
    out.set(key, seen === undefined ? value : `${seen},${value}`);
  }
  return out;
}

/**
 * The path without the stage prefix (a named stage puts `/<stage>` in front of `rawPath`) and with at
 * most one trailing slash removed.
 */
function requestPath(event: APIGatewayProxyEventV2): string {
  const context = event.requestContext;
  let path = typeof context?.http?.path === 'string' ? context.http.path : event.rawPath;
  if (typeof path !== 'string') return '';
  const stage = context?.stage;
  if (typeof stage === 'string' && stage !== '$default' && path.startsWith(`/${stage}/`)) {
    path = path.slice(stage.length + 1);
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** `application/json; charset=utf-8` → `application/json`; undefined when absent or blank. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** What a 415 for an unknown Content-Encoding suggests: `gzip, zstd, deflate or identity`. */
const ACCEPTED_ENCODINGS = `${CONTENT_CODINGS.join(', ')} or identity`;

/**
 * `gzip` (or `x-gzip`), `zstd`, `deflate` → that coding; absent, empty or `identity` → identity;
 * anything else (br, two codings such as `gzip, gzip`) → undefined.
 */
function contentEncodingOf(value: string | undefined): ContentCoding | 'identity' | undefined {
  if (value === undefined) return 'identity';
  const codings = value
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length !== 1) return undefined;
  const coding = codings[0] === 'x-gzip' ? 'gzip' : codings[0];
  return CONTENT_CODINGS.find((c) => c === coding);
}

/** The body's size in bytes, from its length alone (no decoding): base64 is 4 characters per 3 bytes. */
function wireLength(body: string, isBase64: boolean): number {
  if (!isBase64) return Buffer.byteLength(body, 'utf8');
  return Math.floor((body.length * 3) / 4) - paddingOf(body);
}

function paddingOf(base64: string): number {
  if (base64.endsWith('==')) return 2;
  return base64.endsWith('=') ? 1 : 0;
}

/**
 * The body's bytes, or undefined when `isBase64Encoded` and the body is not base64. Node's decoder
 * skips characters it does not know instead of failing, so a body is valid exactly when it decodes to
 * the length its characters promise (it also accepts the URL-safe alphabet, which is harmless).
 */
function bodyBytes(body: string, isBase64: boolean): Uint8Array | undefined {
  if (!isBase64) return utf8Bytes(body);
  if (body.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length !== (body.length / 4) * 3 - paddingOf(body)) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function utf8Bytes(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A path for a message: bounded, printable. */
function describePath(path: string): string {
  return describeToken(path === '' ? '(none)' : path);
}

/** Sender-controlled text quoted in a message: at most 64 characters, control characters escaped. */
function describeToken(value: string): string {
  const short = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(short);
}
