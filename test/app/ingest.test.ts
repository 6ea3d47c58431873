import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '#app/errors.js';
import { partialIdOf } from '#app/ingest/partial-writes.js';
import { ingest } from '#app/ingest.js';
import { parseConfig } from '#core/config/config.js';
import { DecodeError } from '#core/errors.js';
import { unpackStates } from '#core/preaggregate/partial-codec.js';
import { SeriesIdCache } from '#core/series/id.js';
import { ManualClock, MemorySeriesCatalog, MemoryWindowStore } from '../support/memory-ports.js';

const T = Date.parse('2026-11-25T10:00:00.000Z');
const config = parseConfig({ tiers: ['1m', '1h', '1d'], allowedLateness: '30s', shards: 4 });
const encoder = new TextEncoder();

function setup(now = T + 5_000) {
  const store = new MemoryWindowStore();
  const catalog = new MemorySeriesCatalog();
  const clock = new ManualClock(now);
  return {
    store,
    catalog,
    clock,
    deps: { store, catalog, clock, config, ids: new SeriesIdCache(config.shards) },
  };
}

function points(list: { metric: string; t: number; value: number; host?: string }[]): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      points: list.map((p) => ({
        metric: p.metric,
        timestamp: p.t,
        value: p.value,
        attributes: { host: p.host ?? 'a' },
      })),
    }),
  );
}

