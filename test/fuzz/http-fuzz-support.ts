/**
 * Fuzzing the local stack over real HTTP: a raw HTTP/1.1 client on loopback (so headers can be
 * duplicated, oversized, mis-cased, and Content-Length can lie), a watch on the store (every write
 * command counted per request, and byte-for-byte snapshots of both tables around batches of refused
 * requests), and the arbitraries the fuzz files share (mutated fixtures, odd JSON, gzip variants).
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { expect, type MockInstance } from 'vitest';
import { type LocalStack, RESULTS_TABLE, STATE_TABLE } from '#local/stack.js';
import { FIXTURE_NOW_MS, fixture } from '../support/ingest-fakes.js';
import { scanAll, snapshot } from '../support/local-store.js';

/** DESIGN.md §11: every status the edge may answer with (the brief's list; never 500). */
export const DOCUMENTED_STATUSES: readonly number[] = [200, 400, 401, 403, 404, 405, 413, 415, 503];

/** Node's default `maxHeaderSize`: a larger header section is refused by the parser with 431. */
export const NODE_MAX_HEADER_BYTES = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// Raw HTTP

export type HeaderValue = string | Uint8Array;

export interface RawRequest {
  readonly method: string;
  /** The request-target as sent (origin-form, absolute-form, `*`, or garbage). */
  readonly target: string | Uint8Array;
  /** In order, duplicates allowed; names and values sent as given (strings as UTF-8). */
  readonly headers: readonly (readonly [string, HeaderValue])[];
  readonly body?: Uint8Array;
  /**
   * `auto` (default): the body's length; `omit`: no Content-Length line (a chunked body, or a lie);
   * a string: sent as the Content-Length value verbatim.
   */
  readonly contentLength?: 'auto' | 'omit' | string;
}

export interface RawResponse {
  /** Undefined when the connection closed (or timed out) without a final response. */
  readonly status: number | undefined;
  readonly head: string;
  readonly body: Buffer;
  readonly timedOut: boolean;
}

const CRLF = '\r\n';

/** The request's bytes; always with `Host` and `Connection: close`, so the server ends the exchange. */
export function encodeRequest(request: RawRequest): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`${request.method} `, 'latin1'),
    Buffer.from(request.target),
    Buffer.from(` HTTP/1.1${CRLF}Host: fuzz.local${CRLF}Connection: close${CRLF}`, 'latin1'),
  ];
  for (const [name, value] of request.headers) {
    parts.push(Buffer.from(`${name}: `, 'utf8'), Buffer.from(value), Buffer.from(CRLF, 'latin1'));
  }
  const body = request.body ?? new Uint8Array(0);
  const length = request.contentLength ?? 'auto';
  if (length === 'auto') parts.push(Buffer.from(`Content-Length: ${body.length}${CRLF}`, 'latin1'));
  else if (length !== 'omit') parts.push(Buffer.from(`Content-Length: ${length}${CRLF}`, 'latin1'));
  parts.push(Buffer.from(CRLF, 'latin1'), Buffer.from(body));
  return Buffer.concat(parts);
}

/** Size of the header section Node's parser counts against `maxHeaderSize` (request line included). */
export function headerSectionBytes(request: RawRequest): number {
  const bytes = encodeRequest({ ...request, body: new Uint8Array(0), contentLength: 'omit' });
  return bytes.length;
}

/**
 * Sends raw bytes on a fresh connection and reads the response. Waits `waitMs` for a response, then
 * half-closes (a server waiting for a body that will never come then sees the end of the stream) and
 * waits a little more before giving up.
 */
export function sendRaw(port: number, bytes: Uint8Array, waitMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    let timedOut = false;
    let timer: NodeJS.Timeout;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks), timedOut));
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    // EPIPE/ECONNRESET when the server answers and closes before the whole request is written.
    socket.on('error', () => {});
    socket.on('close', finish);
    timer = setTimeout(() => {
      socket.end();
      timer = setTimeout(() => {
        timedOut = true;
        finish();
      }, 2_000);
    }, waitMs);
    socket.write(bytes);
  });
}

