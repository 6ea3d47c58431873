/**
 * Real OTLP/HTTP bodies for tests: the OpenTelemetry JS SDK exports through the real HTTP exporters
 * (`@opentelemetry/exporter-metrics-otlp-http` for JSON, `-proto` for protobuf) to a loopback server
 * that records each request exactly as sent (chunked transfer, optional gzip).
 *
 * @example
 * ```ts
 * const [request] = await captureSdkExport({ encoding: 'protobuf', temporality: 'delta' }, (meter) => {
 *   meter.createCounter('requests').add(3, { route: '/a' });
 * });
 * const result = decodeOtlpProtobuf(request.body, options); // body already gunzipped
 * ```
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Meter } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';

/** One request as the server received it. */
export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The bytes on the wire (gzip when `content-encoding: gzip`). */
  readonly raw: Uint8Array;
  /** The body after removing the content encoding. */
  readonly body: Uint8Array;
}

export interface OtlpCaptureServer {
  /** `http://127.0.0.1:<port>/v1/metrics` */
  readonly url: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/** Starts a loopback server that answers every POST with an empty OTLP success. */
export async function startOtlpCapture(): Promise<OtlpCaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = new Uint8Array(Buffer.concat(chunks));
      const body = req.headers['content-encoding'] === 'gzip' ? new Uint8Array(gunzipSync(raw)) : raw;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body });
      const json = String(req.headers['content-type']).includes('json');
      // An empty ExportMetricsServiceResponse: zero protobuf bytes, or {} in JSON.
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface SdkExportOptions {
  readonly encoding: 'json' | 'protobuf';
  readonly temporality: 'delta' | 'cumulative';
  readonly gzip?: boolean;
  /** Resource attributes (default: a service.name). */
  readonly resource?: Record<string, string | number | boolean | string[]>;
  readonly views?: ViewOptions[];
  readonly meterName?: string;
  readonly meterVersion?: string;
}

/** A view turning the named histogram into an exponential histogram. */
export function exponentialView(instrumentName: string, maxSize = 160): ViewOptions {
  return {
    instrumentName,
    aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize } },
  };
}

/**
 * Runs `record` against a fresh MeterProvider exporting to `url` through the real exporter, then
 * shuts it down (one final collection exported). `record` may call `flush()` to export in between.
 */
export async function sdkExport(
  url: string,
  options: SdkExportOptions,
  record: (meter: Meter, flush: () => Promise<void>) => void | Promise<void>,
): Promise<void> {
  const config = {
    url,
    temporalityPreference:
      options.temporality === 'delta'
        ? AggregationTemporalityPreference.DELTA
        : AggregationTemporalityPreference.CUMULATIVE,
    ...(options.gzip
      ? { compression: 'gzip' as NonNullable<ConstructorParameters<typeof JsonExporter>[0]>['compression'] }
      : {}),
  };
  const exporter = options.encoding === 'json' ? new JsonExporter(config) : new ProtoExporter(config);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(options.resource ?? { 'service.name': 'capture-test' }),
    readers: [reader],
    views: options.views ?? [],
  });
  const meter = provider.getMeter(options.meterName ?? 'capture-meter', options.meterVersion ?? '0.0.1');
  await record(meter, () => provider.forceFlush());
  // Shutting down collects and exports one last time (a forceFlush first would export twice).
  await provider.shutdown();
}

/**
 * {@link sdkExport} to a capture server: returns the captured requests, one plus one per `flush()`.
 */
export async function captureSdkExport(
  options: SdkExportOptions,
  record: (meter: Meter, flush: () => Promise<void>) => void | Promise<void>,
): Promise<CapturedRequest[]> {
  const capture = await startOtlpCapture();
  try {
    await sdkExport(capture.url, options, record);
    return capture.requests.slice();
  } finally {
    await capture.close();
  }
}
