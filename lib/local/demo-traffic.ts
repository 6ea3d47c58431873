import { seededRandom } from './random.js';

/**
 * Synthetic OTLP/JSON traffic for the demo: a few services exporting every 60 s, the way an
 * OpenTelemetry SDK with a PeriodicExportingMetricReader does. Seeded, so a run is reproducible.
 *
 * Per service and export: a delta latency histogram per route, a cumulative request counter per
 * route (which resets when the service "restarts"), and gauge samples every 10 s (CPU utilization
 * and a temperature delta that goes negative).
 */

export interface DemoOptions {
  readonly startMs: number;
  readonly hours: number;
  readonly seed: number;
  readonly exportIntervalMs?: number;
}

export interface DemoRequest {
  /** When the exporter sends it (the clock for normalization). */
  readonly sentAtMs: number;
  readonly body: string;
}

const SERVICES = ['api', 'checkout', 'worker'] as const;
const ROUTES = ['/orders', '/health'] as const;
const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500];

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const nanos = (ms: number): string => `${ms}000000`;
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** All export requests of the demo, in time order. */
export function* demoRequests(options: DemoOptions): Generator<DemoRequest> {
  const random = seededRandom(options.seed);
  const interval = options.exportIntervalMs ?? 60_000;
  const endMs = options.startMs + options.hours * 3_600_000;
  // Per service and route: cumulative request count and its start time (process start).
  const counters = new Map<string, { startMs: number; value: number }>();
  for (let t = options.startMs + interval; t <= endMs; t += interval) {
    const resourceMetrics = SERVICES.map((service, s) => {
      const restart = service === 'worker' && (t - options.startMs) % (6 * 3_600_000) === 0;
      const histograms = ROUTES.map((route) => {
        const n = route === '/health' ? 6 : 40 + Math.floor(random() * 120);
        const counts = new Array<number>(BOUNDS.length + 1).fill(0);
        let sum = 0;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const ms = Math.exp(Math.log(route === '/health' ? 2 : 40 + 20 * s) + 0.6 * normal(random));
          sum += ms;
          min = Math.min(min, ms);
          max = Math.max(max, ms);
          const bucket = BOUNDS.findIndex((b) => ms <= b);
          const index = bucket === -1 ? BOUNDS.length : bucket;
          counts[index] = (counts[index] ?? 0) + 1;
        }
        const key = `${service}${route}`;
        const c = counters.get(key);
        const counter =
          c === undefined || restart
            ? { startMs: t - interval, value: 0 }
            : { startMs: c.startMs, value: c.value };
        counter.value += n;
        counters.set(key, counter);
        return { route, n, counts, sum, min, max, counter };
      });
      const gaugeSamples = (name: string, f: (k: number) => number) => ({
        name,
        unit: name.endsWith('utilization') ? '1' : 'Cel',
        gauge: {
          dataPoints: [0, 1, 2, 3, 4, 5].map((k) => ({
            timeUnixNano: nanos(t - interval + (k + 1) * (interval / 6) - 1),
            asDouble: f(k),
          })),
        },
      });
      return {
        resource: { attributes: [str('service.name', service), str('host.name', `${service}-1`)] },
        scopeMetrics: [
          {
            scope: { name: 'windrow-demo', version: '1.0.0' },
            metrics: [
              {
                name: 'http.server.duration',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: histograms.map((h) => ({
                    attributes: [str('http.route', h.route)],
                    startTimeUnixNano: nanos(t - interval),
                    timeUnixNano: nanos(t),
                    count: String(h.n),
                    sum: h.sum,
                    min: h.min,
                    max: h.max,
                    bucketCounts: h.counts.map(String),
                    explicitBounds: BOUNDS,
                  })),
                },
              },
              {
                name: 'http.server.requests',
                unit: '{request}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: histograms.map((h) => ({
                    attributes: [str('http.route', h.route)],
                    startTimeUnixNano: nanos(h.counter.startMs),
                    timeUnixNano: nanos(t),
                    asInt: String(h.counter.value),
                  })),
                },
              },
              gaugeSamples('system.cpu.utilization', () =>
                Math.min(1, Math.max(0, 0.3 + 0.1 * s + 0.1 * normal(random))),
              ),
              gaugeSamples('temperature.delta', () => 2 * normal(random) - 0.5),
            ],
          },
        ],
      };
    });
    yield { sentAtMs: t + 50, body: JSON.stringify({ resourceMetrics }) };
  }
}