/** Skips interim (1xx) responses; the final response's head and body. */
function finalResponse(all: Buffer): { head: string; body: Buffer } | undefined {
  let rest = all;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = rest.subarray(0, end).toString('latin1');
    rest = rest.subarray(end + 4);
    if (!/^HTTP\/1\.[01] 1\d\d/.test(head)) return { head, body: rest };
  }
}

function isComplete(all: Buffer): boolean {
  const response = finalResponse(all);
  if (response === undefined) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(response.head);
  return length !== null && response.body.length >= Number(length[1]);
}

function parseResponse(all: Buffer, timedOut: boolean): RawResponse {
  const response = finalResponse(all);
  if (response === undefined) return { status: undefined, head: '', body: Buffer.alloc(0), timedOut };
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(response.head);
  return {
    status: status === null ? undefined : Number(status[1]),
    head: response.head,
    body: response.body,
    timedOut,
  };
}

/** A short printable description of a request, for failure messages. */
export function describeRequest(request: RawRequest): string {
  const show = (v: HeaderValue) =>
    JSON.stringify(typeof v === 'string' ? v : Buffer.from(v).toString('latin1')).slice(0, 120);
  const headers = request.headers.map(([n, v]) => `${n}: ${show(v)}`).join(' | ');
  const body = request.body ?? new Uint8Array(0);
  return `${request.method} ${show(request.target)} [${headers}] CL=${request.contentLength ?? 'auto'} body=${body.length}B ${JSON.stringify(Buffer.from(body.subarray(0, 60)).toString('latin1'))}`;
}

// ---------------------------------------------------------------------------------------------
// The store

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/**
 * Watches the local stack's DynamoDB for changes made by refused requests, two ways:
 * - every write command the stack sends is counted, so a refused request that sent one is caught
 *   at once, and attributed exactly (requests run one at a time);
 * - both tables are compared byte for byte with the snapshot from before a batch of refused
 *   requests: before any request that might be accepted (and write), and every `batch` refusals.
 *
 * @example
 * const watch = new StoreWatch(stack.db.client);
 * const response = await watch.run(label, mayWrite, () => sendRaw(port, bytes));
 * await watch.flush();
 */
export class StoreWatch {
  private writes = 0;
  private known: string[] | undefined;
  private pending: string[] = [];
  /** Requests answered 200 that wrote, and refused requests checked byte for byte. */
  readonly stats = { accepted: 0, refused: 0, snapshots: 0 };

  constructor(
    private readonly client: DynamoDBClient,
    private readonly batch = 25,
  ) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (WRITE_COMMANDS.has(context.commandName ?? '')) this.writes++;
        return next(args);
      },
      { step: 'initialize', name: 'fuzzWriteCounter' },
    );
  }

  /** Both tables as comparable text (binary attributes as hex). */
  async tables(): Promise<string[]> {
    this.stats.snapshots++;
    const state = snapshot(await scanAll(this.client, STATE_TABLE));
    const results = snapshot(await scanAll(this.client, RESULTS_TABLE)).map((s) => `results ${s}`);
    return [...state, ...results];
  }

  /**
   * Runs one request. `mayWrite`: whether it could be accepted (a POST to an ingest route with a
   * key, if keys are required); pending refusals are compared before it, as it may change the store.
   */
  async run<T extends { readonly status: number | undefined }>(
    label: string,
    mayWrite: boolean,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      if (mayWrite) await this.flush();
      this.known ??= await this.tables();
      const before = this.writes;
      const response = await send();
      const wrote = this.writes - before;
      if (response.status === 200) {
        if (wrote > 0) {
          expect(mayWrite, `a request expected to be refused wrote: ${label}`).toBe(true);
          this.stats.accepted++;
          this.known = undefined;
        }
      } else {
        expect(wrote, `write commands from a request answered ${response.status}: ${label}`).toBe(0);
        this.stats.refused++;
        this.pending.push(`${response.status ?? 'no response'} ← ${label}`);
        if (this.pending.length >= this.batch) await this.flush();
      }
      return response;
    } catch (error) {
      this.known = undefined;
      this.pending = [];
      throw error;
    }
  }

  /** Compares the store with the snapshot from before the pending refused requests. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const labels = this.pending;
    this.pending = [];
    const before = this.known;
    this.known = undefined;
    if (before === undefined) return;
    const after = await this.tables();
    expect(after, `the store changed across these refused requests:\n${labels.join('\n')}`).toEqual(before);
    this.known = after;
  }
}

// ---------------------------------------------------------------------------------------------
// One exchange, checked

export interface ExchangeOptions {
  /** Could this request be accepted (and write)? Refusals before it are then compared first. */
  readonly mayWrite: boolean;
  /** Which property sent it (for the coverage checks: {@link EdgeFuzz.statuses}). */
  readonly property: string;
  readonly waitMs?: number;
  /** A closed connection without a response is fine (CONNECT, which the server does not handle). */
  readonly noResponseOk?: boolean;
}

