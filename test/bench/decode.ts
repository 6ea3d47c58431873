/**
 * Decode benchmark: OTLP protobuf and JSON decode + normalize, against `JSON.parse` alone on the same
 * JSON body (the floor a JSON ingest path cannot go below, and the figure protobuf must beat).
 *
 * The bodies are produced by the OpenTelemetry JS exporters' own serializers
 * (`ProtobufMetricsSerializer` / `JsonMetricsSerializer` from @opentelemetry/otlp-transformer) from
 * synthetic SDK `ResourceMetrics`, so they have exactly the layout real senders produce.
 */
import { pathToFileURL } from 'node:url';
import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { clearAttributeCache } from '#core/otlp/pb-attributes.js';
import { DEFAULT_NORMALIZE_LIMITS, type NormalizeOptions } from '#core/point.js';
import { seededRandom } from '#local/random.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

export interface DecodeWorkload {
  readonly protobuf: Uint8Array;
  readonly json: string;
  readonly pointCount: number;
  readonly nowMs: number;
  readonly normalizeOptions: NormalizeOptions;
}

/** 2026-11-25T10:00:00Z: the first point's time. */
const T0_MS = 1_795_600_800_000;
const STEP_MS = 10_000;
const SERIES_PER_METRIC = 20;
/** The SDK's default explicit bucket boundaries. */
const BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

function hrTime(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

/** Five attributes per series, like an HTTP server instrumentation: host, region, route, method, status. */
function seriesAttributes(metric: number, series: number): Record<string, string | number> {
  const routes = ['/api/v1/orders', '/api/v1/orders/{id}', '/api/v1/cart', '/healthz', '/api/v1/users/{id}'];
  return {
    'host.name': `ip-10-0-${metric % 7}-${series % 4}.eu-west-1.compute.internal`,
    'cloud.region': 'eu-west-1',
    'http.route': routes[series % routes.length] as string,
    'http.request.method': series % 2 === 0 ? 'GET' : 'POST',
    'http.response.status_code': series % 5 === 4 ? 500 : 200,
  };
}

/**
 * A request of `series × pointsPerSeries` points: a mix of delta monotonic sums (2 in 5 metrics),
 * gauges (2 in 5) and delta explicit-bucket histograms (1 in 5), `SERIES_PER_METRIC` series per metric,
 * points 10 s apart ordered by time then series (like consecutive exports batched by a Collector), or
 * in random order with `shuffle` (the worst case for the interner's order prediction).
 */
export function makeWorkload(
  opts: {
    series?: number;
    pointsPerSeries?: number;
    shuffle?: boolean;
    startMs?: number;
    seed?: number;
  } = {},
): DecodeWorkload {
  const seriesTotal = opts.series ?? 500;
  const pointsPerSeries = opts.pointsPerSeries ?? 20;
  const random = seededRandom(opts.seed ?? 42);
  const metrics: MetricData[] = [];
  const metricCount = Math.ceil(seriesTotal / SERIES_PER_METRIC);
  let pointCount = 0;
  for (let m = 0; m < metricCount; m++) {
    const seriesHere = Math.min(SERIES_PER_METRIC, seriesTotal - m * SERIES_PER_METRIC);
    const attrs = Array.from({ length: seriesHere }, (_, s) => seriesAttributes(m, s));
    const times = Array.from({ length: pointsPerSeries }, (_, i) => (opts.startMs ?? T0_MS) + i * STEP_MS);
    const kind = m % 5;
    if (kind === 4) {
      const dataPoints = times.flatMap((t) =>
        attrs.map((attributes) => {
          const counts = BOUNDARIES.map(() => Math.floor(random() * 20)).concat([Math.floor(random() * 3)]);
          const count = counts.reduce((a, b) => a + b, 0);
          return {
            startTime: hrTime(t - STEP_MS),
            endTime: hrTime(t),
            attributes,
            value: {
              buckets: { boundaries: BOUNDARIES, counts },
              count,
              sum: count * 120.5,
              min: 0.5,
              max: 9000 + random(),
            },
          };
        }),
      );
      metrics.push({
        descriptor: {
          name: `http.server.duration.${m}`,
          description: 'duration',
          unit: 'ms',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      });
      if (opts.shuffle) shuffle(dataPoints, random);
      pointCount += dataPoints.length;
    } else {
      const isSum = kind < 2;
      const dataPoints = times.flatMap((t) =>
        attrs.map((attributes) => ({
          startTime: hrTime(isSum ? t - STEP_MS : t),
          endTime: hrTime(t),
          attributes,
          value: isSum ? Math.floor(random() * 1000) : random() * 100,
        })),
      );
      if (opts.shuffle) shuffle(dataPoints, random);
      const descriptor = {
        name: isSum ? `http.server.requests.${m}` : `process.cpu.utilization.${m}`,
        description: '',
        unit: isSum ? '{request}' : '1',
        valueType: isSum ? ValueType.INT : ValueType.DOUBLE,
      };
      metrics.push(
        isSum
          ? {
              descriptor,
              aggregationTemporality: AggregationTemporality.DELTA,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints,
            }
          : {
              descriptor,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
              dataPoints,
            },
      );
      pointCount += dataPoints.length;
    }
  }
  const resourceMetrics: ResourceMetrics = {
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '4.2.0',
      'service.instance.id': '5f0c6a4e-1b7d-4a55-9d61-0a7c3f1e2b90',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.0',
    }),
    scopeMetrics: [{ scope: { name: 'windrow-bench', version: '1.0.0' }, metrics }],
  };
  const protobuf = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  const jsonBytes = JsonMetricsSerializer.serializeRequest(resourceMetrics);
  if (protobuf === undefined || jsonBytes === undefined) throw new Error('serializer produced no body');
  const nowMs = (opts.startMs ?? T0_MS) + pointsPerSeries * STEP_MS;
  return {
    protobuf,
    json: new TextDecoder().decode(jsonBytes),
    pointCount,
    nowMs,
    normalizeOptions: { nowMs, correctionHorizonMs: 86_400_000, ...DEFAULT_NORMALIZE_LIMITS },
  };
}

