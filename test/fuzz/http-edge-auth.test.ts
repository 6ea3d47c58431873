/**
 * Fuzz tests at the HTTP edge with API keys required (`startLocalStack({ auth: true })`, as API
 * Gateway's Lambda authorizer does in AWS), over real HTTP on loopback. Besides the promises checked
 * for every request by {@link EdgeFuzz} (a documented status, never 500, a healthy server, nothing
 * written unless answered 200):
 * - the answer to an `Authorization` header is exactly what a simple model of the scheme says: 401
 *   without one (or blank), 200 only for `Bearer <a live key>` (any case, any spacing), else 403;
 * - without a valid key nothing is stored, whatever the body, headers, path or method;
 * - no path spelling reaches a data route without a key: a 200 without one is only ever the
 *   dashboard page or script.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createApiKey } from '#app/auth/manage-keys.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { FIXTURE_NOW_MS } from '../support/ingest-fakes.js';
import {
  bodyArb,
  contentEncodingArb,
  contentTypeArb,
  EdgeFuzz,
  encodeRequest,
  FIXTURES,
  type GeneratedBody,
  generated,
  type HeaderValue,
  latin1,
  parserStatuses,
  type RawRequest,
  sendRaw,
} from './http-fuzz-support.js';

const config = parseConfig({
  sink: 'dynamodb',
  limits: { maxBodyBytes: 256 * 1024, maxInflatedBytes: 1024 * 1024 },
});
const clock = { nowMs: () => FIXTURE_NOW_MS };

let stack: LocalStack;
let fuzz: EdgeFuzz;
let consoleError: MockInstance<typeof console.error>;
/** Live keys of two tenants, a revoked one. */
let acme = '';
let beta = '';
let revoked = '';

beforeAll(async () => {
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  stack = await startLocalStack({
    config,
    port: 0,
    quiet: true,
    clock,
    auth: true,
    dashboard: { html: '<!doctype html><title>fuzz</title>', js: '// fuzz' },
  });
  acme = (await createApiKey(stack.keys, 'acme', 'fuzz', FIXTURE_NOW_MS)).key;
  beta = (await createApiKey(stack.keys, 'beta', 'fuzz', FIXTURE_NOW_MS)).key;
  const old = await createApiKey(stack.keys, 'acme', 'old', FIXTURE_NOW_MS);
  revoked = old.key;
  await stack.keys.revoke('acme', old.record.keyId, FIXTURE_NOW_MS);
  fuzz = new EdgeFuzz(stack, consoleError, [['Authorization', `Bearer ${acme}`]]);
  // Something stored before, which no refused request may change.
  const seed = await sendRaw(
    fuzz.port,
    encodeRequest({
      method: 'POST',
      target: '/v1/metrics',
      headers: [
        ['Content-Type', 'application/x-protobuf'],
        ['Authorization', `Bearer ${acme}`],
      ],
      body: FIXTURES.pb,
    }),
  );
  expect(seed.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  consoleError?.mockRestore();
});

/** Any C0 control but HTAB, or DEL: Node's parser refuses a header value with one (400). */
const CONTROL = {
  test: (text: string) =>
    [...text].some((c) => {
      const code = c.codePointAt(0) ?? 0;
      return (code < 0x20 && code !== 0x09) || code === 0x7f;
    }),
};

/**
 * The model of the scheme, from the bytes of the first `Authorization` header (Node keeps the first
 * and drops repeats): blank is 401; `Bearer` (any case), whitespace, a live key and nothing else is
 * 200; anything else 403. Whitespace is what a Latin-1 header can hold of JavaScript's `\s`: space,
 * tab and the no-break space 0xA0 (which the authorizer's `trim()` and `\s` also take as such).
 */
function expectedAuthStatus(headers: RawRequest['headers']): number[] {
  // What Node's parser may answer first: 400 for a control character in any header value, 431 for
  // a header section over 16 KiB (two long Authorization headers), 417 for an odd Expect.
  const parser = headers.some(([, v]) => CONTROL.test(latin1(v))) ? [400] : [];
  parser.push(...parserStatuses({ method: 'POST', target: '/v1/metrics', headers }));
  return [...parser, authorizerStatus(headers)];
}

function authorizerStatus(headers: RawRequest['headers']): number {
  const first = headers.find(([name]) => name.toLowerCase() === 'authorization');
  if (first === undefined) return 401;
  const value = latin1(first[1]);
  const trimmed = value.replace(/^[ \t\u00a0]+|[ \t\u00a0]+$/g, '');
  if (trimmed === '') return 401;
  const parts = trimmed.split(/[ \t\u00a0]+/).filter((p) => p !== '');
  const live = [acme, beta];
  const valid = parts.length === 2 && parts[0]?.toLowerCase() === 'bearer' && live.includes(parts[1] ?? '');
  return valid ? 200 : 403;
}

/** Random keys and near misses of a live one: case flips, a character more or less, other alphabets. */
const keyArb = (): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom('acme', 'beta', 'revoked'), weight: 6 },
    fc.constantFrom(
      'acme-upper',
      'acme-lower',
      'acme-short',
      'acme-long',
      'acme-twice',
      'acme-prefix',
      'acme-std-b64',
      'acme-inner-space',
      'acme-nul',
      'unknown',
    ),
    fc.tuple(fc.constant('flip'), fc.nat()).map(([, i]) => `flip:${i}`),
    fc.string({ maxLength: 60 }).map((s) => `raw:${s}`),
    fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `raw:${s}`),
    fc.integer({ min: 1_000, max: 12_000 }).map((n) => `raw:${'k'.repeat(n)}`),
  );

