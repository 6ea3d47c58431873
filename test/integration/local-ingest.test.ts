/**
 * The local stack end to end: the real OpenTelemetry JS SDK exports through both HTTP exporters,
 * gzip on and off, to `npm start`'s stack on a free port; what dynalite holds merges back to exactly
 * what was recorded.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { type StoredSeries, scanAll, snapshot, storedSeries } from '../support/local-store.js';
import { exponentialView, sdkExport } from '../support/otlp-capture.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    config: parseConfig({ sink: 'dynamodb', shards: 4 }),
    port: 0,
    quiet: true,
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** Sums a stat over every window of the series (a test may straddle a minute boundary). */
function total(series: StoredSeries[], service: string, name: string, stat: 'count' | 'sum'): number {
  return series
    .filter((s) => s.resource['service.name'] === service && s.name === name)
    .reduce((acc, s) => acc + (s.stats[stat] ?? 0), 0);
}

function lastOf(series: StoredSeries[], service: string, name: string): number | undefined {
  const rows = series
    .filter((s) => s.resource['service.name'] === service && s.name === name)
    .sort((a, b) => a.windowStartMs - b.windowStartMs);
  return rows.at(-1)?.stats.last;
}

const combos = [
  ['json', false, 'delta'],
  ['json', true, 'cumulative'],
  ['protobuf', false, 'cumulative'],
  ['protobuf', true, 'delta'],
] as const;

describe('Local stack: OpenTelemetry SDK → /v1/metrics → dynalite', () => {
  it.each(combos)(
    'stores exactly what the SDK recorded (%s, gzip %s, %s)',
    async (encoding, gzip, temporality) => {
      const service = `svc-${encoding}-${gzip ? 'gz' : 'plain'}-${temporality}`;
      await sdkExport(
        `${stack.url}/v1/metrics`,
        {
          encoding,
          gzip,
          temporality,
          resource: { 'service.name': service },
          views: [exponentialView('exp.latency')],
        },
        (meter) => {
          const counter = meter.createCounter('requests');
          counter.add(3, { route: '/a' });
          counter.add(5, { route: '/a' });
          const updown = meter.createUpDownCounter('queue.depth');
          updown.add(7);
          updown.add(-2);
          const histogram = meter.createHistogram('latency', { unit: 'ms' });
          for (const v of [1.5, 20, 300]) histogram.record(v, { route: '/a' });
          const exp = meter.createHistogram('exp.latency', { unit: 'ms' });
          for (const v of [0.5, 2, 8, 8]) exp.record(v);
          meter.createGauge('temperature').record(-4.5, { room: 'lab' });
        },
      );
      const series = await storedSeries(stack.db.client);
      expect(total(series, service, 'requests', 'sum')).toBe(8);
      expect(lastOf(series, service, 'queue.depth')).toBe(5);
      expect(total(series, service, 'latency', 'count')).toBe(3);
      expect(total(series, service, 'latency', 'sum')).toBeCloseTo(321.5, 9);
      expect(total(series, service, 'exp.latency', 'count')).toBe(4);
      expect(total(series, service, 'exp.latency', 'sum')).toBeCloseTo(18.5, 9);
      expect(lastOf(series, service, 'temperature')).toBe(-4.5);
      const latency = series.find((s) => s.resource['service.name'] === service && s.name === 'latency');
      expect(latency?.attributes).toEqual({ route: '/a' });
      if (temporality === 'delta') {
        expect(latency?.stats.min).toBe(1.5);
        expect(latency?.stats.max).toBe(300);
      }
    },
  );

  it('stores a request sent twice byte for byte as sending it once', async () => {
    const body = readFileSync(
      fileURLToPath(new URL('../../../shared/fixtures/otlp/metrics-delta.pb', import.meta.url)),
    );
    const post = () =>
      fetch(`${stack.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
    expect((await post()).status).toBe(200);
    const once = snapshot(await scanAll(stack.db.client));
    expect((await post()).status).toBe(200);
    const twice = snapshot(await scanAll(stack.db.client));
    expect(twice).toEqual(once);
  });
});