describe('Function: ingest', () => {
  it('writes one packed partial per (window, shard) and registers new series once', async () => {
    const { store, catalog, deps } = setup();
    const result = await ingest(
      {
        tenant: 'default',
        format: 'points',
        body: points([
          { metric: 'cpu', t: T - 61_000, value: 1 },
          { metric: 'cpu', t: T - 59_000, value: 2 },
          { metric: 'cpu', t: T + 1_000, value: 3 },
          { metric: 'mem', t: T + 2_000, value: 10, host: 'b' },
        ]),
      },
      deps,
    );
    expect(result).toMatchObject({ accepted: 4, rejected: 0, seriesWindows: 4, newSeries: 2 });
    const windows = new Set([...store.partials.values()].map((p) => p.windowStartMs));
    expect(windows).toEqual(new Set([T - 120_000, T - 60_000, T]));
    expect(result.partials).toBe(store.partials.size);
    expect(catalog.series.size).toBe(2);
    const states = [...store.partials.values()].flatMap((p) => unpackStates(p.data));
    const counts = states.map(
      (s) => s.kind.finalize(s.state, { windowStartMs: 0, windowEndMs: 60_000, percentiles: [] }).count,
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    for (const p of store.partials.values())
      expect(p.expiresAtSec * 1000).toBeGreaterThan(p.windowStartMs + config.correctionHorizonMs);
  });

  it('is idempotent: the same request twice leaves the same items, byte for byte', async () => {
    const { store, deps } = setup();
    const body = points([
      { metric: 'cpu', t: T + 1_000, value: 3 },
      { metric: 'cpu', t: T + 2_000, value: 5, host: 'b' },
    ]);
    await ingest({ tenant: 'default', format: 'points', body }, deps);
    const once = new Map([...store.partials].map(([k, v]) => [k, Buffer.from(v.data).toString('hex')]));
    await ingest({ tenant: 'default', format: 'points', body }, deps);
    const twice = new Map([...store.partials].map(([k, v]) => [k, Buffer.from(v.data).toString('hex')]));
    expect(twice).toEqual(once);
    expect(store.writes).toBe(2);
  });

  it('derives partial ids from tenant, format and body only', () => {
    const body = points([{ metric: 'cpu', t: T, value: 1 }]);
    const a = partialIdOf({ tenant: 't', format: 'points', body });
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(partialIdOf({ tenant: 't', format: 'points', body: body.slice() })).toBe(a);
    expect(partialIdOf({ tenant: 'u', format: 'points', body })).not.toBe(a);
    expect(partialIdOf({ tenant: 't', format: 'otlp-json', body })).not.toBe(a);
  });

  it('counts rejected points and writes nothing for them', async () => {
    const { store, deps } = setup();
    const result = await ingest(
      {
        tenant: 'default',
        format: 'points',
        body: points([
          { metric: 'cpu', t: T + 60 * 60_000, value: 1 },
          { metric: 'cpu', t: T - 2 * 86_400_000, value: 1 },
        ]),
      },
      deps,
    );
    expect(result).toMatchObject({ accepted: 0, rejected: 2, partials: 0 });
    expect(result.rejections.byReason).toEqual({ too_far_in_future: 1, older_than_horizon: 1 });
    expect(store.partials.size).toBe(0);
  });

  it('writes nothing for an undecodable body and throws DecodeError', async () => {
    const { store, catalog, deps } = setup();
    await expect(
      ingest(
        { tenant: 'default', format: 'otlp-json', body: encoder.encode('{"resourceMetrics": 5}') },
        deps,
      ),
    ).rejects.toThrow(DecodeError);
    await expect(
      ingest({ tenant: 'default', format: 'otlp-protobuf', body: Uint8Array.of(0x0a, 0x05, 1) }, deps),
    ).rejects.toThrow(DecodeError);
    expect(store.partials.size).toBe(0);
    expect(catalog.series.size).toBe(0);
  });

  it('marks a late window for correction after writing (post-write lateness check)', async () => {
    const { store, deps } = setup(T + 95_000);
    const result = await ingest(
      {
        tenant: 'default',
        format: 'points',
        body: points([
          { metric: 'cpu', t: T + 1_000, value: 1 },
          { metric: 'cpu', t: T + 61_000, value: 1 },
        ]),
      },
      deps,
    );
    // [T, T+60s) closes at T+90s: late. [T+60s, T+120s) closes at T+150s: not yet.
    expect(result.corrections).toBe(1);
    expect(result.latePoints).toBe(1);
    expect([...store.marks.values()].map((m) => m.windowStartMs)).toEqual([T]);
  });

  it('marks a window whose close began while the write was in flight', async () => {
    const { store, clock, deps } = setup(T + 88_000);
    clock.advanceOnRead = 5_000; // the write took 5 s: the clock read after it is past the close
    const result = await ingest(
      { tenant: 'default', format: 'points', body: points([{ metric: 'cpu', t: T + 1_000, value: 1 }]) },
      deps,
    );
    expect(result.corrections).toBe(1);
    expect(store.marks.size).toBe(1);
  });

  it('lets a store outage through as StoreUnavailableError', async () => {
    const { store, deps } = setup();
    store.beforeWrite = () => {
      throw new StoreUnavailableError('throttled', 1);
    };
    await expect(
      ingest(
        { tenant: 'default', format: 'points', body: points([{ metric: 'cpu', t: T, value: 1 }]) },
        deps,
      ),
    ).rejects.toThrow(StoreUnavailableError);
  });

  it('writes partials whose tagged states decode to what was sent', async () => {
    // Was `expect(() => …).toBeDefined()`, an assertion that cannot fail.
    const { store, deps } = setup();
    await ingest(
      { tenant: 'default', format: 'points', body: points([{ metric: 'cpu', t: T, value: 7 }]) },
      deps,
    );
    const entries = [...store.partials.values()].flatMap((p) => unpackStates(p.data));
    expect(entries).toHaveLength(1);
    for (const e of entries) {
      expect(
        e.kind.finalize(e.state, { windowStartMs: T, windowEndMs: T + 60_000, percentiles: [50] }),
      ).toMatchObject({
        count: 1,
        sum: 7,
        min: 7,
        max: 7,
      });
    }
  });
});

describe('Regression: correction-mark TTL from the clock', () => {
  it('rewrites the same correction mark when a late request is retried seconds later', async () => {
    const { store, clock, deps } = setup(T + 95_000);
    const request = {
      tenant: 'default',
      format: 'points' as const,
      body: points([{ metric: 'cpu', t: T + 1_000, value: 1 }]),
    };
    await ingest(request, deps);
    const first = JSON.stringify([...store.marks.entries()]);
    clock.now += 7_000;
    await ingest(request, deps);
    expect(JSON.stringify([...store.marks.entries()])).toBe(first);
  });
});

describe('Limit: points per request', () => {
  it('accepts the first maxPointsPerRequest points and rejects the rest with reason point_limit', async () => {
    const small = parseConfig({
      tiers: ['1m', '1h', '1d'],
      allowedLateness: '30s',
      shards: 4,
      limits: { maxPointsPerRequest: 5 },
    });
    const store = new MemoryWindowStore();
    const catalog = new MemorySeriesCatalog();
    const clock = new ManualClock(T + 5_000);
    const result = await ingest(
      {
        tenant: 'default',
        format: 'points',
        body: points(Array.from({ length: 8 }, (_, i) => ({ metric: 'cpu', t: T + i, value: i }))),
      },
      { store, catalog, clock, config: small, ids: new SeriesIdCache(small.shards) },
    );
    expect(result).toMatchObject({ accepted: 5, rejected: 3 });
    expect(result.rejections.byReason).toEqual({ point_limit: 3 });
    const states = [...store.partials.values()].flatMap((p) => unpackStates(p.data));
    expect(states.reduce((a, s) => a + ((s.state as { count?: number }).count ?? 0), 0)).toBe(5);
  });
});

describe('Series that cannot be stored faithfully', () => {
  it('refuses names and attributes with unpaired surrogates (invalid_field), keeps the rest', async () => {
    const { store, deps } = setup();
    const body = encoder.encode(
      `{"points":[{"metric":"bad\\ud800","timestamp":${T + 1},"value":1},` +
        `{"metric":"ok","timestamp":${T + 1},"value":2,"attributes":{"k":"v\\udfff"}},` +
        `{"metric":"ok","timestamp":${T + 1},"value":3,"attributes":{"k":"\\\\ud800 is text","e":"😀"}}]}`,
    );
    const result = await ingest({ tenant: 'default', format: 'points', body }, deps);
    expect(result).toMatchObject({ accepted: 1, rejected: 2 });
    expect(result.rejections.byReason).toEqual({ invalid_field: 2 });
    const states = [...store.partials.values()].flatMap((p) => unpackStates(p.data));
    expect(states).toHaveLength(1);
  });
});
