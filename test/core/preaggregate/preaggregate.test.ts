import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, encodeTaggedState, kindForPoint } from '#core/aggregate/index.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { decodeSimplePoints } from '#core/otlp/simple-points.js';
import type { NormalizedPoint } from '#core/point.js';
import {
  type PreAggregation,
  type SeriesWindowState as PreAggregationEntry,
  PreAggregator,
  preAggregate,
} from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache, shardOf } from '#core/series/id.js';
import { parseTiers } from '#core/window/tiers.js';
import { options } from '../otlp/helpers.js';

const [minute] = parseTiers(['1m']);
if (minute === undefined) throw new Error('unreachable');
const T = Date.parse('2026-11-25T10:00:00.000Z');
const OPTIONS = options({ nowMs: T + 600_000 });

function run(points: readonly NormalizedPoint[], tenant = 'default', shards = 8): PreAggregation {
  return preAggregate(points, {
    tenant,
    tier: minute as NonNullable<typeof minute>,
    ids: new SeriesIdCache(shards),
    aggregate: DEFAULT_AGGREGATE_OPTIONS,
    resolveKind: kindForPoint,
  });
}

function simple(points: object[]): NormalizedPoint[] {
  const result = decodeSimplePoints(JSON.stringify({ points }), OPTIONS);
  expect(result.rejections.total).toBe(0);
  return result.points;
}

/** seriesId@windowStart → finalized stats, for comparing pre-aggregations. */
function finalized(agg: PreAggregation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const group of agg.groups.values()) {
    for (const e of group.series.values()) {
      out[`${e.seriesId}@${e.windowStartMs}`] = e.kind.finalize(e.state, {
        windowStartMs: e.windowStartMs,
        windowEndMs: e.windowStartMs + 60_000,
        percentiles: [50, 99],
      });
    }
  }
  return out;
}

describe('Function: preAggregate', () => {
  it('folds a request into one state per (series, first-tier window), grouped by window and shard', () => {
    const points = simple([
      { metric: 'cpu.temp', timestamp: T + 1_000, value: 40, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 2_000, value: 42, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 61_000, value: 44, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 3_000, value: 10, attributes: { host: 'b' } },
    ]);
    const agg = run(points);
    expect(agg.points).toBe(4);
    expect(agg.seriesWindows).toBe(3);
    const stats = Object.values(finalized(agg)) as { count: number; sum: number }[];
    expect(stats.map((s) => [s.count, s.sum]).sort()).toEqual([
      [1, 10],
      [1, 44],
      [2, 82],
    ]);
    for (const group of agg.groups.values()) {
      expect(group.windowStartMs % 60_000).toBe(0);
      for (const e of group.series.values()) {
        expect(e.shard).toBe(group.shard);
        expect(e.shard).toBe(shardOf(e.seriesId, 8));
        expect(e.windowStartMs).toBe(group.windowStartMs);
      }
    }
  });

  it('gives the same series the same id whatever the attribute order, and tenants distinct ids', () => {
    const a = run(simple([{ metric: 'm', timestamp: T, value: 1, attributes: { x: '1', y: 2, z: true } }]));
    const b = run(simple([{ metric: 'm', timestamp: T, value: 1, attributes: { z: true, y: 2, x: '1' } }]));
    const c = run(
      simple([{ metric: 'm', timestamp: T, value: 1, attributes: { x: '1', y: 2, z: true } }]),
      'other',
    );
    const ids = (agg: PreAggregation) => Object.keys(finalized(agg));
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
  });

  it('splitting a request and merging the parts equals pre-aggregating it whole', () => {
    const points = simple(
      Array.from({ length: 200 }, (_, i) => ({
        metric: `m${i % 3}`,
        timestamp: T + i * 997,
        value: ((i * 7919) % 101) - 50,
        attributes: { k: String(i % 5) },
      })),
    );
    const whole = finalized(run(points));
    const parts = [run(points.slice(0, 77)), run(points.slice(77))];
    const merged = new Map<
      string,
      { kind: PreAggregationEntry['kind']; state: unknown; windowStartMs: number }
    >();
    for (const part of parts) {
      for (const group of part.groups.values()) {
        for (const e of group.series.values()) {
          const key = `${e.seriesId}@${e.windowStartMs}`;
          const existing = merged.get(key);
          if (existing === undefined)
            merged.set(key, { kind: e.kind, state: e.state, windowStartMs: e.windowStartMs });
          else existing.state = e.kind.merge(existing.state, e.state, DEFAULT_AGGREGATE_OPTIONS);
        }
      }
    }
    expect([...merged.keys()].sort()).toEqual(Object.keys(whole).sort());
    for (const [key, e] of merged) {
      const stats = e.kind.finalize(e.state, {
        windowStartMs: e.windowStartMs,
        windowEndMs: e.windowStartMs + 60_000,
        percentiles: [50, 99],
      });
      const expected = whole[key] as typeof stats;
      expect(stats.count).toBe(expected.count);
      expect(stats.sum).toBe(expected.sum); // integer values: exact
      expect(stats.min).toBe(expected.min);
      expect(stats.max).toBe(expected.max);
      expect(stats.stddev).toBeCloseTo(expected.stddev ?? Number.NaN, 9);
      expect(stats.percentiles).toEqual(expected.percentiles);
    }
  });

  it('is deterministic: the same request gives byte-identical states', () => {
    const body = readFileSync(
      fileURLToPath(new URL('../../../../shared/fixtures/otlp/metrics-delta.pb', import.meta.url)),
    );
    const fixtureOptions = options({ nowMs: 1_795_633_200_000 });
    const encode = (agg: PreAggregation) =>
      [...agg.groups.values()].flatMap((g) =>
        [...g.series.values()].map((e) => [
          e.seriesId,
          Buffer.from(encodeTaggedState(e.kind, e.state)).toString('hex'),
        ]),
      );
    const once = encode(run(decodeOtlpProtobuf(new Uint8Array(body), fixtureOptions).points));
    const again = encode(run(decodeOtlpProtobuf(new Uint8Array(body), fixtureOptions).points));
    expect(once.length).toBe(12);
    expect(again).toEqual(once);
  });

  it('gives the JSON and protobuf captures of the same instruments the same series ids', () => {
    const dir = fileURLToPath(new URL('../../../../shared/fixtures/otlp/', import.meta.url));
    const fixtureOptions = options({ nowMs: 1_795_633_200_000 });
    const ids = (points: NormalizedPoint[]) =>
      new Set(Object.keys(finalized(run(points))).map((k) => k.split('@')[0]));
    const fromJson = ids(decodeOtlpJson(readFileSync(`${dir}metrics.json`), fixtureOptions).points);
    const fromPb = ids(
      decodeOtlpProtobuf(new Uint8Array(readFileSync(`${dir}metrics.pb`)), fixtureOptions).points,
    );
    expect(fromJson.size).toBe(12);
    expect(fromPb).toEqual(fromJson);
  });
});

