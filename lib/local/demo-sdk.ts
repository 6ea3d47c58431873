/**
 * Demo traffic through the real OpenTelemetry JS SDK, so a newcomer sees windrow work within a
 * minute of `npm start -- --demo`: three services, each with its own MeterProvider (its own
 * `service.name`) exporting OTLP/protobuf to the stack every `intervalMs`:
 *
 * - `http.server.request.duration` (histogram, ms): lognormal latencies per route, a slow route;
 * - `http.server.requests` (counter, cumulative): requests per route and status;
 * - `queue.depth` (up-down counter): goes up and down;
 * - `room.temperature` (gauge, °C): around −4 with noise — negative values;
 * - `jobs.processed` (observable counter, cumulative) that resets to zero every few exports, like a
 *   worker restarting: windrow counts the increase across the reset.
 */
import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { seededRandom } from './random.js';

export interface DemoOptions {
  /** The stack's base URL, e.g. http://127.0.0.1:4318 */
  readonly url: string;
  /** Export interval (default 5 s). */
  readonly intervalMs?: number;
  /** Requests simulated per service per second (default 20). */
  readonly rate?: number;
  readonly seed?: number;
  /** Told what was sent after each export round. */
  readonly log?: (line: string) => void;
}

export interface DemoTraffic {
  /** Exports what was recorded so far (all services). */
  flush(): Promise<void>;
  stop(): Promise<void>;
  /** Totals recorded so far, for tests and the printed summary. */
  readonly totals: { requests: number; latencies: number; resets: number };
}

const SERVICES = ['checkout', 'cart', 'payments'] as const;
const ROUTES = ['/api/items', '/api/cart', '/api/pay'] as const;

/** Starts the demo traffic; call `stop()` to export a last time and shut the SDK down. */
export function startDemoTraffic(options: DemoOptions): DemoTraffic {
  const random = seededRandom(options.seed ?? 7);
  const intervalMs = options.intervalMs ?? 5_000;
  const rate = options.rate ?? 20;
  const log = options.log ?? (() => {});
  const totals = { requests: 0, latencies: 0, resets: 0 };
  const normal = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };

  const providers = SERVICES.map((service, s) => {
    const exporter = new OTLPMetricExporter({
      url: `${options.url}/v1/metrics`,
      temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2' }),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: intervalMs })],
    });
    const meter = provider.getMeter('windrow-demo', '1.0.0');
    const duration = meter.createHistogram('http.server.request.duration', { unit: 'ms' });
    const requests = meter.createCounter('http.server.requests');
    const queue = meter.createUpDownCounter('queue.depth');
    const temperature = meter.createGauge('room.temperature', { unit: 'Cel' });
    let processed = 0;
    let exportsSinceReset = 0;
    meter
      .createObservableCounter('jobs.processed')
      .addCallback((result) => result.observe(processed, { worker: `${service}-1` }));
    let depth = 0;
    const tick = () => {
      const n = Math.max(1, Math.round((rate * intervalMs) / 1000 / 10));
      for (let i = 0; i < n; i++) {
        const route = ROUTES[Math.floor(random() * ROUTES.length)] ?? '/api/items';
        const slow = route === '/api/pay' ? 4 : 1;
        const ms = Math.exp(Math.log(20 * slow * (s + 1)) + 0.6 * normal());
        const status = random() < 0.03 ? '500' : '200';
        const attrs: Attributes = { 'http.route': route, 'http.response.status_code': status };
        duration.record(ms, attrs);
        requests.add(1, attrs);
        totals.requests++;
        totals.latencies++;
      }
      const delta = Math.round(normal() * 3);
      depth = Math.max(0, depth + delta);
      queue.add(delta, { queue: `${service}-jobs` });
      temperature.record(Math.round((-4 + normal()) * 10) / 10, { room: `${service}-lab` });
      processed += Math.floor(random() * 20);
    };
    const timer = setInterval(tick, intervalMs / 10);
    timer.unref();
    tick();
    const resetTimer = setInterval(() => {
      exportsSinceReset++;
      if (exportsSinceReset >= 4) {
        processed = 0; // the worker restarted: its cumulative counter starts again
        exportsSinceReset = 0;
        totals.resets++;
      }
    }, intervalMs);
    resetTimer.unref();
    const stop = () => {
      clearInterval(timer);
      clearInterval(resetTimer);
    };
    return { provider, stop };
  });

  const report = setInterval(() => {
    log(
      `demo: ${SERVICES.length} services → ${options.url}/v1/metrics (OTLP/protobuf every ${intervalMs / 1000}s): ` +
        `${totals.requests.toLocaleString('en-US')} requests recorded, ${totals.resets} counter resets`,
    );
  }, intervalMs);
  report.unref();

  return {
    totals,
    flush: async () => {
      await Promise.all(providers.map((p) => p.provider.forceFlush()));
    },
    stop: async () => {
      clearInterval(report);
      for (const p of providers) p.stop();
      await Promise.all(providers.map((p) => p.provider.shutdown()));
    },
  };
}
