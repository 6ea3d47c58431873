/**
 * The real OpenTelemetry JS SDK (MeterProvider + PeriodicExportingMetricReader + the OTLP/HTTP
 * protobuf exporter) pointed at a stack, exporting only when the test flushes, with every export's
 * data points and result kept: the timestamps the SDK stamped and what it exported are the oracle's
 * input (the SDK stamps real time).
 *
 * @example
 * const sdk = sdkProvider({ url, resource: { 'service.name': 'a' }, temporality: 'cumulative' });
 * sdk.meter.createCounter('requests').add(3, { route: '/a' });
 * await sdk.flush(); // one export; sdk.points holds its data points
 */
import type { Meter } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type AggregationTemporality,
  DataPointType,
  type InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** One exported data point, copied at export time. */
export interface ExportedPoint {
  readonly metric: string;
  readonly resource: Record<string, string>;
  readonly attributes: Record<string, string>;
  /** endTime in epoch ms (the OTLP timeUnixNano windrow places the point by). */
  readonly t: number;
  /** Sums and gauges. */
  readonly value?: number;
  /** Histograms. */
  readonly histogram?: {
    readonly count: number;
    readonly sum: number;
    readonly min?: number;
    readonly max?: number;
    readonly bounds: readonly number[];
    readonly counts: readonly number[];
  };
}

const hrToMs = ([s, ns]: readonly [number, number]): number => s * 1000 + Math.floor(ns / 1e6);

const strings = (a: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, String(v)]));

class CapturingExporter implements PushMetricExporter {
  constructor(
    private readonly inner: OTLPMetricExporter,
    private readonly onExport: (metrics: ResourceMetrics, result: ExportResult) => void,
  ) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.inner.export(metrics, (result) => {
      this.onExport(metrics, result);
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(kind: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality(kind);
  }
}

export interface SdkProvider {
  readonly meter: Meter;
  /** Every exported data point so far. */
  readonly points: ExportedPoint[];
  /** Export results so far (code, error). */
  readonly results: ExportResult[];
  /** Collects and exports once; throws when the export did not succeed. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function sdkProvider(options: {
  readonly url: string;
  readonly resource: Record<string, string>;
  readonly temporality: 'delta' | 'cumulative';
  readonly apiKey?: string;
}): SdkProvider {
  const points: ExportedPoint[] = [];
  const results: ExportResult[] = [];
  const inner = new OTLPMetricExporter({
    url: `${options.url}/v1/metrics`,
    temporalityPreference:
      options.temporality === 'delta'
        ? AggregationTemporalityPreference.DELTA
        : AggregationTemporalityPreference.CUMULATIVE,
    ...(options.apiKey === undefined ? {} : { headers: { authorization: `Bearer ${options.apiKey}` } }),
  });
  const exporter = new CapturingExporter(inner, (metrics, result) => {
    results.push(result);
    if (result.code !== ExportResultCode.SUCCESS) return;
    const resource = strings(metrics.resource.attributes as Record<string, unknown>);
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const dp of metric.dataPoints) {
          const base = {
            metric: metric.descriptor.name,
            resource,
            attributes: strings(dp.attributes as Record<string, unknown>),
            t: hrToMs(dp.endTime),
          };
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const h = dp.value as {
              count: number;
              sum?: number;
              min?: number;
              max?: number;
              buckets: { boundaries: number[]; counts: number[] };
            };
            points.push({
              ...base,
              histogram: {
                count: h.count,
                sum: h.sum ?? 0,
                ...(h.min === undefined ? {} : { min: h.min }),
                ...(h.max === undefined ? {} : { max: h.max }),
                bounds: [...h.buckets.boundaries],
                counts: [...h.buckets.counts],
              },
            });
          } else {
            points.push({ ...base, value: dp.value as number });
          }
        }
      }
    }
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(options.resource),
    // Exports only when the test flushes: the interval is far longer than any test.
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  return {
    meter: provider.getMeter('windrow-test', '1.0.0'),
    points,
    results,
    flush: async () => {
      const before = results.length;
      await provider.forceFlush();
      const mine = results.slice(before);
      for (const r of mine) {
        if (r.code !== ExportResultCode.SUCCESS)
          throw new Error(`SDK export failed: ${r.error?.message ?? 'unknown error'}`);
      }
    },
    shutdown: () => provider.shutdown(),
  };
}