/**
 * Sends fuzz cases to a local stack and checks the edge's promises for each: a documented status
 * (never 500), no run of the bridge's last resort, nothing written unless answered 200 (see
 * {@link StoreWatch}), and a healthy server afterwards.
 */
export class EdgeFuzz {
  readonly watch: StoreWatch;
  readonly port: number;
  private readonly seen = new Map<string, Set<number | undefined>>();

  constructor(
    stack: LocalStack,
    /** A spy on console.error, where the bridge's last resort logs `windrow local: request failed`. */
    private readonly consoleError: MockInstance<typeof console.error>,
    /** Headers for the health request (a key when the stack requires one). */
    private readonly healthHeaders: RawRequest['headers'] = [],
  ) {
    this.watch = new StoreWatch(stack.db.client);
    this.port = Number(new URL(stack.url).port);
  }

  /** The statuses a property has seen (to check that its generator reaches the branches it aims at). */
  statuses(property: string): Set<number | undefined> {
    return this.seen.get(property) ?? new Set();
  }

  async exchange(request: RawRequest, options: ExchangeOptions): Promise<RawResponse> {
    const label = describeRequest(request);
    this.takeLastResortCalls();
    const response = await this.watch.run(label, options.mayWrite, () =>
      sendRaw(this.port, encodeRequest(request), options.waitMs),
    );
    this.seen.set(options.property, this.statuses(options.property).add(response.status));
    expect(response.status, label).not.toBe(500);
    expect(this.takeLastResortCalls(), label).toEqual([]);
    if (response.status === undefined) {
      expect(options.noResponseOk === true && !response.timedOut, `no response: ${label}`).toBe(true);
    } else {
      const allowed = [...DOCUMENTED_STATUSES, ...parserStatuses(request)];
      expect(allowed, `status ${response.status}: ${label}`).toContain(response.status);
      // Error bodies are written by us: no stack trace, no exception dump.
      expect(response.body.toString('latin1'), label).not.toMatch(/\n\s+at |TypeError|ReferenceError/);
    }
    await this.expectHealthy(label);
    return response;
  }

  /** The server still answers, on a fresh connection. */
  async expectHealthy(after: string): Promise<void> {
    const request: RawRequest = { method: 'GET', target: '/v1/metrics', headers: this.healthHeaders };
    const health = await sendRaw(this.port, encodeRequest(request));
    expect(health.status, `health check after: ${after}`).toBe(200);
  }

  /** Calls of the bridge's last resort (it answers 500, or drops a connection) since the last take. */
  private takeLastResortCalls(): unknown[][] {
    const calls = this.consoleError.mock.calls.filter((args) => String(args[0]).startsWith('windrow local:'));
    this.consoleError.mockClear();
    return calls;
  }
}

/**
 * Statuses Node's HTTP parser answers before any of our code runs, when the request asks for them:
 * 431 for a header section over `maxHeaderSize`, 417 for an `Expect` other than `100-continue`
 * (RFC 9110 §10.1.1). Everything else must be one of {@link DOCUMENTED_STATUSES}.
 */
export function parserStatuses(request: RawRequest): number[] {
  const out: number[] = [];
  if (headerSectionBytes(request) > NODE_MAX_HEADER_BYTES - 256) out.push(431);
  const expects = request.headers.filter(([name]) => name.toLowerCase() === 'expect');
  if (expects.some(([, value]) => latin1(value).trim().toLowerCase() !== '100-continue')) out.push(417);
  return out;
}

