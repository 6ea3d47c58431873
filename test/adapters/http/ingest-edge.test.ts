/**
 * The ingest edge end to end without AWS: API Gateway v2 events in, responses out, with an ingest
 * that runs the real decoders so DecodeError and per-point rejections flow as in production.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleIngestEvent, type IngestEdgeOutcome, type IngestFn } from '#adapters/http/ingest-edge.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { IngestFormat } from '#app/ingest-types.js';
import { parseConfig, type RequestLimits } from '#core/config/config.js';
import { DecodeError } from '#core/errors.js';
import { PayloadTooLargeError } from '#core/otlp/payload-too-large-error.js';
import { decodeRpcStatus, type HttpEventOptions, httpEvent, responseBytes } from '../../support/apigw.js';
import { deflateZerosBomb, storedZstd, zstdFrame, zstdWindow } from '../../support/compression.js';
import { decodingIngest, FIXTURE_NOW_MS, fixture, ingestResult } from '../../support/ingest-fakes.js';

const LIMITS: RequestLimits = parseConfig({}).limits;
const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

async function serve(
  options: HttpEventOptions,
  ingest: IngestFn = decodingIngest(),
  limits: RequestLimits = LIMITS,
): Promise<IngestEdgeOutcome> {
  return handleIngestEvent(httpEvent(options), { ingest, limits }, 'req-42');
}

/** The status code and message of an error response, read in the format it claims. */
function errorOf(outcome: IngestEdgeOutcome): { format: IngestFormat; code?: number; message: string } {
  const r = outcome.response;
  const type = String(r.headers?.['content-type']);
  if (type === 'application/x-protobuf') {
    return { format: 'otlp-protobuf', ...decodeRpcStatus(responseBytes(r)) };
  }
  expect(type).toBe('application/json');
  const body = JSON.parse(r.body ?? '') as { code?: number; message?: string; error?: string };
  if (body.error !== undefined) return { format: 'points', message: body.error };
  return { format: 'otlp-json', code: body.code, message: body.message ?? '' };
}

