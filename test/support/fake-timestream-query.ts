/**
 * A protocol-level fake of the Timestream for LiveAnalytics *query* endpoint on loopback, for tests
 * that drive the real `@aws-sdk/client-timestream-query` client. With a custom `endpoint` the SDK
 * skips endpoint discovery (`isCustomEndpoint` in `@aws-sdk/middleware-endpoint-discovery`; the fake
 * logs any `DescribeEndpoints` call so a test can check there is none) and speaks AWS JSON 1.0:
 * `POST /`, `X-Amz-Target: Timestream_20181101.Query`, body `{QueryString, NextToken?, MaxRows?,
 * ClientToken}`.
 *
 * It runs no SQL. It answers with RECORDED responses (`test/fixtures/timestream-query/*.json`, see
 * the README there): a test queues the pages one query gets (`serve`), or an error (`serveError`),
 * and reads back the SQL each request carried (`requests`, `statements()`). Paging works as Timestream
 * documents it: the request without `NextToken` gets the first queued page; a page with a `NextToken`
 * makes the next request carrying that token (and the same `QueryString`, else "Invalid pagination
 * token") get the following page. Faults (throttling, 5xx, socket reset) can be injected per request.
 * A statement that does not even tokenize (`tokenizeSql`: an unterminated literal or quoted name) is
 * answered like a syntax error, `ValidationException`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { createTimestreamQueryClient } from '#adapters/timestream/reader.js';

const TARGET_PREFIX = 'Timestream_20181101.';
const ERROR_NAMESPACE = 'com.amazonaws.timestream.v20181101#';
const FIXTURES = new URL('../fixtures/timestream-query/', import.meta.url);

/** A `Query` answer as Timestream sends it (the JSON body of an HTTP 200). */
export interface QueryPage {
  readonly QueryId: string;
  readonly Rows: readonly { readonly Data: readonly Record<string, unknown>[] }[];
  readonly ColumnInfo: readonly { readonly Name?: string; readonly Type: Record<string, unknown> }[];
  readonly QueryStatus?: Record<string, number>;
  readonly NextToken?: string;
}

/** An error answer: HTTP status and the JSON body (`__type`, `Message`). */
export interface QueryError {
  readonly httpStatus: number;
  readonly body: { readonly __type: string; readonly Message: string };
}

/** A recorded page from `test/fixtures/timestream-query/<name>`. */
export function queryFixture(name: string): QueryPage {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as QueryPage;
}

/** A recorded error from `test/fixtures/timestream-query/<name>`. */
export function errorFixture(name: string): QueryError {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as QueryError;
}

export interface RequestLog {
  /** `Query`, `DescribeEndpoints`, … */
  readonly operation: string;
  readonly queryString?: string;
  readonly nextToken?: string;
  readonly clientToken?: string;
  readonly maxRows?: number;
  /** HTTP status answered (0: socket reset). */
  readonly status: number;
}

export type Fault =
  | { readonly kind: 'throttle' }
  | { readonly kind: 'internal' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'reset' };

type Script = { readonly pages: readonly QueryPage[] } | { readonly error: QueryError };

interface Cursor {
  readonly pages: readonly QueryPage[];
  readonly next: number;
  readonly queryString: string;
}

