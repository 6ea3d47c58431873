import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkpointKey,
  closedStateKey,
  correctionMarkKey,
  isValidPartialId,
  isValidTenant,
  openSessionKey,
  parseCorrectionMarkSk,
  parsePartialPk,
  parsePartialSk,
  partialKey,
  partialPk,
  seriesKeyOf,
} from '#adapters/dynamodb/keys.js';
import { StoreRequestError } from '#app/errors.js';

const SERIES = '0123456789abcdef0123456789abcdef';
const windowStart = fc.integer({ min: 0, max: 9_999_999_999_999 });
const shard = fc.integer({ min: 0, max: 9999 });
const tier = fc.integer({ min: 0, max: 999 });

describe('Module: keys', () => {
  it('builds every key of DESIGN.md §4 with fixed widths', () => {
    expect(partialKey(0, 1_700_000_040_000, 3, 'ab12', 0)).toEqual({
      pk: 'P#0#1700000040000#0003',
      sk: 'ab12#0000',
    });
    expect(partialKey(1, 60_000, 12, '~1700000040000', 2)).toEqual({
      pk: 'P#1#0000000060000#0012',
      sk: '~1700000040000#0002',
    });
    expect(closedStateKey(2, 86_400_000, 7, 1)).toEqual({ pk: 'C#2#0000086400000#0007', sk: '0001' });
    expect(seriesKeyOf('acme', SERIES)).toEqual({ pk: `S#acme#${SERIES}`, sk: 'meta' });
    expect(checkpointKey(1, 5)).toEqual({ pk: 'K#1', sk: '0005' });
    expect(correctionMarkKey(0, 1_700_000_040_000, 9)).toEqual({ pk: 'D#0', sk: '1700000040000#0009' });
    expect(openSessionKey(4, 'acme', SERIES)).toEqual({ pk: 'O#0004', sk: `acme#${SERIES}` });
  });

  it('sorts partial PKs and correction-mark SKs in time order, then shard order', () => {
    fc.assert(
      fc.property(windowStart, shard, windowStart, shard, (w1, s1, w2, s2) => {
        const numeric = Math.sign(w1 - w2 || s1 - s2);
        const mark = (w: number, s: number) => correctionMarkKey(0, w, s).sk;
        expect(Math.sign(compare(mark(w1, s1), mark(w2, s2)))).toBe(numeric);
        expect(Math.sign(compare(partialPk(1, w1, s1), partialPk(1, w2, s2)))).toBe(numeric);
      }),
    );
  });

  it('parses what it builds (partial PK, partial SK, correction-mark SK)', () => {
    fc.assert(
      fc.property(tier, windowStart, shard, fc.integer({ min: 0, max: 9999 }), (t, w, s, c) => {
        const key = partialKey(t, w, s, 'f00d', c);
        expect(parsePartialPk(key.pk)).toEqual({ tier: t, windowStartMs: w, shard: s });
        expect(parsePartialSk(key.sk)).toEqual({ partialId: 'f00d', chunk: c });
        expect(parseCorrectionMarkSk(correctionMarkKey(t, w, s).sk)).toEqual({ windowStartMs: w, shard: s });
      }),
    );
  });

  it('parsers answer undefined for malformed keys', () => {
    for (const pk of [
      '',
      'P#0#1700000040000',
      'C#0#1700000040000#0003',
      'P#01#1700000040000#0003',
      'P#0#170#0003',
    ]) {
      expect(parsePartialPk(pk)).toBeUndefined();
    }
    for (const sk of ['', 'abc', 'abc#1', '#0000', 'a b#0000']) expect(parsePartialSk(sk)).toBeUndefined();
    for (const sk of ['', '1700000040000', '1700000040000#3', 'x700000040000#0003']) {
      expect(parseCorrectionMarkSk(sk)).toBeUndefined();
    }
  });

  it('refuses values that cannot be encoded unambiguously', () => {
    expect(() => partialPk(0, -1, 0)).toThrow(StoreRequestError);
    expect(() => partialPk(0, 1e13, 0)).toThrow(StoreRequestError);
    expect(() => partialPk(0, 1.5, 0)).toThrow(StoreRequestError);
    expect(() => partialPk(0, 0, 10_000)).toThrow(StoreRequestError);
    expect(() => partialPk(-1, 0, 0)).toThrow(StoreRequestError);
    expect(() => partialKey(0, 0, 0, 'a#b', 0)).toThrow(StoreRequestError);
    expect(() => partialKey(0, 0, 0, 'ab', 10_000)).toThrow(StoreRequestError);
    expect(() => seriesKeyOf('a#b', SERIES)).toThrow(StoreRequestError);
    expect(() => seriesKeyOf('acme', 'not-hex')).toThrow(StoreRequestError);
  });

  it('validates tenants and partial ids', () => {
    for (const ok of ['a', 'acme-prod', 'A.b_c-9', 'x'.repeat(64)]) expect(isValidTenant(ok)).toBe(true);
    for (const bad of ['', 'a#b', 'a b', 'é', 'x'.repeat(65), 'a/b']) expect(isValidTenant(bad)).toBe(false);
    for (const ok of ['f00d', '~1700000040000', 'q+/=_-.:']) expect(isValidPartialId(ok)).toBe(true);
    for (const bad of ['', 'a#b', 'a b', 'x'.repeat(256)]) expect(isValidPartialId(bad)).toBe(false);
  });
});

/** DynamoDB compares S keys by UTF-8 bytes; for ASCII that is code-unit order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
