import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS, encodeTaggedState, kindForPoint } from '#core/aggregate/index.js';
import { inflateFrame } from '#core/codec/deflate-frame.js';
import { StateCodecError } from '#core/errors.js';
import {
  PARTIAL_CODEC_COMPRESSED,
  PARTIAL_CODEC_VERSION,
  packStates,
  packStatesChunked,
  unpackStates,
} from '#core/preaggregate/partial-codec.js';
import { preAggregate } from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '#core/series/id.js';
import { parseTiers } from '#core/window/tiers.js';
import { attributeSet, numberPoint, WINDOW_START_MS } from '../../support/points.js';

const [minute] = parseTiers(['1m']);

function group(values: number[], tenant = 't') {
  const points = values.map((v, i) =>
    numberPoint(v, { timeMs: WINDOW_START_MS + (i % 60) * 1000, attributes: attributeSet({ s: i % 7 }) }),
  );
  const agg = preAggregate(points, {
    tenant,
    tier: minute as NonNullable<typeof minute>,
    ids: new SeriesIdCache(1),
    aggregate: DEFAULT_AGGREGATE_OPTIONS,
    resolveKind: kindForPoint,
  });
  const [only] = agg.groups.values();
  if (only === undefined) throw new Error('no group');
  return only;
}

describe('Function: packStates / unpackStates', () => {
  it('round-trips every series of a group with its id and tagged state', () => {
    const g = group([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -3.5, 0]);
    const unpacked = unpackStates(packStates(g.series.values()));
    expect(unpacked.map((e) => e.seriesId)).toEqual([...g.series.keys()].sort());
    for (const e of unpacked) {
      const original = g.series.get(e.seriesId);
      expect(original).toBeDefined();
      if (original === undefined) continue;
      expect(encodeTaggedState(e.kind, e.state)).toEqual(encodeTaggedState(original.kind, original.state));
    }
  });

  it('gives the same bytes whatever order the series were added in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 40 }),
        (values) => {
          const g = group(values);
          const entries = [...g.series.values()];
          expect(packStates(entries.reverse())).toEqual(packStates(g.series.values()));
        },
      ),
    );
  });

  it('stores packs compressed when that is smaller, and reads both forms', () => {
    const entries = [...group([1, 2, 3, 40, 50, 60, 7.25, 8, 9, 10, 11, 12]).series.values()];
    const bytes = packStates(entries);
    expect(bytes[0]).toBe(PARTIAL_CODEC_COMPRESSED);
    const plain = inflateFrame(bytes, PARTIAL_CODEC_COMPRESSED, PARTIAL_CODEC_VERSION);
    expect(plain[0]).toBe(PARTIAL_CODEC_VERSION);
    expect(bytes.length).toBeLessThan(plain.length);
    // Packs written before compression (version 2) still read, to the same entries.
    expect(unpackStates(plain)).toEqual(unpackStates(bytes));
  });

  it('refuses truncated or corrupt bytes with StateCodecError only', () => {
    const bytes = packStates(group([1, 2, 3, 40, 50, 60, 7.25]).series.values());
    for (let n = 0; n < bytes.length; n++)
      expect(() => unpackStates(bytes.subarray(0, n))).toThrow(StateCodecError);
    expect(() => unpackStates(Uint8Array.of(...bytes, 0))).toThrow(StateCodecError);
    expect(() => unpackStates(Uint8Array.of(PARTIAL_CODEC_COMPRESSED, 0xff, 0x00))).toThrow(StateCodecError);
    expect(() => unpackStates(Uint8Array.of(9, ...bytes.subarray(1)))).toThrow(/unknown partial version 9/);
    expect(() => unpackStates(Uint8Array.of(1, 0))).toThrow(/unknown partial version 1/);
    expect(() => unpackStates(Uint8Array.of(2, 0xff, 0xff, 0x7f))).toThrow(/claims/);
    expect(() => unpackStates(Uint8Array.of(2, 1, 1, 0x74, 0xff, 0xff, 0x7f))).toThrow(/claims/);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const corrupt = bytes.slice();
          corrupt[at] = (corrupt[at] ?? 0) ^ xor;
          try {
            unpackStates(corrupt);
          } catch (error) {
            expect(error).toBeInstanceOf(StateCodecError);
          }
        },
      ),
    );
  });
});

describe('Function: packStatesChunked', () => {
  it('splits deterministically into complete packs under the limit, losing nothing', () => {
    const g = group(Array.from({ length: 70 }, (_, i) => i * 1.5));
    const whole = unpackStates(packStates(g.series.values()));
    const chunks = packStatesChunked(g.series.values(), 120);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(120 + 8);
    const rejoined = chunks.flatMap((c) => unpackStates(c));
    expect(rejoined.map((e) => e.seriesId)).toEqual(whole.map((e) => e.seriesId));
    expect(packStatesChunked([...g.series.values()].reverse(), 120)).toEqual(chunks);
    expect(packStatesChunked(g.series.values(), 1_000_000)).toEqual([packStates(g.series.values())]);
  });
});

describe('Tenant sections', () => {
  it('keeps each series with its tenant, one section per tenant, in any input order', () => {
    const a = [...group([1, 2, 3, 4, 5, 6, 7], 'acme').series.values()];
    const b = [...group([10, 20, 30], 'beta-co').series.values()];
    const mixed = [b[0], a[3], a[0], b[2], a[1], b[1], a[2], a[4], a[5], a[6]].filter((e) => e !== undefined);
    const bytes = packStates(mixed);
    expect(packStates([...mixed].reverse())).toEqual(bytes);
    const unpacked = unpackStates(bytes);
    expect(unpacked.map((e) => e.tenant)).toEqual([...a.map(() => 'acme'), ...b.map(() => 'beta-co')]);
    for (const e of unpacked) {
      const original = [...a, ...b].find((o) => o.seriesId === e.seriesId);
      expect(original?.tenant).toBe(e.tenant);
    }
    // The tenant's name is written once per section, not once per series (in the plain form).
    const plain = inflateFrame(bytes, PARTIAL_CODEC_COMPRESSED, PARTIAL_CODEC_VERSION);
    expect(new TextDecoder().decode(plain).split('acme').length - 1).toBe(1);
  });

  it('chunks across tenant boundaries, each chunk a complete pack', () => {
    const a = [
      ...group(
        Array.from({ length: 30 }, (_, i) => i),
        'acme',
      ).series.values(),
    ];
    const b = [
      ...group(
        Array.from({ length: 30 }, (_, i) => -i),
        'beta-co',
      ).series.values(),
    ];
    for (const limit of [1, 60, 150, 400, 10_000]) {
      const chunks = packStatesChunked([...a, ...b], limit);
      const rejoined = chunks.flatMap((c) => unpackStates(c));
      expect(rejoined.map((e) => `${e.tenant}/${e.seriesId}`)).toEqual(
        unpackStates(packStates([...a, ...b])).map((e) => `${e.tenant}/${e.seriesId}`),
      );
      if (limit >= 150) for (const c of chunks) expect(c.length).toBeLessThanOrEqual(limit + 16);
    }
  });

  it('packs nothing into one empty pack', () => {
    expect(unpackStates(packStates([]))).toEqual([]);
    expect(packStatesChunked([], 100)).toHaveLength(1);
  });
});