function keyFor(spec: string): string {
  if (spec.startsWith('raw:')) return spec.slice(4);
  if (spec.startsWith('flip:')) {
    const i = 3 + (Number(spec.slice(5)) % (acme.length - 3));
    const c = acme[i] ?? 'a';
    const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    // A digit, `-` or `_` has no case: change it to another character of the alphabet.
    return acme.slice(0, i) + (flipped === c ? (c === 'A' ? 'B' : 'A') : flipped) + acme.slice(i + 1);
  }
  switch (spec) {
    case 'acme':
      return acme;
    case 'beta':
      return beta;
    case 'revoked':
      return revoked;
    case 'acme-upper':
      return acme.toUpperCase();
    case 'acme-lower':
      return acme.toLowerCase();
    case 'acme-short':
      return acme.slice(0, -1);
    case 'acme-long':
      return `${acme}A`;
    case 'acme-twice':
      return `${acme}${acme}`;
    case 'acme-prefix':
      return acme.slice(3);
    case 'acme-std-b64':
      return acme.replaceAll('-', '+').replaceAll('_', '/');
    case 'acme-inner-space':
      return `${acme.slice(0, 20)} ${acme.slice(20)}`;
    case 'acme-nul':
      return `${acme}\u0000`;
    default:
      return `wr_${'A'.repeat(43)}`;
  }
}

const authValueArb: fc.Arbitrary<HeaderValue> = fc.oneof(
  {
    arbitrary: fc
      .record({
        lead: fc.constantFrom('', '', ' ', '\t', '  '),
        scheme: fc.constantFrom(
          'Bearer',
          'Bearer',
          'bearer',
          'BEARER',
          'BeArEr',
          'Basic',
          'Token',
          '',
          'Bearer:',
          'Bearerr',
        ),
        sep: fc.constantFrom(' ', ' ', '  ', '\t', ' \t ', '', ',', ':', '\u00a0'),
        key: keyArb(),
        trail: fc.constantFrom('', '', ' ', '\t', '  ', ' x', ',', '\u00a0'),
        bytes: fc.constantFrom('utf8', 'utf8', 'latin1'),
      })
      .map(({ lead, scheme, sep, key, trail, bytes }) => {
        const text = `${lead}${scheme}${sep}${keyFor(key)}${trail}`;
        // As UTF-8 (what a client sends for non-ASCII) or as Latin-1 bytes (one byte a character).
        return bytes === 'latin1' ? new Uint8Array(Buffer.from(text, 'latin1')) : text;
      }),
    weight: 6,
  },
  fc.constantFrom(
    '',
    ' ',
    '\t',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Bearer null',
    'Bearer undefined',
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => (x === 0x0d || x === 0x0a ? 0x20 : x))),
);

