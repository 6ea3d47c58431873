/**
 * Bad inputs against the running local stack, over real HTTP: each gets its documented status and
 * message, the process keeps serving, and nothing stored before changes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { deflateZerosBomb } from '../support/compression.js';
import { scanAll, snapshot } from '../support/local-store.js';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../shared/fixtures/otlp/${name}`, import.meta.url)));
const pb = fixture('metrics.pb');
const zstdFixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/zstd/${name}`, import.meta.url)));
const NOW = Date.now();
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const JSON_TYPE = { 'content-type': 'application/json' };
const PB_TYPE = { 'content-type': 'application/x-protobuf' };

function otlpGauge(value: unknown, timeMs = NOW, attributes: unknown[] = []): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bad-inputs' } }] },
        scopeMetrics: [
          {
            scope: { name: 's' },
            metrics: [
              {
                name: 'g',
                gauge: { dataPoints: [{ timeUnixNano: nanos(timeMs), asDouble: value, attributes }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

interface Case {
  readonly name: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
  readonly status: number;
  /** Matched against the response text (JSON) or, for protobuf errors, the decoded message bytes. */
  readonly message: RegExp;
}

const many = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));

const cases: Case[] = [
  {
    name: 'truncated protobuf',
    headers: PB_TYPE,
    body: pb.subarray(0, pb.length - 7),
    status: 400,
    message: /protobuf/i,
  },
  {
    name: 'random bytes as protobuf',
    headers: PB_TYPE,
    body: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
    status: 400,
    message: /protobuf/i,
  },
  {
    name: 'wrong content type',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
    status: 415,
    message: /content.type/i,
  },
  { name: 'no content type', headers: {}, body: pb, status: 415, message: /content.type/i },
  {
    name: 'unknown content encoding',
    headers: { ...PB_TYPE, 'content-encoding': 'br' },
    body: pb,
    status: 415,
    message: /encoding/i,
  },
  {
    name: 'invalid gzip',
    headers: { ...PB_TYPE, 'content-encoding': 'gzip' },
    body: Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3),
    status: 400,
    message: /gzip/i,
  },
  {
    name: 'gzip bomb',
    headers: { ...PB_TYPE, 'content-encoding': 'gzip' },
    body: gzipSync(Buffer.alloc(64 * 1024 * 1024)),
    status: 413,
    message: /large|limit|inflat/i,
  },
  {
    name: 'invalid zstd (truncated)',
    headers: { ...PB_TYPE, 'content-encoding': 'zstd' },
    body: zstdFixture('metrics-delta.pb.zst').subarray(0, 100),
    status: 400,
    message: /zstd: invalid body \(truncated/,
  },
  {
    name: 'zstd bomb (1 GiB of zeros in 33 KB)',
    headers: { ...PB_TYPE, 'content-encoding': 'zstd' },
    body: zstdFixture('zeros-1gib.zst'),
    status: 413,
    message: /zstd body inflates to more than 33554432 bytes/,
  },
  {
    name: 'invalid deflate (raw deflate)',
    headers: { ...PB_TYPE, 'content-encoding': 'deflate' },
    body: deflateRawSync(pb),
    status: 400,
    message: /deflate: invalid body \(not the zlib format/,
  },
  {
    name: 'deflate bomb (1 GiB of zeros in 1 MB)',
    headers: { ...PB_TYPE, 'content-encoding': 'deflate' },
    body: deflateZerosBomb(1024),
    status: 413,
    message: /deflate body inflates to more than 33554432 bytes/,
  },
  { name: 'invalid JSON', headers: JSON_TYPE, body: '{"resourceMetrics": [', status: 400, message: /JSON/i },
  {
    name: 'wrong JSON types',
    headers: JSON_TYPE,
    body: '{"resourceMetrics": "yes"}',
    status: 400,
    message: /resourceMetrics/,
  },
  { name: 'empty JSON body', headers: JSON_TYPE, body: '', status: 400, message: /empty|JSON/i },
  {
    name: 'NaN value',
    headers: JSON_TYPE,
    body: otlpGauge('NaN'),
    status: 200,
    message: /non_finite_value|NaN|finite/i,
  },
  {
    name: 'infinite value',
    headers: JSON_TYPE,
    body: otlpGauge('Infinity'),
    status: 200,
    message: /finite/i,
  },
  {
    name: 'timestamp far in the future',
    headers: JSON_TYPE,
    body: otlpGauge(1, NOW + 3_600_000),
    status: 200,
    message: /future/i,
  },
  {
    name: 'timestamp far in the past',
    headers: JSON_TYPE,
    body: otlpGauge(1, NOW - 3 * 86_400_000),
    status: 200,
    message: /old|horizon/i,
  },
  {
    name: '10,000 attributes',
    headers: JSON_TYPE,
    body: otlpGauge(1, NOW, many),
    status: 200,
    message: /attribute/i,
  },
  {
    name: 'a 7 MB body',
    headers: PB_TYPE,
    body: new Uint8Array(7 * 1024 * 1024),
    status: 413,
    message: /large|limit/i,
  },
  {
    name: 'points: invalid JSON',
    path: '/v1/points',
    headers: JSON_TYPE,
    body: '{"points": [}',
    status: 400,
    message: /JSON/i,
  },
  {
    name: 'points: not a list',
    path: '/v1/points',
    headers: JSON_TYPE,
    body: '{"points": 3}',
    status: 400,
    message: /points/,
  },
  {
    // Regression: a 100 KB metric name was accepted and stored.
    name: 'points: 100 KB metric name',
    path: '/v1/points',
    headers: JSON_TYPE,
    body: JSON.stringify({ points: [{ metric: 'm'.repeat(100_000), timestamp: NOW, value: 1 }] }),
    status: 200,
    message: /"reasons":\{"name_limit":1\}.*more than the limit of 255/,
  },
  {
    name: 'points: 64-character unit',
    path: '/v1/points',
    headers: JSON_TYPE,
    body: JSON.stringify({ points: [{ metric: 'm', unit: 'u'.repeat(64), timestamp: NOW, value: 1 }] }),
    status: 200,
    message: /name_limit.*unit has 64 characters/,
  },
  {
    name: 'OTLP: 256-character metric name',
    headers: JSON_TYPE,
    body: otlpGauge(1).replace('"name":"g"', `"name":"${'g'.repeat(256)}"`),
    status: 200,
    message: /1 name_limit/,
  },
  {
    name: 'points: bad timestamp',
    path: '/v1/points',
    headers: JSON_TYPE,
    body: '{"points":[{"metric":"m","timestamp":"yesterday","value":1}]}',
    status: 200,
    message: /timestamp/,
  },
  {
    name: 'points: wrong content type',
    path: '/v1/points',
    headers: { 'content-type': 'application/x-protobuf' },
    body: pb,
    status: 415,
    message: /content.type/i,
  },
  // GET /v1/metrics is the query function's metric list; /v1/points is POST only.
  {
    name: 'GET on the points route',
    method: 'GET',
    path: '/v1/points',
    status: 405,
    message: /method|POST/i,
  },
  {
    name: 'unknown path',
    path: '/v2/metrics',
    headers: PB_TYPE,
    body: pb,
    status: 404,
    message: /route|path|found/i,
  },
];

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ config: parseConfig({ sink: 'dynamodb' }), port: 0, quiet: true });
  // Something stored before, which no bad input may change.
  const ok = await fetch(`${stack.url}/v1/metrics`, { method: 'POST', headers: PB_TYPE, body: pb });
  expect(ok.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
});

describe('Local stack: bad inputs', () => {
  it(`has at least 20 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$name → $status', async (c) => {
    const before = snapshot(await scanAll(stack.db.client));
    const response = await fetch(`${stack.url}${c.path ?? '/v1/metrics'}`, {
      method: c.method ?? 'POST',
      headers: c.headers ?? {},
      body: c.method === 'GET' ? undefined : c.body,
    });
    expect(response.status).toBe(c.status);
    const text = Buffer.from(await response.arrayBuffer()).toString('latin1');
    expect(text).toMatch(c.message);
    // Every point of every case is refused: nothing stored before changes, nothing new is added.
    expect(snapshot(await scanAll(stack.db.client))).toEqual(before);
    // The process is still up and serving.
    expect(
      (await fetch(`${stack.url}/v1/metrics`, { method: 'POST', headers: PB_TYPE, body: new Uint8Array() }))
        .status,
    ).toBe(200);
  });
});