/** A header value as Node reads it (bytes as Latin-1). */
export function latin1(value: HeaderValue): string {
  return typeof value === 'string'
    ? Buffer.from(value, 'utf8').toString('latin1')
    : Buffer.from(value).toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Mostly `likely`, sometimes `rest` (so plausible requests reach the deep branches, 200 included). */
export const often = <T>(likely: fc.Arbitrary<T>, rest: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: likely, weight }, { arbitrary: rest, weight: 1 });

export const FIXTURES = {
  pb: fixture('metrics.pb'),
  deltaPb: fixture('metrics-delta.pb'),
  json: fixture('metrics.json'),
  deltaJson: fixture('metrics-delta.json'),
  deltaPbGz: fixture('metrics-delta.pb.gz'),
  deltaJsonGz: fixture('metrics-delta.json.gz'),
} as const;

/** Metric names in the fixtures (so queries find data). */
export const FIXTURE_METRICS = [
  'http.server.requests',
  'queue.depth',
  'http.server.duration',
  'latency.exp',
  'cpu.temp',
  'mem.used',
] as const;

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly byte: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'repeat'; readonly at: number; readonly length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x0a, 0x22, 0x5c, 0x7b, 0x5b),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

export function mutate(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(base);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % bytes.length;
    switch (m.op) {
      case 'flip':
        bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
        break;
      case 'set':
        bytes[at] = m.byte;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
        break;
      case 'delete':
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.length));
        break;
      case 'repeat':
        bytes = concat(bytes.subarray(0, at + m.length), bytes.subarray(at));
        break;
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** JSON values that decoders tend to find awkward. */
const awkwardJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    '18446744073709551616',
    '-9223372036854775809',
    '1795633200000000000',
    'NaN',
    'Infinity',
    '-Infinity',
    '',
    '\u0000',
    '\ud800',
    '\udfff\ud800',
    'x'.repeat(5000),
    '\u202e\u0007',
    [],
    {},
    [null],
    { intValue: '1' },
    { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{}] } } }] } },
  ),
);

/** Every path into a parsed JSON value (object keys and array indexes), at most `limit`. */
function pathsOf(value: unknown, limit = 4_000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (out.length >= limit) return;
    out.push(path);
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, [...path, i]);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
    }
  };
  walk(value, []);
  return out;
}

type JsonEdit =
  | { readonly op: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly times: number };

const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: awkwardJson }),
    weight: 4,
  },
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), times: fc.integer({ min: 2, max: 50 }) }),
);

/** Applies structural edits to a copy of a JSON document: replace, delete or repeat one node. */
export function editJson(document: unknown, edits: readonly JsonEdit[]): unknown {
  let root = structuredClone(document);
  for (const edit of edits) {
    const paths = pathsOf(root);
    const path = paths[edit.at % paths.length] ?? [];
    if (path.length === 0) {
      if (edit.op === 'replace') root = edit.value;
      continue;
    }
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
    const key = path[path.length - 1] as string | number;
    const container = parent as Record<string | number, unknown>;
    if (edit.op === 'replace') container[key] = edit.value;
    else if (edit.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete container[key];
    } else {
      const item = container[key];
      if (Array.isArray(parent))
        parent.splice(Number(key), 0, ...Array.from({ length: edit.times }, () => item));
      else container[key] = Array.from({ length: edit.times }, () => item);
    }
  }
  return root;
}

const FIXTURE_JSON = [FIXTURES.json, FIXTURES.deltaJson].map((b) =>
  JSON.parse(Buffer.from(b).toString('utf8')),
);

