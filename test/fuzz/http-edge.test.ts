/**
 * Fuzz tests at the HTTP edge, over real HTTP on loopback against the local stack (auth off; see
 * http-edge-auth.test.ts for keys): random and mutated bodies, lying and duplicated headers, garbage
 * query strings, paths and methods. For every request (DESIGN.md §11):
 * - the status is one of the documented ones, never 500 (plus what Node's parser answers before our
 *   code runs: 431 for a header section over 16 KiB, 417 for an odd `Expect`), and the bridge's last
 *   resort (`windrow local: request failed`) never runs;
 * - the server keeps answering (a health request after each case);
 * - a request answered anything but 200 sent no write to DynamoDB and left both tables byte for byte
 *   unchanged (see {@link StoreWatch}).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { FIXTURE_NOW_MS } from '../support/ingest-fakes.js';
import {
  bodyArb,
  contentEncodingArb,
  contentTypeArb,
  EdgeFuzz,
  type ExchangeOptions,
  encodeRequest,
  FIXTURE_METRICS,
  FIXTURES,
  type GeneratedBody,
  generated,
  gzip,
  often,
  pointsJsonArb,
  type RawRequest,
  type StoreWatch,
  sendRaw,
} from './http-fuzz-support.js';

const config = parseConfig({
  sink: 'dynamodb',
  sliding: [{ size: '5m', slide: '1m' }],
  sessions: [{ match: 'http.*', gap: '5m' }],
  // Small limits, so 413 (body and inflated) is cheap to reach.
  limits: { maxBodyBytes: 256 * 1024, maxInflatedBytes: 1024 * 1024 },
});
let nowMs = FIXTURE_NOW_MS;
const clock = { nowMs: () => nowMs };

let stack: LocalStack;
let port = 0;
let fuzz: EdgeFuzz;
let watch: StoreWatch;
let consoleError: MockInstance<typeof console.error>;

beforeAll(async () => {
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  stack = await startLocalStack({
    config,
    port: 0,
    quiet: true,
    clock,
    dashboard: { html: '<!doctype html><title>fuzz</title>', js: '// fuzz' },
  });
  fuzz = new EdgeFuzz(stack, consoleError);
  port = fuzz.port;
  watch = fuzz.watch;
  // Data to query, and that no refused request may touch: the fixtures, closed into results.
  for (const [body, type] of [
    [FIXTURES.pb, 'application/x-protobuf'],
    [FIXTURES.json, 'application/json'],
    [FIXTURES.deltaPb, 'application/x-protobuf'],
  ] as const) {
    const r = await sendRaw(port, encodeRequest(post('/v1/metrics', [['Content-Type', type]], body)));
    expect(r.status).toBe(200);
  }
  nowMs += 3 * 60_000;
  for (let i = 0; i < 3; i++) await stack.closer.tick();
});

afterAll(async () => {
  await stack?.stop();
  consoleError?.mockRestore();
});

function post(target: string, headers: RawRequest['headers'], body: Uint8Array): RawRequest {
  return { method: 'POST', target, headers, body };
}

const exchange = (request: RawRequest, options: ExchangeOptions) => fuzz.exchange(request, options);

const INGEST_ROUTES = ['/v1/metrics', '/v1/points'] as const;
const ONE_POINT = new TextEncoder().encode(
  `{"points":[{"metric":"h","timestamp":${FIXTURE_NOW_MS - 10_000},"value":1}]}`,
);

describe('HTTP edge fuzz (auth off)', () => {
  it('bodies: random, mutated, truncated gzip, bombs, deep JSON, random points — never a 500, nothing stored when refused', async () => {
    const caseArb = bodyArb.chain((body: GeneratedBody) =>
      fc.record({
        body: fc.constant(body),
        path: fc.constantFrom(...INGEST_ROUTES),
        contentType: fc.option(contentTypeArb(body.type), { freq: 12, nil: undefined }),
        contentEncoding: contentEncodingArb(body.gzip === true),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, string][] = [];
        if (c.contentType !== undefined) headers.push(['Content-Type', c.contentType]);
        if (c.contentEncoding !== undefined) headers.push(['Content-Encoding', c.contentEncoding]);
        await exchange(post(c.path, headers, c.body.bytes), { mayWrite: true, property: 'bodies' });
      }),
      { numRuns: 200 },
    );
    await watch.flush();
    for (const status of [200, 400, 413, 415]) expect(fuzz.statuses('bodies')).toContain(status);
  });

  it('headers: duplicated, oversized and odd Content-Type/Encoding, lying Content-Length, chunked, junk', async () => {
    const tokenChars = fc.constantFrom(
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&*+.^`|~',
    );
    const headerName = (name: string) =>
      fc.constantFrom(
        name,
        name.toLowerCase(),
        name.toUpperCase(),
        name.replace('-', '_'),
        ` ${name}`,
        `${name} `,
      );
    const valueArb = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.integer({ min: 4_000, max: 20_000 }).map((n) => 'v'.repeat(n)),
    );
    const caseArb = fc.record({
      path: fc.constantFrom(...INGEST_ROUTES),
      body: fc.constantFrom(
        generated('metrics.pb', FIXTURES.pb, 'application/x-protobuf', false),
        generated('metrics.json', FIXTURES.json, 'application/json', false),
        generated('metrics-delta.pb.gz', FIXTURES.deltaPbGz, 'application/x-protobuf', true),
        generated('points', ONE_POINT, 'application/json', false),
      ),
      contentTypes: fc.array(
        fc.tuple(headerName('Content-Type'), fc.oneof(contentTypeArb('application/json'), valueArb)),
        { maxLength: 3 },
      ),
      encodings: fc.array(
        fc.tuple(
          headerName('Content-Encoding'),
          fc.oneof(
            contentEncodingArb(false).map((v) => v ?? ''),
            valueArb,
          ),
        ),
        { maxLength: 2 },
      ),
      junk: fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'X-Tenant',
              'Expect',
              'Transfer-Encoding',
              'Host',
              'Authorization',
              'Content-Length',
              'Content-MD5',
              'Range',
            ),
            fc.array(tokenChars, { minLength: 1, maxLength: 30 }).map((cs) => cs.join('')),
          ),
          fc.oneof(fc.constantFrom('100-continue', 'chunked', 'acme', 'gzip, chunked', '0', '-1'), valueArb),
        ),
        { maxLength: 3 },
      ),
      length: fc.oneof(
        { arbitrary: fc.constant<'auto'>('auto'), weight: 4 },
        fc.constant<'omit'>('omit'),
        fc.constant<'chunked'>('chunked'),
        fc.integer({ min: -50, max: 50 }).map((d) => ({ delta: d })),
        fc.constantFrom('', 'abc', '-1', '1e3', ' 12', '99999999999999999999', '0x10', '12, 12', '+5', '١٢'),
      ),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, string | Uint8Array][] = [...c.contentTypes, ...c.encodings, ...c.junk];
        // Mostly a sensible first Content-Type/Encoding, so the lies come after something acceptable.
        if (c.contentTypes.length === 0) headers.unshift(['Content-Type', c.body.type ?? 'application/json']);
        if (c.body.gzip && c.encodings.length === 0) headers.unshift(['Content-Encoding', 'gzip']);
        let body = c.body.bytes;
        let contentLength: RawRequest['contentLength'] = 'auto';
        let waitMs: number | undefined;
        if (c.length === 'omit') contentLength = 'omit';
        else if (c.length === 'chunked') {
          contentLength = 'omit';
          headers.push(['Transfer-Encoding', 'chunked']);
          body = chunked(body);
        } else if (typeof c.length === 'object') {
          contentLength = String(body.length + c.length.delta);
          // A Content-Length longer than the body: the server waits for the rest until we half-close.
          if (c.length.delta > 0) waitMs = 150;
        } else if (c.length !== 'auto') contentLength = c.length;
        const request: RawRequest = { method: 'POST', target: c.path, headers, body, contentLength };
        await exchange(request, {
          mayWrite: true,
          property: 'headers',
          ...(waitMs === undefined ? {} : { waitMs }),
        });
      }),
      { numRuns: 150 },
    );
    await watch.flush();
    for (const status of [200, 400, 415]) expect(fuzz.statuses('headers')).toContain(status);
  });

  it('query parameters: random keys and values, percent garbage, repeats, unicode, control characters, huge values', async () => {
    const keyArb = fc.oneof(
      { arbitrary: fc.constantFrom('metric', 'tier', 'from', 'to', 'window', 'since'), weight: 6 },
      fc.string({ maxLength: 20 }).map((k) => `attr.${k}`),
      fc.string({ maxLength: 20 }).map((k) => `resource.${k}`),
      fc.constantFrom(
        'attr.',
        'resource.',
        '',
        'METRIC',
        'metric[]',
        'attr.host.name',
        'resource.service.name',
        '__proto__',
        'attr.__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 10 }),
    );
    const valueArb = fc.oneof(
      { arbitrary: fc.constantFrom(...FIXTURE_METRICS), weight: 3 },
      fc.constantFrom('auto', '1m', '1h', '1d', '5m/1m', 'session:5m', 'tumbling', 'sliding', 'session', ''),
      fc.constantFrom('15m', '1s', '0s', '400d', '401d', '999999d', '1x', '-1h', '9999999999s'),
      fc.integer({ min: FIXTURE_NOW_MS - 86_400_000, max: FIXTURE_NOW_MS + 86_400_000 }).map(String),
      fc.constantFrom(
        '0',
        '-1',
        '9999999999999',
        '10000000000000',
        '999999999999999',
        '1e12',
        '2026-11-25T16:00:00Z',
        '2026-11-25T16:00:00.123456789+01:00',
        '2026-02-30T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
        '2026-11-25T16:00:00+99:99',
      ),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer({ min: 256, max: 5_000 }).map((n) => 'x'.repeat(n)),
      fc.constantFrom('\u0000', '\u001f', '\u007f', 'a\nb', '\ufeff', '\u202e'),
    );
    const pieceArb = fc.oneof(
      { arbitrary: fc.tuple(keyArb, valueArb, fc.constantFrom('pct', 'pct', 'raw', 'plus')), weight: 8 },
      fc.constantFrom(
        '%',
        '%Z',
        '%E0%A4',
        '%%%',
        '%00',
        '%C0%80',
        '%ED%A0%80',
        '=',
        '==',
        'metric',
        '&',
        ';',
        '+',
        '%2B',
        '%26metric%3D',
      ),
    );
    const caseArb = fc.record({
      method: often(fc.constant('GET'), fc.constant('HEAD'), 5),
      path: fc.constantFrom(
        '/v1/query',
        '/v1/query',
        '/v1/query',
        '/v1/metrics',
        '/v1/query/',
        '/v1/metrics/',
      ),
      pieces: fc.array(pieceArb, { maxLength: 8 }),
      repeat: fc.array(fc.nat(), { maxLength: 3 }),
      separator: often(fc.constant('&'), fc.constantFrom(';', '&&', '&amp;', '?')),
      fragment: fc.option(fc.constantFrom('#', '#x', '#&metric=cpu.temp'), { freq: 8, nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const pairs = c.pieces.map((p) => (typeof p === 'string' ? p : queryPair(p[0], p[1], p[2])));
        for (const i of c.repeat) if (pairs.length > 0) pairs.push(pairs[i % pairs.length] ?? '');
        const query = pairs.join(c.separator);
        const target = Buffer.from(`${c.path}?${query}${c.fragment ?? ''}`, 'utf8');
        await exchange({ method: c.method, target, headers: [] }, { mayWrite: false, property: 'query' });
      }),
      { numRuns: 200 },
    );
    await watch.flush();
    for (const status of [200, 400]) expect(fuzz.statuses('query')).toContain(status);
  });

  it('paths and methods: random targets (absolute-form, //, dot segments, unicode, %-garbage) and methods', async () => {
    const methodArb = fc.oneof(
      { arbitrary: fc.constantFrom('GET', 'HEAD', 'POST'), weight: 4 },
      fc.constantFrom(
        'PUT',
        'DELETE',
        'PATCH',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
        'SEARCH',
        'MKCOL',
        'PURGE',
        'QUERY',
        'CONNECT',
      ),
      fc.constantFrom('get', 'Post', 'P0ST', 'GET GET', 'G\u00c9T'),
      fc.stringMatching(/^[A-Z]{1,10}$/),
    );
    const targetArb = fc.oneof(
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              '',
              '',
              '',
              '/',
              '//',
              '/./',
              '/../',
              '/%2e%2e/',
              '/v1/../',
              '///',
              '//fuzz.local',
              '//[',
              '//a:99999',
            ),
            fc.constantFrom(
              '/v1/metrics',
              '/v1/points',
              '/v1/query',
              '/',
              '/index.html',
              '/dashboard.js',
              '/v1',
              '/v2/metrics',
              '/v1/metrics/',
              '/V1/METRICS',
              '/v1/metrics%00',
              '/v1/metrics%2F',
              '/v1%2Fmetrics',
              'v1/points',
            ),
            fc.constantFrom('', '', '?', '?metric=cpu.temp', '#x', '/', ';x', '%', '%zz', '?%'),
          )
          .map(([a, b, c]) => a + b + c),
        weight: 4,
      },
      fc.constantFrom(
        '*',
        'http://fuzz.local/v1/metrics',
        'http://[::1]/v1/points',
        'http://[::1/v1/metrics',
        'https://x/v1/points',
        'http://u:p@x:1/v1/metrics?x=1',
        'http:/v1/metrics',
        'file:///etc/passwd',
        '/\u00e9\u4e2d',
        '/v1/metrics\u0000',
      ),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => `/${s}`),
      fc.integer({ min: 1_000, max: 12_000 }).map((n) => `/v1/${'a'.repeat(n)}`),
    );
    const caseArb = fc.record({
      method: methodArb,
      target: targetArb,
      body: fc.option(
        fc.constantFrom(
          generated('metrics.pb', FIXTURES.pb, 'application/x-protobuf'),
          generated('metrics.json', FIXTURES.json, 'application/json'),
        ),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, string][] = c.body === undefined ? [] : [['Content-Type', c.body.type ?? '']];
        const request: RawRequest = {
          method: c.method,
          target: Buffer.from(c.target, 'utf8'),
          headers,
          ...(c.body === undefined ? {} : { body: c.body.bytes }),
        };
        await exchange(request, {
          mayWrite: c.method === 'POST',
          noResponseOk: c.method === 'CONNECT',
          property: 'paths',
        });
      }),
      {
        numRuns: 200,
        // One case per status the end checks for, so it never depends on what the random cases hit
        // (a CI run once drew no 405).
        examples: [
          [{ method: 'PUT', target: '/v1/metrics', body: undefined }],
          [{ method: 'GET', target: '/v1/metrics', body: undefined }],
          [{ method: 'GET', target: '/v1/query', body: undefined }],
          [{ method: 'GET', target: '/no/such/path', body: undefined }],
        ],
      },
    );
    await watch.flush();
    for (const status of [200, 400, 404, 405]) expect(fuzz.statuses('paths')).toContain(status);
  });

  it('a body over the bridge cap (10 MB, chunked, no length) gets 413 and stores nothing', async () => {
    const body = chunked(new Uint8Array(10 * 1024 * 1024 + 1).fill(0x7b));
    const request: RawRequest = {
      method: 'POST',
      target: '/v1/metrics',
      headers: [
        ['Content-Type', 'application/json'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body,
      contentLength: 'omit',
    };
    const response = await exchange(request, { mayWrite: false, property: 'huge' });
    expect(response.status).toBe(413);
    await watch.flush();
  });

  it('huge declared Content-Length with a short body: no 500, nothing stored, still serving', async () => {
    for (const declared of ['10485761', '99999999999', '9007199254740993']) {
      const request = post('/v1/points', [['Content-Type', 'application/json']], FIXTURES.json);
      const response = await exchange(
        { ...request, contentLength: declared },
        { mayWrite: false, waitMs: 200, property: 'declared' },
      );
      expect([400, 413]).toContain(response.status);
    }
    await watch.flush();
  });

  it('random points JSON on /v1/points, often accepted: only 200s write', async () => {
    await fc.assert(
      fc.asyncProperty(pointsJsonArb, fc.boolean(), async (bytes, zipped) => {
        const headers: [string, string][] = [['Content-Type', 'application/json']];
        if (zipped) headers.push(['Content-Encoding', 'gzip']);
        await exchange(post('/v1/points', headers, zipped ? gzip(bytes) : bytes), {
          mayWrite: true,
          property: 'points',
        });
      }),
      { numRuns: 100 },
    );
    await watch.flush();
    expect(fuzz.statuses('points')).toContain(200);
  });
});

/** `k=v` with the key and value percent-encoded byte by byte (`pct`), as raw UTF-8 (`raw`), or form-style (`plus`). */
function queryPair(key: string, value: string, mode: string): string {
  const pct = (s: string) =>
    [...Buffer.from(s, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
  if (mode === 'raw') return `${key}=${value}`;
  if (mode === 'plus') return `${pct(key)}=${pct(value).replaceAll('%20', '+')}`;
  return `${pct(key)}=${pct(value)}`;
}

/** The body as one chunk and the last chunk (Transfer-Encoding: chunked). */
function chunked(body: Uint8Array): Uint8Array {
  if (body.length === 0) return new TextEncoder().encode('0\r\n\r\n');
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(`${body.length.toString(16)}\r\n`),
      Buffer.from(body),
      Buffer.from('\r\n0\r\n\r\n'),
    ]),
  );
}
