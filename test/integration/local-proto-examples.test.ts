/**
 * The OTLP project's own example request (opentelemetry-proto `examples/metrics.json` and the same
 * request as protobuf, timestamps moved to now) over real HTTP to the local stack: 200 with nothing
 * rejected, and the closed results of every tier equal the example's values. As published (2018)
 * the points are refused as too old, and only that. Regression: the protobuf body got 400
 * ("InstrumentationScope field 3 has wire type 2").
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { storedZstd } from '../support/compression.js';
import { EXAMPLE_POINTS, protoExample } from '../support/proto-examples.js';

const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
});

let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock });
  await stack.closer.tick();
});
afterAll(() => stack?.stop());

async function runTo(toMs: number) {
  while (clock.nowMs() < toMs) {
    offsetMs += Math.min(1_000, toMs - clock.nowMs());
    await stack.closer.tick();
  }
}

async function post(body: Uint8Array, type: string, encoding?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': type };
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  return fetch(`${stack.url}/v1/metrics`, { method: 'POST', headers, body });
}

/**
 * The body in `encoding`. Node 20 has no zstd encoder: zstd here is a frame of stored blocks (valid
 * zstd for any decoder); the zstd CLI's compressed bodies are decoded in test/core/otlp/inflate.test.ts.
 */
function encode(body: Uint8Array, encoding: 'gzip' | 'zstd' | 'deflate' | undefined): Uint8Array {
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  if (encoding === 'zstd') return storedZstd(body);
  return body;
}

async function read(metric: string, window: string, atMs: number): Promise<ResultRecord[]> {
  return stack.results.read({
    tenant: 'default',
    metric,
    window,
    fromMs: atMs - 60_000,
    toMs: atMs + 60_000,
  });
}

describe('Local stack: the opentelemetry-proto example request', () => {
  it.each([
    ['json', 'application/json'],
    ['pb', 'application/x-protobuf'],
  ] as const)('refuses the published %s body only for its 2018 timestamps', async (format, type) => {
    const response = await post(protoExample(format), type);
    expect(response.status).toBe(200);
    const text = Buffer.from(await response.arrayBuffer()).toString('latin1');
    expect(text).toContain(`${EXAMPLE_POINTS} points rejected: ${EXAMPLE_POINTS} older_than_horizon`);
  });

  it.each([
    ['json', 'application/json', undefined],
    ['pb', 'application/x-protobuf', undefined],
    ['pb', 'application/x-protobuf', 'gzip'],
    ['pb', 'application/x-protobuf', 'zstd'],
    ['json', 'application/json', 'deflate'],
  ] as const)(
    'accepts the %s body (%s, content-encoding %s) moved to now and closes it to its values',
    async (format, type, encoding) => {
      // Each body goes to its own 10 s window: JSON and protobuf are the same series.
      await runTo(Math.ceil(clock.nowMs() / 10_000) * 10_000 + 200);
      const atMs = clock.nowMs();
      const plain = protoExample(format, BigInt(atMs) * 1_000_000n);
      const response = await post(encode(plain, encoding), type, encoding);
      expect(response.status).toBe(200);
      const answer = Buffer.from(await response.arrayBuffer());
      // A full success: `{}` in JSON, an empty ExportMetricsServiceResponse in protobuf.
      if (format === 'json') expect(JSON.parse(answer.toString())).toEqual({});
      else expect(answer.length).toBe(0);
      await runTo(atMs + 13_000);
      for (const window of ['1s', '10s']) {
        const inWindow = (rs: ResultRecord[]) => rs.filter((r) => r.startMs <= atMs && atMs < r.endMs);
        const [counter] = inWindow(await read('my.counter', window, atMs));
        expect(counter?.stats, `counter ${window}`).toMatchObject({ sum: 5 });
        expect(counter?.resource).toEqual({ 'service.name': 'my.service' });
        expect(counter?.attributes).toEqual({ 'my.counter.attr': 'some value' });
        const [gauge] = inWindow(await read('my.gauge', window, atMs));
        expect(gauge?.stats, `gauge ${window}`).toMatchObject({ last: 10, count: 1, min: 10, max: 10 });
        const [histogram] = inWindow(await read('my.histogram', window, atMs));
        expect(histogram?.stats, `histogram ${window}`).toMatchObject({ count: 2, sum: 2, min: 0, max: 2 });
        const [exponential] = inWindow(await read('my.exponential.histogram', window, atMs));
        expect(exponential?.stats, `exponential ${window}`).toMatchObject({
          count: 3,
          sum: 10,
          min: 0,
          max: 5,
        });
      }
    },
  );
});
