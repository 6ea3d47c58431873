/**
 * Bodies produced by the real OpenTelemetry JS SDK through both real HTTP exporters decode to exactly
 * what was recorded.
 */
import type { Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { inflateBounded } from '#core/otlp/inflate.js';
import type {
  DecodeResult,
  ExponentialHistogramPoint,
  HistogramPoint,
  NormalizedPoint,
  NormalizeOptions,
  NumberPoint,
} from '#core/point.js';
import { DEFAULT_NORMALIZE_LIMITS } from '#core/point.js';
import { type CapturedRequest, captureSdkExport, exponentialView } from '../../support/otlp-capture.js';
import { byMetric } from './helpers.js';

const DEFAULT_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const DURATIONS = [1, 7, 30, 120, 7, 0.25];
const EXP_VALUES = [0.5, 1, 2, 4, 8, 8];
const RESOURCE = { 'service.name': 'roundtrip', 'service.instance.count': 3, 'deployment.canary': true };
const POINT_ATTRS = { route: '/a', status: 200, ok: true, ratio: 0.5, tags: ['x', 'y'] };

function options(): NormalizeOptions {
  // Tests may read the clock; lib/core may not.
  return { nowMs: Date.now(), correctionHorizonMs: 3_600_000, ...DEFAULT_NORMALIZE_LIMITS };
}

function record(meter: Meter): void {
  const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
  requests.add(1, POINT_ATTRS);
  requests.add(2, POINT_ATTRS);
  requests.add(4, { route: '/b', status: 500, ok: false, ratio: 1.25, tags: [] });
  const depth = meter.createUpDownCounter('queue.depth');
  depth.add(5);
  depth.add(-2);
  const duration = meter.createHistogram('http.server.duration', { unit: 'ms' });
  for (const v of DURATIONS) duration.record(v, { route: '/a' });
  const exp = meter.createHistogram('latency.exp', { unit: 's' });
  for (const v of EXP_VALUES) exp.record(v, { route: '/a' });
  meter.createGauge('cpu.temp', { unit: 'Cel' }).record(41.5, { core: '0' });
  meter
    .createObservableGauge('mem.used', { unit: 'By' })
    .addCallback((r) => r.observe(1234.5, { pool: 'heap' }));
}

function decode(request: CapturedRequest, encoding: 'json' | 'protobuf'): DecodeResult {
  const body =
    request.headers['content-encoding'] === 'gzip'
      ? inflateBounded(request.raw, 'gzip', 1 << 20)
      : request.raw;
  return encoding === 'json' ? decodeOtlpJson(body, options()) : decodeOtlpProtobuf(body, options());
}

function one<T extends NormalizedPoint>(points: readonly NormalizedPoint[], name: string, attr?: string): T {
  const found = byMetric(points, name).filter((p) => attr === undefined || p.attributes.key.includes(attr));
  expect(found, name).toHaveLength(1);
  return found[0] as T;
}

/** Bucket index of v at `scale` (upper-inclusive buckets, base 2^(2^-scale)). */
function expIndex(v: number, scale: number): number {
  return Math.ceil(Math.log2(v) * 2 ** scale) - 1;
}

const cases = [
  { encoding: 'json', temporality: 'cumulative', gzip: false },
  { encoding: 'json', temporality: 'delta', gzip: true },
  { encoding: 'protobuf', temporality: 'cumulative', gzip: true },
  { encoding: 'protobuf', temporality: 'delta', gzip: false },
] as const;

describe('Function: decodeOtlpJson / decodeOtlpProtobuf on real SDK exports', () => {
  for (const c of cases) {
    it(`decodes every instrument kind exactly (${c.encoding}, ${c.temporality}, gzip ${c.gzip})`, async () => {
      const requests = await captureSdkExport(
        { ...c, resource: RESOURCE, views: [exponentialView('latency.exp')], meterVersion: '1.2.3' },
        record,
      );
      expect(requests).toHaveLength(1);
      const request = requests[0] as CapturedRequest;
      expect(request.path).toBe('/v1/metrics');
      expect(request.headers['content-encoding']).toBe(c.gzip ? 'gzip' : undefined);
      expect(request.headers['content-type']).toContain(c.encoding === 'json' ? 'json' : 'protobuf');

      const { points, rejections } = decode(request, c.encoding);
      expect(rejections.total).toBe(0);
      expect(points).toHaveLength(7);
      const temporality = c.temporality === 'delta' ? 1 : 2;

      const a = one<NumberPoint>(points, 'http.server.requests', '"/a"');
      expect(a.value).toBe(3);
      expect(a.attributes.attributes).toEqual(POINT_ATTRS);
      expect(a.attributes.key).toBe('"ok"=t,"ratio"=n0.5,"route"="/a","status"=n200,"tags"=["x","y"]');
      expect(a.context.metric).toEqual({
        name: 'http.server.requests',
        unit: '{request}',
        description: '',
        kind: 'sum',
        temporality,
        monotonic: true,
      });
      expect(a.context.resource.attributes).toEqual(RESOURCE);
      expect(a.context.scope).toEqual({ name: 'capture-meter', version: '1.2.3' });
      expect(a.timeMs).toBeGreaterThan(Date.now() - 60_000);
      expect([a.startMs, a.startNs]).not.toEqual([0, 0]);
      expect(one<NumberPoint>(points, 'http.server.requests', '"/b"').value).toBe(4);

      // The exporter's DELTA preference keeps UpDownCounters cumulative.
      const depth = one<NumberPoint>(points, 'queue.depth');
      expect(depth.value).toBe(3);
      expect(depth.context.metric).toMatchObject({ kind: 'sum', temporality: 2, monotonic: false });
      expect(depth.attributes.key).toBe('');

      const h = one<HistogramPoint>(points, 'http.server.duration');
      expect(h.context.metric).toMatchObject({ kind: 'histogram', temporality, unit: 'ms' });
      expect(h.count).toBe(DURATIONS.length);
      expect(h.sum).toBe(DURATIONS.reduce((x, y) => x + y, 0));
      expect([h.min, h.max]).toEqual([0.25, 120]);
      expect(h.bounds).toEqual(DEFAULT_BOUNDS);
      const expected = new Array(DEFAULT_BOUNDS.length + 1).fill(0);
      for (const v of DURATIONS) {
        const i = DEFAULT_BOUNDS.findIndex((b) => v <= b);
        expected[i < 0 ? DEFAULT_BOUNDS.length : i]++;
      }
      expect(h.bucketCounts).toEqual(expected);

      const e = one<ExponentialHistogramPoint>(points, 'latency.exp');
      expect(e.context.metric).toMatchObject({ kind: 'exponentialHistogram', temporality });
      expect([e.count, e.sum, e.min, e.max, e.zeroCount]).toEqual([6, 23.5, 0.5, 8, 0]);
      const byIndex = new Map<number, number>();
      for (const v of EXP_VALUES)
        byIndex.set(expIndex(v, e.scale), (byIndex.get(expIndex(v, e.scale)) ?? 0) + 1);
      e.positive.bucketCounts.forEach((count, i) => {
        expect(count, `bucket ${e.positive.offset + i}`).toBe(byIndex.get(e.positive.offset + i) ?? 0);
      });
      expect(e.negative.bucketCounts.reduce((x, y) => x + y, 0)).toBe(0);

      const gauge = one<NumberPoint>(points, 'cpu.temp');
      expect([gauge.value, gauge.attributes.attributes]).toEqual([41.5, { core: '0' }]);
      expect(gauge.context.metric).toMatchObject({
        kind: 'gauge',
        temporality: 0,
        monotonic: false,
        unit: 'Cel',
      });
      const observed = one<NumberPoint>(points, 'mem.used');
      expect([observed.value, observed.attributes.key]).toEqual([1234.5, '"pool"="heap"']);
    });
  }

  it('gives JSON and protobuf exports of the same data the same context and attribute keys', async () => {
    const keys = async (encoding: 'json' | 'protobuf') => {
      const [request] = await captureSdkExport(
        { encoding, temporality: 'delta', resource: RESOURCE, views: [exponentialView('latency.exp')] },
        record,
      );
      const { points } = decode(request as CapturedRequest, encoding);
      return points.map((p) => `${p.type} ${p.context.key} ${p.attributes.key}`).sort();
    };
    expect(await keys('json')).toEqual(await keys('protobuf'));
  });

  it('reports only the new measurements in the second delta export', async () => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const requests = await captureSdkExport({ encoding, temporality: 'delta' }, async (meter, flush) => {
        const counter = meter.createCounter('jobs');
        const hist = meter.createHistogram('size');
        counter.add(5);
        hist.record(10);
        await flush();
        counter.add(2);
        hist.record(3);
        hist.record(4);
      });
      expect(requests).toHaveLength(2);
      const [first, second] = requests.map((r) => decode(r, encoding).points);
      expect(one<NumberPoint>(first ?? [], 'jobs').value).toBe(5);
      const jobs = one<NumberPoint>(second ?? [], 'jobs');
      const size = one<HistogramPoint>(second ?? [], 'size');
      expect([jobs.value, size.count, size.sum, size.min, size.max]).toEqual([2, 2, 7, 3, 4]);
      // Consecutive delta intervals touch: the second starts where the first ended.
      const firstJobs = one<NumberPoint>(first ?? [], 'jobs');
      expect([jobs.startMs, jobs.startNs]).toEqual([firstJobs.timeMs, firstJobs.timeNs]);
    }
  });
});