describe('Class: PreAggregator', () => {
  it('folds points streamed from a decoder exactly like preAggregate over the decoded array', () => {
    const body = readFileSync(
      fileURLToPath(new URL('../../../../shared/fixtures/otlp/metrics-delta.pb', import.meta.url)),
    );
    const fixtureOptions = options({ nowMs: 1_795_633_200_000 });
    const settings = {
      tenant: 'default',
      tier: minute as NonNullable<typeof minute>,
      ids: new SeriesIdCache(8),
      aggregate: DEFAULT_AGGREGATE_OPTIONS,
      resolveKind: kindForPoint,
    };
    const streamed = new PreAggregator(settings);
    const result = decodeOtlpProtobuf(new Uint8Array(body), fixtureOptions, (p) => streamed.add(p));
    expect(result.points).toEqual([]);
    expect(result.accepted).toBe(12);
    const whole = run(decodeOtlpProtobuf(new Uint8Array(body), fixtureOptions).points);
    expect(finalized(streamed.result())).toEqual(finalized(whole));
    expect(streamed.result().points).toBe(12);
  });
  it('finds the same state whether a series comes back in the same objects, equal copies, or after another window', () => {
    const points = simple([
      { metric: 'cpu.temp', timestamp: T + 1_000, value: 1, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 61_000, value: 2, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 2_000, value: 3, attributes: { host: 'a' } },
      { metric: 'cpu.temp', timestamp: T + 3_000, value: 4, attributes: { host: 'b' } },
      { metric: 'cpu.temp', timestamp: T + 62_000, value: 5, attributes: { host: 'a' } },
    ]);
    const [p0, p1, p2, p3, p4] = points as [
      NormalizedPoint,
      NormalizedPoint,
      NormalizedPoint,
      NormalizedPoint,
      NormalizedPoint,
    ];
    // Equal but distinct context and attribute objects, as from another Metric of the same body.
    const copied = {
      ...p2,
      context: { ...p2.context },
      attributes: { ...p2.attributes },
    } as NormalizedPoint;
    const agg = run([p0, p1, copied, p3, p4, p0]);
    expect(agg.seriesWindows).toBe(3);
    expect(agg.points).toBe(6);
    const counts: Record<string, number> = {};
    for (const group of agg.groups.values()) {
      for (const e of group.series.values()) counts[`${e.attributes.key}@${e.windowStartMs - T}`] = e.points;
    }
    const a = p0.attributes.key;
    const b = p3.attributes.key;
    expect(counts).toEqual({ [`${a}@0`]: 3, [`${a}@60000`]: 2, [`${b}@0`]: 1 });
    expect(finalized(agg)).toEqual(finalized(run([p0, p1, p2, p3, p4, p0])));
  });
});
