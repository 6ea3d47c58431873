/**
 * Turns a node:http request into an API Gateway HTTP API (payload v2) event and the handler's result
 * back into a response, so the local stack runs exactly the Lambda handlers AWS runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The largest body the bridge reads. API Gateway refuses bodies over 10 MB before a Lambda sees
 * them; reading stops there so a huge upload cannot exhaust memory (the handler applies the
 * configured, smaller limit and answers 413).
 */
export const MAX_BRIDGE_BODY_BYTES = 10 * 1024 * 1024;

export async function readBody(
  req: IncomingMessage,
  maxBytes = MAX_BRIDGE_BODY_BYTES,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

let requestCounter = 0;

/**
 * The request-target as a URL, or undefined when it is none. Origin-form (`/path?query`) is read as a
 * path on a fixed base, so `//x/y` stays the path `//x/y` (what API Gateway passes as `rawPath`):
 * `new URL(target, base)` would read `x` as a host, and throw for `//[` or `//a:99999`. Absolute-form
 * (`http://host/path`) is taken as it is; anything else (`*`, garbage) is undefined.
 */
export function requestUrl(target: string | undefined): URL | undefined {
  const t = target ?? '/';
  try {
    return new URL(t.startsWith('/') ? `http://localhost${t}` : t);
  } catch {
    return undefined;
  }
}

export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  tenant?: string,
): APIGatewayProxyEventV2 {
  const url = requestUrl(req.url);
  if (url === undefined) throw new TypeError('the request target is not a path or an absolute URL');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const method = (req.method ?? 'GET').toUpperCase();
  const now = Date.now();
  const requestId = `local-${now}-${++requestCounter}`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    // Always base64: bodies may be protobuf or gzip, exactly as API Gateway passes binary media.
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
  if (tenant !== undefined) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: { tenant } };
  }
  return event;
}

export function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const status = result.statusCode ?? 200;
  const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = body.length;
  res.writeHead(status, headers as Record<string, string>);
  res.end(body);
}