/** A deeply nested (or unbalanced) JSON text. */
export const deepJsonArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1_000, max: 60_000 })),
    shape: fc.constantFrom('array', 'object', 'kvlist', 'points', 'unbalanced'),
  })
  .map(({ depth, shape }) => {
    switch (shape) {
      case 'array':
        return utf8(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      case 'object':
        return utf8(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      case 'kvlist': {
        // AnyValue nesting inside a resource attribute (the decoders refuse deeper than 32 levels).
        const d = Math.min(depth, 5_000);
        const open = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(d);
        const close = '}]}}'.repeat(d);
        return utf8(
          `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${open}{"stringValue":"x"}${close}}]}}]}`,
        );
      }
      case 'points': {
        const d = Math.min(depth, 5_000);
        return utf8(
          `{"points":[{"metric":"deep","timestamp":${FIXTURE_NOW_MS},"value":1,"attributes":{"a":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}}]}`,
        );
      }
      default:
        return utf8(`{"resourceMetrics":${'[{"a":'.repeat(depth)}`);
    }
  });

/** Names and units past DynamoDB's key limits once encoded: long, non-ASCII, lone surrogates. */
const longName: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 900, max: 3_000 }).map((n) => 'n'.repeat(n)),
  fc.integer({ min: 100, max: 800 }).map((n) => '\u4e2d'.repeat(n)),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 600 }),
  fc.constantFrom('\ud800', `a\udfffb${'c'.repeat(1_000)}`),
);

const timestampArb = fc.oneof(
  { arbitrary: fc.integer({ min: FIXTURE_NOW_MS - 120_000, max: FIXTURE_NOW_MS + 60_000 }), weight: 5 },
  fc.double({ noNaN: true }),
  fc.constantFrom(
    '2026-11-25T16:59:30Z',
    '2026-11-25T16:59:60.5+00:00',
    '2026-11-25T17:59:30.123456789-01:00',
    '2026-13-45T99:99:99Z',
    'yesterday',
    '',
    -1,
    0,
    1e21,
    null,
  ),
  fc.string({ maxLength: 30 }),
);

/** `/v1/points` bodies: mostly the right shape, with random fields. */
export const pointsJsonArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    points: fc.array(
      fc.record(
        {
          metric: fc.oneof(
            { arbitrary: fc.constantFrom('fuzz.points', 'cpu.temp', ''), weight: 3 },
            fc.string({ maxLength: 300 }),
            longName,
          ),
          timestamp: timestampArb,
          value: fc.oneof(
            { arbitrary: fc.double({ noNaN: true }), weight: 5 },
            fc.constantFrom('NaN', '1', null, true),
            awkwardJson,
          ),
          attributes: fc.oneof(
            {
              arbitrary: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), {
                maxKeys: 4,
              }),
              weight: 3,
            },
            fc.dictionary(fc.string({ maxLength: 20 }), awkwardJson, { maxKeys: 6 }),
            awkwardJson,
          ),
          resource: fc.oneof(
            fc.dictionary(fc.string({ maxLength: 20 }), awkwardJson, { maxKeys: 3 }),
            awkwardJson,
          ),
          unit: fc.oneof({ arbitrary: fc.string({ maxLength: 10 }), weight: 4 }, longName, awkwardJson),
        },
        { requiredKeys: ['metric', 'timestamp', 'value'] },
      ),
      { maxLength: 20 },
    ),
    extra: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), awkwardJson, { maxKeys: 2 }), {
      nil: undefined,
    }),
    top: fc.constantFrom('object', 'object', 'object', 'array', 'bare'),
  })
  .map(({ points, extra, top }) => {
    const body = top === 'object' ? { ...extra, points } : top === 'array' ? [{ points }] : points;
    return utf8(JSON.stringify(body));
  });

/** A body for an ingest route, with the media type and encoding it is meant for (which may be ignored). */
export interface GeneratedBody {
  readonly kind: string;
  readonly bytes: Uint8Array;
  /** The media type the body is in, when it has one. */
  readonly type?: 'application/x-protobuf' | 'application/json';
  readonly gzip?: boolean;
}

/** A body that prints short in fast-check's counterexamples (kind, size, first bytes). */
export function generated(
  kind: string,
  bytes: Uint8Array,
  type?: GeneratedBody['type'],
  gzipped?: boolean,
): GeneratedBody {
  return {
    kind,
    bytes,
    ...(type === undefined ? {} : { type }),
    ...(gzipped === undefined ? {} : { gzip: gzipped }),
    [fc.toStringMethod]: () =>
      `${kind} (${bytes.length} B: ${JSON.stringify(Buffer.from(bytes.subarray(0, 48)).toString('latin1'))}…)`,
  } as GeneratedBody;
}