export class FakeTimestreamQuery {
  readonly requests: RequestLog[] = [];
  /** What a query gets when nothing is queued (default: the recorded empty result). */
  fallback: Script = { pages: [queryFixture('empty.json')] };
  private readonly scripts: Script[] = [];
  private readonly faults: Fault[] = [];
  private readonly cursors = new Map<string, Cursor>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeTimestreamQuery> {
    let fake: FakeTimestreamQuery | undefined;
    const server = createServer((req, res) => {
      fake?.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeTimestreamQuery(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next query (a request without `NextToken`) gets `pages`, one request per page. */
  serve(...pages: QueryPage[]): void {
    this.scripts.push({ pages });
  }

  /** The next query gets `error`. */
  serveError(error: QueryError): void {
    this.scripts.push({ error });
  }

  /** The next `count` requests fail with `fault`, whatever they ask. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Consulted for every request once the queue of `failNext` faults is empty. */
  faultPlan:
    | ((request: { readonly nextToken?: string; readonly queryString?: string }) => Fault | undefined)
    | undefined;

  /** Forgets queued answers, faults, cursors and the request log. */
  reset(): void {
    this.scripts.length = 0;
    this.faults.length = 0;
    this.cursors.clear();
    this.requests.length = 0;
    this.faultPlan = undefined;
    this.fallback = { pages: [queryFixture('empty.json')] };
  }

  /** The SQL of every query started (requests without `NextToken`), in order. */
  statements(): string[] {
    return this.requests
      .filter((r) => r.operation === 'Query' && r.nextToken === undefined && r.queryString !== undefined)
      .map((r) => r.queryString as string);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      this.sendError(res, { httpStatus: 400, body: error('SerializationException', 'Malformed JSON') });
      return;
    }
    const log = (status: number) =>
      this.requests.push({
        operation,
        ...(typeof body.QueryString === 'string' ? { queryString: body.QueryString } : {}),
        ...(typeof body.NextToken === 'string' ? { nextToken: body.NextToken } : {}),
        ...(typeof body.ClientToken === 'string' ? { clientToken: body.ClientToken } : {}),
        ...(typeof body.MaxRows === 'number' ? { maxRows: body.MaxRows } : {}),
        status,
      });

    if (operation !== 'Query') {
      log(400);
      this.sendError(res, { httpStatus: 400, body: error('UnknownOperationException', `Unknown ${target}`) });
      return;
    }
    const fault =
      this.faults.shift() ??
      this.faultPlan?.({
        ...(typeof body.NextToken === 'string' ? { nextToken: body.NextToken } : {}),
        ...(typeof body.QueryString === 'string' ? { queryString: body.QueryString } : {}),
      });
    if (fault !== undefined) {
      if (fault.kind === 'reset') {
        log(0);
        req.socket.destroy();
        return;
      }
      const answer =
        fault.kind === 'throttle'
          ? errorFixture('error-throttling.json')
          : fault.kind === 'internal'
            ? errorFixture('error-internal.json')
            : { httpStatus: fault.status, body: error('ServiceUnavailable', 'Service unavailable') };
      log(answer.httpStatus);
      this.sendError(res, answer);
      return;
    }
    const queryString = typeof body.QueryString === 'string' ? body.QueryString : '';
    if (queryString !== '' && lexicalProblem(queryString) !== undefined) {
      const answer = errorFixture('error-syntax.json');
      log(answer.httpStatus);
      this.sendError(res, answer);
      return;
    }
    if (queryString === '') {
      log(400);
      this.sendError(res, {
        httpStatus: 400,
        body: error('ValidationException', "1 validation error detected: Value null at 'queryString' failed"),
      });
      return;
    }

    if (typeof body.NextToken === 'string') {
      const cursor = this.cursors.get(body.NextToken);
      if (cursor === undefined || cursor.queryString !== queryString) {
        const answer = errorFixture('error-pagination-token.json');
        log(answer.httpStatus);
        this.sendError(res, answer);
        return;
      }
      this.cursors.delete(body.NextToken);
      log(200);
      this.sendPage(res, cursor.pages, cursor.next, queryString);
      return;
    }

    const script = this.scripts.shift() ?? this.fallback;
    if ('error' in script) {
      log(script.error.httpStatus);
      this.sendError(res, script.error);
      return;
    }
    log(200);
    this.sendPage(res, script.pages, 0, queryString);
  }

  private sendPage(
    res: ServerResponse,
    pages: readonly QueryPage[],
    index: number,
    queryString: string,
  ): void {
    const page = pages[index];
    if (page === undefined) throw new Error(`no page ${index} queued`);
    if (page.NextToken !== undefined) {
      this.cursors.set(page.NextToken, { pages, next: index + 1, queryString });
    }
    this.send(res, 200, page);
  }

  private sendError(res: ServerResponse, answer: QueryError): void {
    this.send(res, answer.httpStatus, answer.body);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': `fake-${this.requests.length}`,
    });
    res.end(text);
  }
}

/** One lexical token of a Trino/Timestream statement. */
export interface SqlToken {
  readonly kind: 'word' | 'number' | 'string' | 'quoted' | 'operator' | 'comment' | 'other';
  /** The source text (for `string` and `quoted`: the decoded content). */
  readonly text: string;
}

const OPERATORS = [
  '>=',
  '<=',
  '<>',
  '!=',
  '||',
  '=',
  '<',
  '>',
  '(',
  ')',
  ',',
  '.',
  '*',
  ';',
  '+',
  '-',
  '/',
  '%',
];

/**
 * Splits a statement into tokens by Trino's lexical rules (the language Timestream queries use):
 * `'…'` string literals where `''` is a quote (no backslash escapes), `"…"` quoted identifiers where
 * `""` is a quote, `--` and block comments, words, numbers, operators. Anything else is an `other` token.
 *
 * @throws Error for an unterminated literal, quoted identifier or comment
 */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const quoted = (quote: string, kind: 'string' | 'quoted') => {
    let text = '';
    let j = i + 1;
    for (;;) {
      if (j >= sql.length) throw new Error(`unterminated ${kind} starting at ${i}`);
      if (sql[j] === quote) {
        if (sql[j + 1] === quote) {
          text += quote;
          j += 2;
          continue;
        }
        break;
      }
      text += sql[j];
      j++;
    }
    tokens.push({ kind, text });
    i = j + 1;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/[ \t\r\n]/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      tokens.push({ kind: 'comment', text: sql.slice(i, end === -1 ? sql.length : end) });
      i = end === -1 ? sql.length : end;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new Error(`unterminated comment starting at ${i}`);
      tokens.push({ kind: 'comment', text: sql.slice(i, end + 2) });
      i = end + 2;
    } else if (c === "'") {
      quoted("'", 'string');
    } else if (c === '"') {
      quoted('"', 'quoted');
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      const text = op ?? String.fromCodePoint(sql.codePointAt(i) ?? 0);
      tokens.push({ kind: op === undefined ? 'other' : 'operator', text });
      i += text.length;
    }
  }
  return tokens;
}

function lexicalProblem(sql: string): string | undefined {
  try {
    tokenizeSql(sql);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

function error(type: string, message: string): QueryError['body'] {
  return { __type: `${ERROR_NAMESPACE}${type}`, Message: message };
}

/** Starts a fake on 127.0.0.1 (a free port). */
export function startFakeTimestreamQuery(): Promise<FakeTimestreamQuery> {
  return FakeTimestreamQuery.start();
}

/**
 * The real SDK client pointed at the fake: region, dummy credentials, `maxAttempts` 1 by default so
 * the reader's own retries are what a test sees.
 */
export function fakeTimestreamQueryClient(
  fake: FakeTimestreamQuery,
  options: { maxAttempts?: number } = {},
): TimestreamQueryClient {
  return createTimestreamQueryClient({
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: options.maxAttempts ?? 1,
  });
}
