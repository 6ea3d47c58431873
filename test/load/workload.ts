/**
 * What each load client sends: OTLP/HTTP export requests built by the OpenTelemetry JS exporters' own
 * serializers (`ProtobufMetricsSerializer` / `JsonMetricsSerializer`), so the bodies have exactly the
 * layout real SDKs send. Every request carries one point per series of two metrics — a gauge and a
 * delta monotonic counter — with integer values drawn from a seeded generator, so the sum of
 * everything accepted is known exactly.
 *
 * Series are distinct per client (`loadtest.client`, `loadtest.series` point attributes). The points
 * of request `seq` carry `seq` in the nanoseconds of their timestamp, so no two requests of a client
 * are the same body (identical bodies are one partial by design: a retry never counts twice).
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { seededRandom } from '#local/random.js';

const gzip = promisify(gzipCallback);

/** The metrics the load test sends; results of these names are the ones accounted for. */
export const LOAD_METRICS = { gauge: 'loadtest.gauge', counter: 'loadtest.requests' } as const;
export const METRIC_NAMES: readonly string[] = [LOAD_METRICS.gauge, LOAD_METRICS.counter];

export type Encoding = 'protobuf' | 'json';

export interface ClientProfile {
  readonly index: number;
  readonly encoding: Encoding;
  readonly gzip: boolean;
}

/**
 * Client `i`'s wire format, by `i mod 8`: 0, 2, 4 protobuf; 1, 3, 5 protobuf + gzip; 6 JSON; 7 JSON +
 * gzip. Half the clients gzip, a quarter send JSON.
 */
export function clientProfile(index: number): ClientProfile {
  const k = index % 8;
  return { index, encoding: k >= 6 ? 'json' : 'protobuf', gzip: k % 2 === 1 };
}

/** Count and exact sum of the values of one metric. */
export interface Totals {
  count: number;
  sum: number;
}

export interface LoadRequest {
  /** Bytes on the wire (gzipped when `contentEncoding` is set). */
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly contentEncoding: 'gzip' | undefined;
  readonly points: number;
  /** Per metric name: what this request carries. */
  readonly totals: ReadonlyMap<string, Totals>;
  /** The points' time (ms, the stack's clock when built). */
  readonly timeMs: number;
}

function hrTime(ms: number, extraNanos: number): [number, number] {
  const whole = Math.floor(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1_000_000 + extraNanos];
}

/** Builds one client's requests in sequence: `next(nowMs)` gives the next one. */
export class ClientWorkload {
  readonly profile: ClientProfile;
  private readonly random: () => number;
  private readonly resource;
  private readonly attributes: Record<string, number>[];
  private seq = 0;
  private previousMs: number | undefined;

  constructor(index: number, series: number, seed: number) {
    this.profile = clientProfile(index);
    // One independent stream per client: the values do not depend on how the clients interleave.
    this.random = seededRandom((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
    this.resource = resourceFromAttributes({
      'service.name': 'windrow-loadtest',
      'service.instance.id': `client-${index}`,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
    });
    this.attributes = Array.from({ length: series }, (_, s) => ({
      'loadtest.client': index,
      'loadtest.series': s,
    }));
  }

  async next(nowMs: number): Promise<LoadRequest> {
    const seq = this.seq++;
    const extraNanos = seq % 1_000_000;
    const end = hrTime(nowMs, extraNanos);
    const start = this.previousMs === undefined ? hrTime(nowMs - 1, 0) : hrTime(this.previousMs, 0);
    this.previousMs = nowMs;
    const gauge: Totals = { count: 0, sum: 0 };
    const counter: Totals = { count: 0, sum: 0 };
    const gaugePoints = this.attributes.map((attributes) => {
      const value = Math.floor(this.random() * 2001) - 1000; // [-1000, 1000]
      gauge.count++;
      gauge.sum += value;
      return { startTime: end, endTime: end, attributes, value };
    });
    const counterPoints = this.attributes.map((attributes) => {
      const value = Math.floor(this.random() * 1001); // [0, 1000]
      counter.count++;
      counter.sum += value;
      return { startTime: start, endTime: end, attributes, value };
    });
    const metrics: MetricData[] = [
      {
        descriptor: { name: LOAD_METRICS.gauge, description: '', unit: '1', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: gaugePoints,
      },
      {
        descriptor: {
          name: LOAD_METRICS.counter,
          description: '',
          unit: '{request}',
          valueType: ValueType.INT,
        },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: counterPoints,
      },
    ];
    const resourceMetrics: ResourceMetrics = {
      resource: this.resource,
      scopeMetrics: [{ scope: { name: 'windrow-loadtest', version: '1.0.0' }, metrics }],
    };
    const json = this.profile.encoding === 'json';
    const raw = json
      ? JsonMetricsSerializer.serializeRequest(resourceMetrics)
      : ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    if (raw === undefined) throw new Error('the OTLP serializer produced no body');
    const body = this.profile.gzip ? new Uint8Array(await gzip(raw)) : raw;
    return {
      body,
      contentType: json ? 'application/json' : 'application/x-protobuf',
      contentEncoding: this.profile.gzip ? 'gzip' : undefined,
      points: gauge.count + counter.count,
      totals: new Map([
        [LOAD_METRICS.gauge, gauge],
        [LOAD_METRICS.counter, counter],
      ]),
      timeMs: nowMs,
    };
  }
}
