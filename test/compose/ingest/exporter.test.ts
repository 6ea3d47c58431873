/**
 * The ingest handler as the OpenTelemetry JS SDK sees it: the real OTLP/HTTP exporters (protobuf and
 * JSON) post to a loopback server that runs the handler, and read our answers with their own code —
 * partial success, a 400 they must not retry, a 503 + Retry-After they must retry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestFn } from '#adapters/http/ingest-edge.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { IngestRequest } from '#app/ingest-types.js';
import { createIngestHandler } from '#compose/ingest/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { DecodeError } from '#core/errors.js';
import { lambdaContext, readBody, toApiGatewayEvent, writeResult } from '#local/apigw-bridge.js';
import { decodingIngest, ingestResult } from '../../support/ingest-fakes.js';

/** A reader the test collects from by hand. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function someMetrics(): Promise<ResourceMetrics> {
  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'exporter-test' }),
    readers: [reader],
  });
  const meter = provider.getMeter('m', '1.0.0');
  meter.createCounter('requests').add(3, { route: '/a' });
  meter.createHistogram('latency').record(0.2);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

let ingest: IngestFn = decodingIngest(Date.now());
let server: Server;
let url = '';
const warnings: string[] = [];

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // The handler is built per request so each test's `ingest` is used.
  server = createServer((req, res) => {
    void (async () => {
      const body = (await readBody(req)) ?? Buffer.alloc(0);
      const handler = createIngestHandler({ ingest: (r) => ingest(r), config: parseConfig({}) });
      writeResult(res, await handler(toApiGatewayEvent(req, body), lambdaContext('ingest', 'r1')));
    })();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
});

afterAll(async () => {
  delete process.env.POWERTOOLS_LOG_LEVEL;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  warnings.length = 0;
  const capture: DiagLogger = {
    error: () => {},
    warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(capture, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
});

afterEach(() => {
  diag.disable();
  ingest = decodingIngest(Date.now());
});

const exporters = {
  protobuf: () => new ProtoExporter({ url }),
  json: () => new JsonExporter({ url }),
} as const;

async function exportOnce(kind: keyof typeof exporters) {
  const exporter = exporters[kind]();
  const metrics = await someMetrics();
  try {
    return await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
      exporter.export(metrics, resolve),
    );
  } finally {
    await exporter.shutdown();
  }
}

describe.each(['protobuf', 'json'] as const)('OTLP/HTTP %s exporter against the ingest handler', (kind) => {
  it('exports successfully, and the handler decodes what it sent', async () => {
    const decoding = decodingIngest(Date.now());
    ingest = decoding;
    const result = await exportOnce(kind);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(decoding.calls[0]?.format).toBe(kind === 'protobuf' ? 'otlp-protobuf' : 'otlp-json');
    expect(warnings).toEqual([]);
  });

  it('reads our partial success (count and message) and still reports success', async () => {
    const rejections = {
      total: 2,
      byReason: { non_finite_value: 2 },
      messages: ['metric "requests" point 0: value is NaN'],
    };
    ingest = async () => ingestResult({ accepted: 1, rejected: 2, rejections });
    const result = await exportOnce(kind);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const partial = warnings.find((w) => w.startsWith('Received Partial Success response:'));
    expect(partial).toBeDefined();
    const parsed = JSON.parse(partial?.slice('Received Partial Success response: '.length) ?? '') as {
      rejectedDataPoints: number | string;
      errorMessage: string;
    };
    expect(Number(parsed.rejectedDataPoints)).toBe(2);
    expect(parsed.errorMessage).toBe(
      '2 points rejected: 2 non_finite_value; metric "requests" point 0: value is NaN; …',
    );
  });

  it('fails without retrying on a 400', async () => {
    const calls: IngestRequest[] = [];
    ingest = async (r) => {
      calls.push(r);
      throw new DecodeError('protobuf: bad');
    };
    const result = await exportOnce(kind);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((result.error as { code?: number } | undefined)?.code).toBe(400);
    expect(calls).toHaveLength(1);
  });

  it('retries a 503 after Retry-After and then succeeds', async () => {
    const calls: number[] = [];
    ingest = async () => {
      calls.push(Date.now());
      if (calls.length === 1) throw new StoreUnavailableError('throttled', 1);
      return ingestResult({ accepted: 3 });
    };
    const result = await exportOnce(kind);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toHaveLength(2);
    const [first = 0, second = 0] = calls;
    // Retry-After: 1 → the exporter waits a second (its own backoff would be 0.8–1.2 s: allow for that).
    expect(second - first).toBeGreaterThanOrEqual(900);
  });
});