const gz = (bytes: Uint8Array | string): Uint8Array => new Uint8Array(gzipSync(bytes));
const zz = (bytes: Uint8Array | string): Uint8Array => new Uint8Array(deflateSync(bytes));
const pb = fixture('metrics.pb');
/** zstd bodies made by the zstd CLI (test/fixtures/zstd/README.md). */
const zst = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/zstd/${name}`, import.meta.url))));
/** A shared fixture body; `zstd/<name>` is a zstd fixture, `deflate/<name>` a shared one deflated. */
function body(file: string): Uint8Array {
  if (file.startsWith('zstd/')) return zst(file.slice('zstd/'.length));
  if (file.startsWith('deflate/')) return zz(fixture(file.slice('deflate/'.length)));
  return fixture(file);
}

interface BadInput {
  readonly name: string;
  readonly event: HttpEventOptions;
  readonly status: number;
  readonly code?: number;
  readonly message: RegExp;
  readonly format: IngestFormat;
  readonly limits?: Partial<RequestLimits>;
}

const BAD_INPUTS: BadInput[] = [
  {
    name: 'truncated protobuf',
    event: { headers: PB, body: pb.subarray(0, 700) },
    status: 400,
    code: 3,
    message: /^protobuf: length \d+ at byte \d+ overruns its enclosing message$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'protobuf of random bytes',
    event: {
      headers: PB,
      body: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    },
    status: 400,
    code: 3,
    message: /^protobuf: /,
    format: 'otlp-protobuf',
  },
  {
    name: 'wrong content type (text/plain) on /v1/metrics',
    event: { headers: { 'content-type': 'text/plain' }, body: pb },
    status: 415,
    code: 3,
    message:
      /^Content-Type "text\/plain" on \/v1\/metrics; use application\/x-protobuf or application\/json$/,
    format: 'otlp-json',
  },
  {
    name: 'no content type',
    event: { body: pb },
    status: 415,
    code: 3,
    message: /^no Content-Type on \/v1\/metrics/,
    format: 'otlp-json',
  },
  {
    name: 'protobuf on /v1/points',
    event: { path: '/v1/points', headers: PB, body: pb },
    status: 415,
    message: /^Content-Type "application\/x-protobuf" on \/v1\/points; use application\/json$/,
    format: 'points',
  },
  {
    name: 'unknown content encoding (br)',
    event: { headers: { ...PB, 'content-encoding': 'br' }, body: pb },
    status: 415,
    code: 3,
    message: /^Content-Encoding "br" is not supported; use gzip, zstd, deflate or identity$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'gzip applied twice',
    event: { headers: { ...PB, 'content-encoding': 'gzip, gzip' }, body: gz(gz(pb)) },
    status: 415,
    code: 3,
    message: /^Content-Encoding "gzip, gzip" is not supported/,
    format: 'otlp-protobuf',
  },
  {
    name: 'invalid gzip (plain body labelled gzip)',
    event: { headers: { ...PB, 'content-encoding': 'gzip' }, body: pb },
    status: 400,
    code: 3,
    message: /^gzip: invalid body \(incorrect header check\)$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'truncated gzip',
    event: {
      headers: { ...JSON_CT, 'content-encoding': 'gzip' },
      body: fixture('metrics-delta.json.gz').subarray(0, 500),
    },
    status: 400,
    code: 3,
    message: /^gzip: invalid body \(unexpected end of file\)$/,
    format: 'otlp-json',
  },
  {
    name: 'gzip body of zero bytes',
    event: { headers: { ...PB, 'content-encoding': 'gzip' }, body: new Uint8Array(0) },
    status: 400,
    code: 3,
    message: /^gzip: invalid body/,
    format: 'otlp-protobuf',
  },
  {
    name: 'zstd then gzip',
    event: { headers: { ...PB, 'content-encoding': 'zstd, gzip' }, body: gz(storedZstd(pb)) },
    status: 415,
    code: 3,
    message: /^Content-Encoding "zstd, gzip" is not supported/,
    format: 'otlp-protobuf',
  },
  {
    name: 'invalid zstd (gzip body labelled zstd)',
    event: { headers: { ...PB, 'content-encoding': 'zstd' }, body: gz(pb) },
    status: 400,
    code: 3,
    message: /^zstd: invalid body \(no zstd frame at byte 0\)$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'truncated zstd',
    event: {
      headers: { ...JSON_CT, 'content-encoding': 'zstd' },
      body: zst('metrics-delta.json.zst').subarray(0, 500),
    },
    status: 400,
    code: 3,
    message: /^zstd: invalid body \(truncated at byte 500\)$/,
    format: 'otlp-json',
  },
  {
    name: 'zstd body of zero bytes',
    event: { headers: { ...PB, 'content-encoding': 'zstd' }, body: new Uint8Array(0) },
    status: 400,
    code: 3,
    message: /^zstd: invalid body \(empty\)$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'zstd frame asking for a 1 GiB window',
    event: {
      headers: { ...PB, 'content-encoding': 'zstd' },
      body: zstdFrame({ windowDescriptor: zstdWindow(30), blocks: [{ type: 'raw', bytes: pb }] }),
    },
    status: 413,
    code: 3,
    message: /^zstd frame needs a 1073741824-byte window; the limit is 33554432 bytes$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'invalid deflate (raw deflate, no zlib header)',
    event: { headers: { ...PB, 'content-encoding': 'deflate' }, body: new Uint8Array(deflateRawSync(pb)) },
    status: 400,
    code: 3,
    message: /^deflate: invalid body \(not the zlib format of RFC 1950; raw deflate is not accepted\)$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'truncated deflate',
    event: {
      headers: { ...JSON_CT, 'content-encoding': 'deflate' },
      body: zz(fixture('metrics-delta.json')).subarray(0, 500),
    },
    status: 400,
    code: 3,
    message: /^deflate: invalid body \(unexpected end of file\)$/,
    format: 'otlp-json',
  },
  {
    name: 'gzip inflating past a (small) limit',
    event: { headers: { ...PB, 'content-encoding': 'gzip' }, body: gz(new Uint8Array(5000)) },
    limits: { maxInflatedBytes: 4096 },
    status: 413,
    code: 3,
    message: /^gzip body inflates to more than 4096 bytes$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'zstd inflating past a (small) limit',
    event: { headers: { ...PB, 'content-encoding': 'zstd' }, body: storedZstd(new Uint8Array(5000)) },
    limits: { maxInflatedBytes: 4096 },
    status: 413,
    code: 3,
    message: /^zstd body inflates to more than 4096 bytes$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'deflate inflating past a (small) limit',
    event: { headers: { ...PB, 'content-encoding': 'deflate' }, body: zz(new Uint8Array(5000)) },
    limits: { maxInflatedBytes: 4096 },
    status: 413,
    code: 3,
    message: /^deflate body inflates to more than 4096 bytes$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'invalid JSON',
    event: { headers: JSON_CT, body: '{"resourceMetrics":[' },
    status: 400,
    code: 3,
    message: /^OTLP\/JSON: body is not valid JSON \(.+\)$/,
    format: 'otlp-json',
  },
  {
    name: 'wrong JSON type for resourceMetrics',
    event: { headers: JSON_CT, body: '{"resourceMetrics":5}' },
    status: 400,
    code: 3,
    message: /^OTLP\/JSON: resourceMetrics must be an array$/,
    format: 'otlp-json',
  },
  {
    name: 'a JSON array body',
    event: { headers: JSON_CT, body: '[]' },
    status: 400,
    code: 3,
    message: /^OTLP\/JSON: the body must be a JSON object$/,
    format: 'otlp-json',
  },
  {
    name: 'JSON null',
    event: { headers: JSON_CT, body: 'null' },
    status: 400,
    code: 3,
    message: /^OTLP\/JSON: the body must be a JSON object$/,
    format: 'otlp-json',
  },
  {
    name: 'JSON that is not UTF-8',
    event: { headers: JSON_CT, body: new Uint8Array([0x7b, 0xff, 0x7d]) },
    status: 400,
    code: 3,
    message: /^OTLP\/JSON: body is not valid UTF-8$/,
    format: 'otlp-json',
  },
  {
    name: 'an empty OTLP/JSON body',
    event: { headers: JSON_CT, body: '' },
    status: 400,
    code: 3,
    message: /^empty body: expected a JSON object$/,
    format: 'otlp-json',
  },
  {
    name: 'an OTLP/JSON body that gunzips to nothing',
    event: { headers: { ...JSON_CT, 'content-encoding': 'gzip' }, body: gz('') },
    status: 400,
    code: 3,
    message: /^empty body: expected a JSON object$/,
    format: 'otlp-json',
  },
  {
    name: 'an empty points body',
    event: { path: '/v1/points', headers: JSON_CT },
    status: 400,
    message: /^empty body: expected a JSON object$/,
    format: 'points',
  },
  {
    name: 'points of the wrong JSON type',
    event: { path: '/v1/points', headers: JSON_CT, body: '{"points":"x"}' },
    status: 400,
    message: /^points: the body must be an object with a "points" array$/,
    format: 'points',
  },
  {
    name: 'a 7 MB protobuf body (base64)',
    event: { headers: PB, body: new Uint8Array(7 * 1024 * 1024) },
    status: 413,
    code: 3,
    message: /^body is 7340032 bytes; the limit is 6291456 bytes$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'a 7 MB JSON body (text)',
    event: { headers: JSON_CT, body: `{"resourceMetrics":[],"pad":"${'x'.repeat(7 * 1024 * 1024)}"}` },
    status: 413,
    code: 3,
    message: /^body is \d+ bytes; the limit is 6291456 bytes$/,
    format: 'otlp-json',
  },
  {
    name: 'GET on /v1/metrics',
    event: { method: 'GET', headers: PB },
    status: 405,
    code: 12,
    message: /^method "GET" is not allowed on \/v1\/metrics; use POST$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'PUT on /v1/points',
    event: { method: 'PUT', path: '/v1/points', headers: JSON_CT, body: '{}' },
    status: 405,
    message: /^method "PUT" is not allowed on \/v1\/points; use POST$/,
    format: 'points',
  },
  {
    name: 'an unknown path',
    event: { path: '/v1/traces', headers: PB, body: pb },
    status: 404,
    message: /^no such route: "\/v1\/traces"$/,
    format: 'points',
  },
  {
    name: 'a body flagged base64 that is not base64',
    event: { headers: PB, body: '@@@@not base64!', base64: true },
    status: 400,
    code: 3,
    message: /^body is not valid base64 \(isBase64Encoded is true\)$/,
    format: 'otlp-protobuf',
  },
  {
    name: 'a base64 body of impossible length',
    event: { headers: PB, body: 'QUJDR', base64: true },
    status: 400,
    code: 3,
    message: /^body is not valid base64/,
    format: 'otlp-protobuf',
  },
  {
    name: 'an authorizer tenant with a key separator',
    event: { headers: PB, body: pb, tenant: 'a#b' },
    status: 403,
    code: 7,
    message: /^the authorizer gave no valid tenant/,
    format: 'otlp-protobuf',
  },
  {
    name: 'an authorizer context without a tenant',
    event: { headers: PB, body: pb, authorizer: { jwt: { claims: {} } } },
    status: 403,
    code: 7,
    message: /^the authorizer gave no valid tenant/,
    format: 'otlp-protobuf',
  },
];

describe('Function: handleIngestEvent', () => {
  describe('bad inputs get the documented status and message, never a 500', () => {
    it('has at least 20 of them', () => expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(20));

    it.each(BAD_INPUTS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const ingest = decodingIngest();
      const outcome = await serve(c.event, ingest, { ...LIMITS, ...c.limits });
      expect(outcome.kind).toBe('refused');
      expect(outcome.response.statusCode).toBe(c.status);
      const error = errorOf(outcome);
      expect(error.format).toBe(c.format);
      expect(error.message).toMatch(c.message);
      if (c.code !== undefined) expect(error.code).toBe(c.code);
      // Refused at the edge, the use case is never called; decoder errors come from inside it.
      const fromDecoder = /^(OTLP\/JSON|protobuf|points):/.test(error.message);
      expect(ingest.calls.length).toBe(fromDecoder ? 1 : 0);
    });
  });

  it('refuses a gzip bomb (100 MB of zeros) with 413 without inflating it all', async () => {
    const bomb = gz(new Uint8Array(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const ingest = decodingIngest();
    const started = performance.now();
    const outcome = await serve({ headers: { ...PB, 'Content-Encoding': 'gzip' }, body: bomb }, ingest);
    const elapsedMs = performance.now() - started;
    expect(outcome.response.statusCode).toBe(413);
    expect(errorOf(outcome).message).toBe(`gzip body inflates to more than ${LIMITS.maxInflatedBytes} bytes`);
    expect(ingest.calls).toEqual([]);
    // Inflating stops at the 32 MB limit (measured ~30 ms); the bound is loose for shared machines.
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it.each([
    ['zstd', 'zeros-1gib.zst: 1 GiB of zeros in 33 KB, by the zstd CLI', () => zst('zeros-1gib.zst')],
    ['deflate', '1 GiB of zeros in 1 MB', () => deflateZerosBomb(1024)],
  ])('refuses a %s bomb (%s) with 413 without inflating it all', async (coding, _, make) => {
    const bomb = make();
    const ingest = decodingIngest();
    const peakBefore = process.resourceUsage().maxRSS;
    const started = performance.now();
    const outcome = await serve({ headers: { ...PB, 'Content-Encoding': coding }, body: bomb }, ingest);
    const elapsedMs = performance.now() - started;
    const peakGrowthMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    expect(outcome.response.statusCode).toBe(413);
    expect(errorOf(outcome).message).toBe(
      `${coding} body inflates to more than ${LIMITS.maxInflatedBytes} bytes`,
    );
    expect(ingest.calls).toEqual([]);
    // Inflating stops at the 32 MiB limit: far below the 1 GiB the bomb holds.
    expect(peakGrowthMiB).toBeLessThan(200);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('sends 405 with an Allow header', async () => {
    const outcome = await serve({ method: 'DELETE', headers: JSON_CT });
    expect(outcome.response.headers?.allow).toBe('POST');
  });

  describe('valid bodies', () => {
    it.each([
      ['metrics.pb', PB, undefined, 'otlp-protobuf'],
      ['metrics-delta.pb.gz', PB, 'gzip', 'otlp-protobuf'],
      ['metrics-envgzip.pb.gz', PB, 'x-gzip', 'otlp-protobuf'],
      ['metrics.json', JSON_CT, undefined, 'otlp-json'],
      ['metrics-delta.json.gz', { 'content-type': 'application/json; charset=utf-8' }, 'gzip', 'otlp-json'],
      ['zstd/metrics-delta.pb.zst', PB, 'zstd', 'otlp-protobuf'],
      ['zstd/metrics-delta.json.zst', JSON_CT, 'ZSTD', 'otlp-json'],
      ['zstd/metrics.pb.frames.zst', PB, 'zstd', 'otlp-protobuf'],
      ['deflate/metrics-delta.pb', PB, 'deflate', 'otlp-protobuf'],
      ['deflate/metrics.json', JSON_CT, 'Deflate', 'otlp-json'],
    ] as const)('%s is accepted in full', async (file, headers, encoding, format) => {
      const ingest = decodingIngest();
      const event = {
        headers: { ...headers, ...(encoding ? { 'content-encoding': encoding } : {}) },
        body: body(file),
      };
      const outcome = await serve(event, ingest);
      expect(outcome.kind).toBe('ingested');
      expect(outcome.response.statusCode).toBe(200);
      if (outcome.kind !== 'ingested') return;
      expect(outcome.result.accepted).toBeGreaterThan(10);
      expect(outcome.result.rejected).toBe(0);
      expect(ingest.calls[0]?.format).toBe(format);
      expect(outcome.wireBytes).toBe(body(file).length);
      if (format === 'otlp-protobuf') {
        expect(outcome.response.headers?.['content-type']).toBe('application/x-protobuf');
        expect(responseBytes(outcome.response)).toEqual(new Uint8Array(0));
      } else {
        expect(outcome.response.headers?.['content-type']).toBe('application/json');
        expect(outcome.response.body).toBe('{}');
      }
    });

    it('takes headers in any case and media-type parameters', async () => {
      const outcome = await serve({
        headers: {
          'CoNtEnT-TyPe': 'Application/X-Protobuf; proto=opentelemetry',
          'CONTENT-ENCODING': 'GZIP',
        },
        body: fixture('metrics-delta.pb.gz'),
      });
      expect(outcome.response.statusCode).toBe(200);
    });

    it('answers an empty protobuf body (an empty export) with 200 and nothing accepted', async () => {
      for (const body of [undefined, new Uint8Array(0), gz(new Uint8Array(0))]) {
        const gzip = body !== undefined && body.length > 0;
        const outcome = await serve({
          headers: { ...PB, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
          body,
        });
        expect(outcome.response.statusCode).toBe(200);
        expect(outcome.kind === 'ingested' && outcome.result.accepted).toBe(0);
      }
    });

    it('takes a JSON body sent as text (not base64), a named stage and a trailing slash', async () => {
      const text = Buffer.from(fixture('metrics.json')).toString('utf8');
      const outcome = await serve({ path: '/v1/metrics/', stage: 'prod', headers: JSON_CT, body: text });
      expect(outcome.response.statusCode).toBe(200);
    });

    it('uses the authorizer tenant, and "default" with no authorizer', async () => {
      const ingest = decodingIngest();
      await serve({ headers: PB, body: pb, tenant: 'acme-prod' }, ingest);
      await serve({ headers: PB, body: pb }, ingest);
      expect(ingest.calls.map((c) => c.tenant)).toEqual(['acme-prod', 'default']);
    });

    it('answers /v1/points with counts', async () => {
      const body = JSON.stringify({
        points: [
          { metric: 'cpu.temp', timestamp: FIXTURE_NOW_MS - 1000, value: 41.5 },
          { metric: 'cpu.temp', timestamp: FIXTURE_NOW_MS - 500, value: 42 },
        ],
      });
      const outcome = await serve({ path: '/v1/points', headers: JSON_CT, body });
      expect(outcome.response.statusCode).toBe(200);
      expect(JSON.parse(outcome.response.body ?? '')).toEqual({
        accepted: 2,
        rejected: 0,
        reasons: {},
        errors: [],
      });
    });
  });

  describe('partial success', () => {
    const nanos = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();
    const gauge = (values: (number | string)[]): string =>
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'x',
                    gauge: {
                      dataPoints: values.map((v) => ({
                        timeUnixNano: nanos(FIXTURE_NOW_MS - 1000),
                        asDouble: v,
                      })),
                    },
                  },
                ],
              },
            ],
          },
        ],
      });

    it('OTLP/JSON: 200 with partialSuccess, the count as an int64 string', async () => {
      const outcome = await serve({ headers: JSON_CT, body: gauge([1, 'NaN', 2, 'Infinity']) });
      expect(outcome.response.statusCode).toBe(200);
      const body = JSON.parse(outcome.response.body ?? '') as {
        partialSuccess: { rejectedDataPoints: string; errorMessage: string };
      };
      expect(body.partialSuccess.rejectedDataPoints).toBe('2');
      expect(body.partialSuccess.errorMessage).toMatch(
        /^2 points rejected: 2 non_finite_value; .*value is NaN; .*value is Infinity$/,
      );
    });

    it('OTLP/protobuf: 200 with partial_success the exporter reads', async () => {
      const rejections = {
        total: 3,
        byReason: { non_finite_value: 2, too_far_in_future: 1 },
        messages: ['metric "x" point 0: value is NaN'],
      };
      const ingest: IngestFn = async () => ingestResult({ accepted: 5, rejected: 3, rejections });
      const outcome = await serve({ headers: PB, body: pb }, ingest);
      expect(outcome.response.statusCode).toBe(200);
      expect(ProtobufMetricsSerializer.deserializeResponse(responseBytes(outcome.response))).toEqual({
        partialSuccess: {
          rejectedDataPoints: 3,
          errorMessage:
            '3 points rejected: 2 non_finite_value, 1 too_far_in_future; metric "x" point 0: value is NaN; …',
        },
      });
    });

    it('a request with every point rejected is still a 200 (OTLP: nothing to retry)', async () => {
      const outcome = await serve({ headers: JSON_CT, body: gauge(['NaN']) });
      expect(outcome.response.statusCode).toBe(200);
      expect(outcome.response.body).toContain('"rejectedDataPoints":"1"');
    });

    it('/v1/points: accepted, rejected and the messages', async () => {
      const body = JSON.stringify({
        points: [
          { metric: 'a', timestamp: FIXTURE_NOW_MS - 1000, value: 1 },
          { metric: 'b', timestamp: FIXTURE_NOW_MS + 3_600_000, value: 1 },
          { metric: 'c', timestamp: FIXTURE_NOW_MS, value: 'x' },
        ],
      });
      const outcome = await serve({ path: '/v1/points', headers: JSON_CT, body });
      const parsed = JSON.parse(outcome.response.body ?? '') as {
        accepted: number;
        rejected: number;
        errors: string[];
      };
      expect(parsed.accepted).toBe(1);
      expect(parsed.rejected).toBe(2);
      expect(parsed.errors).toHaveLength(2);
      expect(parsed.errors[0]).toMatch(/^points\[1\] \("b"\): time .* is more than/);
    });
  });

  describe('errors from the use case', () => {
    it('StoreUnavailableError → 503 + Retry-After, code 14 UNAVAILABLE, in the request encoding', async () => {
      const ingest: IngestFn = async () => {
        throw new StoreUnavailableError('ProvisionedThroughputExceeded on table windrow-state', 6.2);
      };
      const outcome = await serve({ headers: PB, body: pb }, ingest);
      expect(outcome.response.statusCode).toBe(503);
      expect(outcome.response.headers?.['retry-after']).toBe('7');
      expect(errorOf(outcome)).toEqual({
        format: 'otlp-protobuf',
        code: 14,
        message: 'the store is busy; retry later',
      });
      const json = await serve({ path: '/v1/points', headers: JSON_CT, body: '{"points":[]}' }, ingest);
      expect(json.response.statusCode).toBe(503);
      expect(JSON.parse(json.response.body ?? '')).toEqual({ error: 'the store is busy; retry later' });
    });

    it('an unexpected Error → 500 with a generic message, no stack, no error text', async () => {
      const secret = new Error('boom at /var/task/index.js:1 table=windrow-state');
      for (const thrown of [secret, 'a string', { toString: () => 'object' }, undefined]) {
        const outcome = await serve({ headers: JSON_CT, body: '{}' }, async () => {
          throw thrown;
        });
        expect(outcome.kind).toBe('failed');
        expect(outcome.response.statusCode).toBe(500);
        expect(JSON.parse(outcome.response.body ?? '')).toEqual({
          code: 13,
          message: 'internal error (request req-42)',
        });
        expect(outcome.kind === 'failed' && outcome.error).toBe(thrown);
      }
    });

    it('a DecodeError → 400 with its message, bounded to 1 KB', async () => {
      const outcome = await serve({ headers: PB, body: pb }, async () => {
        throw new DecodeError(`protobuf: ${'é'.repeat(5000)}`);
      });
      expect(outcome.response.statusCode).toBe(400);
      const { message } = errorOf(outcome);
      expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
      expect(message.endsWith('…')).toBe(true);
    });

    it('a PayloadTooLargeError → 413', async () => {
      const outcome = await serve({ headers: PB, body: pb }, async () => {
        throw new PayloadTooLargeError('more than 100000 points', 100_000);
      });
      expect(outcome.response.statusCode).toBe(413);
      expect(errorOf(outcome).message).toBe('more than 100000 points');
    });
  });

  it('never answers 500 and never throws, whatever the event (fuzz)', async () => {
    const headerName = (name: string) =>
      fc.constantFrom(
        name,
        name.toUpperCase(),
        name.replace(/^./, (c) => c.toUpperCase()),
      );
    // Mostly plausible requests (so every branch, 200 included, is reached), with garbage mixed in.
    const often = <T>(likely: fc.Arbitrary<T>, rest: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: likely, weight: 4 }, { arbitrary: rest, weight: 1 });
    const eventArb = fc.record({
      method: often(fc.constantFrom('POST', 'post'), fc.constantFrom('GET', 'PUT', 'OPTIONS', '')),
      path: often(
        fc.constantFrom('/v1/metrics', '/v1/points', '/v1/metrics/'),
        fc.constantFrom('/', '', '/v1/logs', '/%00'),
      ),
      contentType: fc.tuple(
        headerName('content-type'),
        often(
          fc.constantFrom('application/json', 'application/x-protobuf', 'application/json; charset=utf-8'),
          fc.oneof(fc.constantFrom('text/plain', ''), fc.string({ maxLength: 40 })),
        ),
      ),
      contentEncoding: fc.option(
        fc.tuple(
          headerName('content-encoding'),
          fc.oneof(
            fc.constantFrom('gzip', 'x-gzip', 'zstd', 'deflate', 'identity', 'br', ''),
            fc.string({ maxLength: 20 }),
          ),
        ),
        { freq: 2 },
      ),
      body: fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        fc.constantFrom(
          pb,
          pb.subarray(0, 333),
          gz(pb).subarray(0, 200),
          gz(pb),
          zst('metrics-delta.pb.zst'),
          zst('metrics-delta.pb.zst').subarray(0, 200),
          zz(pb),
          fixture('metrics.json'),
          '{"resourceMetrics":[{}]}',
          '{"points":[{}]}',
          '{"points":[]}',
        ),
      ),
      base64: often(fc.constant(true), fc.constant(false)),
      tenant: fc.option(fc.oneof(fc.constantFrom('acme', 'default', ''), fc.string({ maxLength: 70 })), {
        freq: 4,
      }),
    });
    const seen = new Set<number | undefined>();
    await fc.assert(
      fc.asyncProperty(eventArb, async (e) => {
        const headers: Record<string, string> = { [e.contentType[0]]: e.contentType[1] };
        if (e.contentEncoding !== null) headers[e.contentEncoding[0]] = e.contentEncoding[1];
        const outcome = await serve({
          method: e.method,
          path: e.path,
          headers,
          body: e.body,
          base64: e.base64,
          ...(e.tenant !== null ? { tenant: e.tenant } : {}),
        });
        seen.add(outcome.response.statusCode);
        expect(outcome.kind).not.toBe('failed');
        expect([200, 400, 403, 404, 405, 413, 415]).toContain(outcome.response.statusCode);
        expect(outcome.response.body ?? '').not.toMatch(/\n\s+at |Error:/);
      }),
      { numRuns: 500 },
    );
    // The generator reaches every branch, not just the first refusal.
    for (const status of [200, 400, 403, 404, 405, 415]) expect(seen).toContain(status);
  });
});