export const bodyArb: fc.Arbitrary<GeneratedBody> = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => generated('random bytes', bytes)),
  fc
    .tuple(
      fc.constantFrom(FIXTURES.pb, FIXTURES.deltaPb),
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    )
    .map(([base, ms]) => generated('mutated protobuf', mutate(base, ms), 'application/x-protobuf')),
  fc
    .tuple(
      fc.constantFrom(FIXTURES.json, FIXTURES.deltaJson),
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    )
    .map(([base, ms]) => generated('mutated JSON text', mutate(base, ms), 'application/json')),
  fc
    .tuple(fc.constantFrom(...FIXTURE_JSON), fc.array(jsonEditArb, { minLength: 1, maxLength: 3 }))
    .map(([doc, edits]) =>
      generated('edited OTLP/JSON', utf8(JSON.stringify(editJson(doc, edits))), 'application/json'),
    ),
  pointsJsonArb.map((bytes) => generated('random points JSON', bytes, 'application/json')),
  deepJsonArb.map((bytes) => generated('deep JSON', bytes, 'application/json')),
  fc
    .tuple(
      fc.constantFrom(
        { bytes: FIXTURES.deltaPbGz, type: 'application/x-protobuf' as const },
        { bytes: FIXTURES.deltaJsonGz, type: 'application/json' as const },
      ),
      fc.nat(),
    )
    .map(([g, cut]) => generated('truncated gzip', g.bytes.subarray(0, cut % g.bytes.length), g.type, true)),
  fc
    .tuple(
      fc.constantFrom(
        { bytes: FIXTURES.pb, type: 'application/x-protobuf' as const },
        { bytes: FIXTURES.json, type: 'application/json' as const },
      ),
      fc.array(mutationArb, { maxLength: 3 }),
    )
    .map(([g, ms]) => generated('gzip, maybe mutated', mutate(gzip(g.bytes), ms), g.type, true)),
  fc
    .tuple(fc.constantFrom(FIXTURES.pb, FIXTURES.json), fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
    .map(([base, ms]) => generated('mutated then gzipped', gzip(mutate(base, ms)), undefined, true)),
  fc
    .integer({ min: 512 * 1024, max: 4 * 1024 * 1024 })
    .map((n) => generated('gzip bomb', gzip(new Uint8Array(n)), 'application/x-protobuf', true)),
  fc
    .integer({ min: 200 * 1024, max: 600 * 1024 })
    .map((n) => generated('large body', new Uint8Array(n).fill(0x20), 'application/json')),
  fc
    .string({ unit: 'binary', maxLength: 300 })
    .map((s) => generated('unicode text', utf8(s), 'application/json')),
);

/** Content-Type values: the accepted ones, with parameters and case, and garbage. */
export const contentTypeArb = (preferred: string | undefined): fc.Arbitrary<string> =>
  often(
    fc.constantFrom(
      ...(preferred === undefined ? [] : [preferred, `${preferred}; charset=utf-8`, preferred.toUpperCase()]),
      'application/json',
      'application/x-protobuf',
    ),
    fc.oneof(
      fc.constantFrom(
        '',
        'text/plain',
        'application/protobuf',
        'application/json, application/x-protobuf',
        ';',
        'application/json;;;',
        '*/*',
        'multipart/form-data; boundary=x',
        'application/x-protobuf; application/json',
        `application/json; ${'p=v; '.repeat(1_000)}`,
      ),
      fc.string({ maxLength: 60 }),
    ),
  );

/** Content-Encoding values: gzip and identity spellings, and unsupported ones. */
export const contentEncodingArb = (gzipped: boolean): fc.Arbitrary<string | undefined> =>
  often(
    gzipped
      ? fc.constantFrom('gzip', 'x-gzip', 'GZIP', ' gzip ', 'identity, gzip')
      : fc.constantFrom(undefined, 'identity', ''),
    fc.oneof(
      fc.constantFrom(
        undefined,
        'gzip',
        'br',
        'deflate',
        'gzip, gzip',
        'compress',
        'zstd',
        ',,,',
        'identity',
      ),
      fc.string({ maxLength: 30 }),
    ),
  );
