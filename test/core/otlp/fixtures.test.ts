/**
 * The captured exporter bodies in ../shared/fixtures/otlp (see its README): the same request through
 * gzip or not decodes identically; JSON and protobuf captures (separate runs, so random histogram
 * values and times differ) agree on everything deterministic: series identity, kinds, temporality,
 * counts and the counters' values.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { inflateBounded } from '#core/otlp/inflate.js';
import type { DecodeResult, NormalizedPoint, NumberPoint } from '#core/point.js';
import { options } from './helpers.js';

const DIR = fileURLToPath(new URL('../../../../shared/fixtures/otlp/', import.meta.url));
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(DIR + name));

/** All fixture times are 2026-11-25 ~16:59:46Z. */
const OPTIONS = options({ nowMs: 1_795_633_200_000 });

function decodeFile(name: string): DecodeResult {
  const raw = read(name);
  const body = name.endsWith('.gz') ? inflateBounded(raw, 'gzip', 1 << 20) : raw;
  return name.includes('.json') ? decodeOtlpJson(body, OPTIONS) : decodeOtlpProtobuf(body, OPTIONS);
}

/** What two captures of the same instruments share whatever the run. */
function deterministic(p: NormalizedPoint): string {
  const base = `${p.type} ${p.context.key} ${p.attributes.key}`;
  switch (p.type) {
    case 'number':
      return `${base} value=${p.value}`;
    case 'histogram':
      return `${base} count=${p.count} bounds=${p.bounds.join(',')} buckets=${p.bucketCounts.length}`;
    case 'exponentialHistogram':
      return `${base} count=${p.count}`;
    case 'summary':
      return `${base} count=${p.count}`;
  }
}

describe('Function: decoders on captured exporter fixtures', () => {
  it.each([
    ['metrics-delta.json', 'metrics-delta.json.gz'],
    ['metrics-delta.pb', 'metrics-delta.pb.gz'],
    ['metrics-envgzip.pb', 'metrics-envgzip.pb.gz'],
  ])('decodes %s and its gzip body %s to the same points', (plain, gz) => {
    const a = decodeFile(plain);
    const b = decodeFile(gz);
    expect(a.rejections.total).toBe(0);
    expect(a.points).toHaveLength(12);
    expect(b).toEqual(a);
  });

  it.each([
    ['metrics.json', 'metrics.pb', 2],
    ['metrics-delta.json', 'metrics-delta.pb', 1],
  ])('decodes %s and %s to the same series, counts and counter values', (json, pb, temporality) => {
    const fromJson = decodeFile(json);
    const fromPb = decodeFile(pb);
    expect(fromJson.rejections.total).toBe(0);
    expect(fromPb.rejections.total).toBe(0);
    expect(fromJson.points.map(deterministic).sort()).toEqual(fromPb.points.map(deterministic).sort());
    const requests = fromPb.points.filter(
      (p) => p.context.metric.name === 'http.server.requests',
    ) as NumberPoint[];
    expect(requests.map((p) => p.value).sort()).toEqual([10, 40, 50]);
    expect(
      requests.every((p) => p.context.metric.temporality === temporality && p.context.metric.monotonic),
    ).toBe(true);
    // The UpDownCounter stays cumulative under the delta preference.
    const depth = fromPb.points.find((p) => p.context.metric.name === 'queue.depth');
    expect(depth?.context.metric.temporality).toBe(2);
  });

  it('reads the fixture resource, scope and integer attributes', () => {
    const [p] = decodeFile('metrics.pb').points;
    expect(p?.context.resource.attributes).toEqual({
      'host.name': 'h1',
      'service.name': 'probe-svc',
      'service.version': '1.2.3',
    });
    expect(p?.context.scope).toEqual({ name: 'probe-meter', version: '0.1.0' });
    const statuses = decodeFile('metrics.json').points.map((q) => q.attributes.attributes.status);
    expect(statuses).toContain(500);
  });

  it('keeps the exact nanosecond times of the JSON strings', () => {
    const text = readFileSync(`${DIR}metrics.json`, 'utf8');
    const time = /"timeUnixNano":"(\d+)"/.exec(text)?.[1] ?? '';
    const [p] = decodeFile('metrics.json').points;
    expect(BigInt(p?.timeMs ?? 0) * 1_000_000n + BigInt(p?.timeNs ?? 0)).toBe(BigInt(time));
  });
});