/** Best of three interleaved rounds: one round can land in another process's CPU burst. */
function best(fns: readonly (() => void)[], opsPerCall: number): number[] {
  const rates = fns.map(() => 0);
  for (let round = 0; round < 3; round++) {
    fns.forEach((fn, i) => {
      rates[i] = Math.max(rates[i] ?? 0, opsPerSecond(fn, opsPerCall, 300));
    });
  }
  return rates;
}

/**
 * Decode figures on the default workload (500 series × 20 points): protobuf and JSON decode +
 * normalize in points/s, each with `JSON.parse` of the JSON body as baseline (ratio = ours / parse);
 * protobuf again with the series shuffled and with the attribute cache cleared before every decode.
 */
export function decodeBench(): BenchFigure[] {
  const w = makeWorkload();
  const shuffled = makeWorkload({ shuffle: true });
  for (const x of [w, shuffled]) {
    const check = decodeOtlpProtobuf(x.protobuf, x.normalizeOptions);
    if (
      check.points.length !== x.pointCount ||
      decodeOtlpJson(x.json, x.normalizeOptions).points.length !== x.pointCount
    ) {
      throw new Error(`workload decodes to ${check.points.length} points, expected ${x.pointCount}`);
    }
  }
  let sink = 0;
  const [pb, json, parse, pbShuffled, pbCold] = best(
    [
      () => {
        sink += decodeOtlpProtobuf(w.protobuf, w.normalizeOptions).points.length;
      },
      () => {
        sink += decodeOtlpJson(w.json, w.normalizeOptions).points.length;
      },
      () => {
        sink += (JSON.parse(w.json) as { resourceMetrics: unknown[] }).resourceMetrics.length;
      },
      () => {
        sink += decodeOtlpProtobuf(shuffled.protobuf, shuffled.normalizeOptions).points.length;
      },
      () => {
        // A first request from a sender: nothing interned yet.
        clearAttributeCache();
        sink += decodeOtlpProtobuf(w.protobuf, w.normalizeOptions).points.length;
      },
    ],
    w.pointCount,
  ) as [number, number, number, number, number];
  if (sink === 0) throw new Error('nothing decoded');
  return [
    figure('OTLP protobuf decode + normalize', pb, 'points/s', parse),
    figure('OTLP JSON decode + normalize', json, 'points/s', parse),
    figure('JSON.parse alone (same JSON body)', parse, 'points/s'),
    figure('OTLP protobuf, series in random order', pbShuffled, 'points/s', parse),
    figure('OTLP protobuf, cold attribute cache', pbCold, 'points/s', parse),
    figure('protobuf body size', w.protobuf.length / w.pointCount, 'bytes/point'),
    figure('JSON body size', w.json.length / w.pointCount, 'bytes/point'),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(
    decodeBench().map((f) => ({
      name: f.name,
      value: Number(f.value.toPrecision(4)),
      unit: f.unit,
      baseline: f.baseline === undefined ? '' : Number(f.baseline.toPrecision(4)),
      ratio: f.ratio === undefined ? '' : Number(f.ratio.toFixed(3)),
    })),
  );
}
