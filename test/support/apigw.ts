/**
 * API Gateway HTTP API (payload v2) events and Lambda contexts for handler tests.
 *
 * @example
 * httpEvent({ method: 'POST', path: '/v1/metrics', headers: { 'Content-Type': 'application/x-protobuf' }, body })
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export interface HttpEventOptions {
  readonly method?: string;
  readonly path?: string;
  /** As given: names keep their case (API Gateway lowercases them; the local bridge and tests may not). */
  readonly headers?: Record<string, string>;
  /**
   * Bytes are sent base64-encoded (as API Gateway passes binary media); a string is sent as text,
   * or as given with `isBase64Encoded: true` when `base64` is set (to send a string that is not base64).
   */
  readonly body?: Uint8Array | string;
  readonly base64?: boolean;
  /** Puts `{ lambda: { tenant } }` in `requestContext.authorizer`; absent: no authorizer (auth off). */
  readonly tenant?: string;
  /** A raw authorizer context, for malformed-authorizer cases (wins over `tenant`). */
  readonly authorizer?: unknown;
  readonly stage?: string;
  readonly requestId?: string;
}

export function httpEvent(options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const stage = options.stage ?? '$default';
  const path = options.path ?? '/v1/metrics';
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const { body, isBase64Encoded } = encodeBody(options.body, options.base64);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: options.headers ?? {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: options.requestId ?? 'req-1',
      routeKey: '$default',
      stage,
      time: '25/Nov/2026:17:00:00 +0000',
      timeEpoch: 1_795_633_200_000,
    },
    body,
    isBase64Encoded,
  };
  const authorizer =
    options.authorizer !== undefined
      ? options.authorizer
      : options.tenant !== undefined
        ? { lambda: { tenant: options.tenant } }
        : undefined;
  if (authorizer !== undefined) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = authorizer;
  }
  return event;
}

function encodeBody(
  body: Uint8Array | string | undefined,
  base64: boolean | undefined,
): { body: string | undefined; isBase64Encoded: boolean } {
  if (body === undefined) return { body: undefined, isBase64Encoded: false };
  if (typeof body === 'string') return { body, isBase64Encoded: base64 === true };
  if (base64 === false) return { body: Buffer.from(body).toString('utf8'), isBase64Encoded: false };
  return { body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(awsRequestId = 'lambda-req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'windrow-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:windrow-ingest',
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: '/aws/lambda/windrow-ingest',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The response body as bytes (base64-decoded when flagged). */
export function responseBytes(response: { body?: string; isBase64Encoded?: boolean }): Uint8Array {
  const body = response.body ?? '';
  return new Uint8Array(Buffer.from(body, response.isBase64Encoded ? 'base64' : 'utf8'));
}

/** A minimal `google.rpc.Status` reader (fields 1 and 2), independent of the code under test. */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  const out = { code: 0, message: '' };
  while (pos < bytes.length) {
    const key = varint();
    if (key === 0x08) out.code = varint();
    else if (key === 0x12) {
      const len = varint();
      if (pos + len > bytes.length) throw new Error('truncated string');
      out.message = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`unexpected key ${key}`);
  }
  return out;
}