const authHeadersArb: fc.Arbitrary<[string, HeaderValue][]> = fc.array(
  fc.tuple(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION'), authValueArb),
  { maxLength: 3 },
);

const DATA_BODIES = [
  generated('metrics.pb', FIXTURES.pb, 'application/x-protobuf'),
  generated('metrics.json', FIXTURES.json, 'application/json'),
  generated(
    'points',
    new TextEncoder().encode(
      `{"points":[{"metric":"auth.fuzz","timestamp":${FIXTURE_NOW_MS - 5_000},"value":2}]}`,
    ),
    'application/json',
  ),
];

describe('HTTP edge fuzz (auth on)', () => {
  it('Authorization values: 401 without, 200 only for Bearer + a live key, else 403; only 200s write', async () => {
    const caseArb = fc.record({ auth: authHeadersArb, body: fc.constantFrom(...DATA_BODIES) });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ auth, body }) => {
        const path = body.kind === 'points' ? '/v1/points' : '/v1/metrics';
        const headers: RawRequest['headers'] = [['Content-Type', body.type ?? ''], ...auth];
        const expected = expectedAuthStatus(headers);
        const request: RawRequest = { method: 'POST', target: path, headers, body: body.bytes };
        const response = await fuzz.exchange(request, { mayWrite: expected.includes(200), property: 'auth' });
        expect(
          expected,
          `expected ${expected} for ${JSON.stringify(auth.map(([, v]) => latin1(v).slice(0, 100)))}`,
        ).toContain(response.status);
      }),
      { numRuns: 200 },
    );
    await fuzz.watch.flush();
    for (const status of [200, 401, 403]) expect(fuzz.statuses('auth')).toContain(status);
  });

  it('any body, content type or encoding without a valid key: 401 or 403, nothing stored', async () => {
    const noKeyArb = fc.array(
      fc
        .tuple(fc.constant('Authorization'), authValueArb)
        .filter(([, v]) => !expectedAuthStatus([['Authorization', v]]).includes(200)),
      { maxLength: 2 },
    );
    const caseArb = bodyArb.chain((body: GeneratedBody) =>
      fc.record({
        body: fc.constant(body),
        path: fc.constantFrom('/v1/metrics', '/v1/points', '/v1/metrics/'),
        auth: noKeyArb,
        contentType: fc.option(contentTypeArb(body.type), { freq: 12, nil: undefined }),
        contentEncoding: contentEncodingArb(body.gzip === true),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, HeaderValue][] = [...c.auth];
        if (c.contentType !== undefined) headers.push(['Content-Type', c.contentType]);
        if (c.contentEncoding !== undefined) headers.push(['Content-Encoding', c.contentEncoding]);
        const request: RawRequest = { method: 'POST', target: c.path, headers, body: c.body.bytes };
        const response = await fuzz.exchange(request, { mayWrite: false, property: 'no key' });
        expect(expectedAuthStatus(headers)).toContain(response.status);
      }),
      { numRuns: 150 },
    );
    await fuzz.watch.flush();
    for (const status of [401, 403]) expect(fuzz.statuses('no key')).toContain(status);
  });

  it('paths, methods and queries without a valid key never reach data: 200 only for the dashboard', async () => {
    const targetArb = fc.oneof(
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom('', '', '', '/.', '/v1/..', '/%2e', '//', '/x/..', '/v1/metrics/..'),
            fc.constantFrom(
              '/',
              '/index.html',
              '/dashboard.js',
              '/dashboard.js/',
              '/%64ashboard.js',
              '/DASHBOARD.JS',
              '/v1/metrics',
              '/v1/points',
              '/v1/query',
              '/v1/query/',
              '/v1/metrics%2F',
              '/index.html/../v1/metrics',
              '/dashboard.js/../v1/query',
            ),
            fc.constantFrom(
              '',
              '',
              '?metric=cpu.temp',
              '?metric=cpu.temp&since=1h',
              '#',
              '?/dashboard.js',
              ';/dashboard.js',
            ),
          )
          .map(([a, b, c]) => a + b + c),
        weight: 5,
      },
      fc.constantFrom(
        '*',
        'http://fuzz.local/dashboard.js',
        'http://fuzz.local/v1/metrics',
        '//dashboard.js',
        'http://[::1/',
      ),
      fc.string({ maxLength: 30 }).map((s) => `/${s}`),
    );
    const caseArb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      target: targetArb,
      auth: fc.array(
        fc
          .tuple(fc.constant('Authorization'), authValueArb)
          .filter(([, v]) => !expectedAuthStatus([['Authorization', v]]).includes(200)),
        { maxLength: 1 },
      ),
      body: fc.option(fc.constantFrom(...DATA_BODIES), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, HeaderValue][] = [...c.auth];
        if (c.body !== undefined) headers.push(['Content-Type', c.body.type ?? '']);
        const request: RawRequest = {
          method: c.method,
          target: Buffer.from(c.target, 'utf8'),
          headers,
          ...(c.body === undefined ? {} : { body: c.body.bytes }),
        };
        const response = await fuzz.exchange(request, { mayWrite: false, property: 'no key paths' });
        if (response.status === 200) {
          // Only the open dashboard: the page or its script, never JSON from a data route.
          expect(['GET', 'HEAD'], c.target).toContain(c.method);
          expect(response.head, c.target).toMatch(/content-type: text\/(html|javascript)/i);
        }
      }),
      { numRuns: 150 },
    );
    await fuzz.watch.flush();
    for (const status of [200, 401, 403]) expect(fuzz.statuses('no key paths')).toContain(status);
  });

  it('with a valid key, random and mutated bodies: documented statuses, only 200s write', async () => {
    const caseArb = bodyArb.chain((body: GeneratedBody) =>
      fc.record({
        body: fc.constant(body),
        path: fc.constantFrom('/v1/metrics', '/v1/points'),
        key: fc.constantFrom(acme, beta),
        contentType: fc.option(contentTypeArb(body.type), { freq: 12, nil: undefined }),
        contentEncoding: contentEncodingArb(body.gzip === true),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: [string, HeaderValue][] = [['Authorization', `Bearer ${c.key}`]];
        if (c.contentType !== undefined) headers.push(['Content-Type', c.contentType]);
        if (c.contentEncoding !== undefined) headers.push(['Content-Encoding', c.contentEncoding]);
        const request: RawRequest = { method: 'POST', target: c.path, headers, body: c.body.bytes };
        const response = await fuzz.exchange(request, { mayWrite: true, property: 'keyed bodies' });
        expect([401, 403]).not.toContain(response.status);
      }),
      { numRuns: 100 },
    );
    await fuzz.watch.flush();
    for (const status of [200, 400, 415]) expect(fuzz.statuses('keyed bodies')).toContain(status);
  });
});
