import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SeriesIdCache,
  seriesIdBytes,
  seriesIdHex,
  seriesIdOf,
  seriesKey,
  shardOf,
} from '#core/series/id.js';
import { attributeSet, metricContext } from '../../support/points.js';

describe('Class: SeriesIdCache', () => {
  const context = metricContext({ name: 'http.server.duration', kind: 'histogram' });
  const a = attributeSet({ route: '/a' });
  const b = attributeSet({ route: '/b' });

  it('gives the id of the identity string and the shard of the id', () => {
    const cache = new SeriesIdCache(8);
    const ref = cache.ref('t1', context, a);
    expect(ref.seriesId).toBe(seriesIdOf(seriesKey('t1', context, a)));
    expect(ref.seriesId).toMatch(/^[0-9a-f]{32}$/);
    expect(ref.shard).toBe(shardOf(ref.seriesId, 8));
    expect(cache.ref('t1', context, a)).toBe(ref);
  });

  it('separates tenants, metrics and attribute sets', () => {
    const cache = new SeriesIdCache(8);
    const ids = new Set([
      cache.ref('t1', context, a).seriesId,
      cache.ref('t2', context, a).seriesId,
      cache.ref('t1', context, b).seriesId,
      cache.ref('t1', metricContext({ name: 'other', kind: 'histogram' }), a).seriesId,
    ]);
    expect(ids.size).toBe(4);
  });

  it('stays bounded, and gives the same ids after clearing', () => {
    const cache = new SeriesIdCache(4, 10);
    const first = Array.from({ length: 25 }, (_, i) => cache.ref('t', context, attributeSet({ i })).seriesId);
    expect(cache.size).toBeLessThanOrEqual(10);
    const again = Array.from({ length: 25 }, (_, i) => cache.ref('t', context, attributeSet({ i })).seriesId);
    expect(again).toEqual(first);
  });

  it('spreads series evenly over shards', () => {
    const cache = new SeriesIdCache(8);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) {
      const { shard } = cache.ref('t', context, attributeSet({ i }));
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

describe('Function: seriesIdHex', () => {
  it('is the inverse of seriesIdBytes for every 128-bit id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const hex = seriesIdHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]{32}$/);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(seriesIdBytes(hex)).toEqual(bytes);
      }),
    );
  });
});
