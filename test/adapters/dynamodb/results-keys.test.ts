import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeResultPack,
  encodeResultPack,
  joinChunks,
  type PackedResult,
  splitChunks,
} from '#adapters/dynamodb/results-codec.js';
import {
  groupPackId,
  isValidResultWindow,
  parseResultSk,
  resultKeyProblem,
  resultPk,
  resultSk,
  resultSkRange,
  seriesPackId,
} from '#adapters/dynamodb/results-keys.js';
import { StoreRequestError } from '#app/errors.js';
import { windowKindOf } from '#app/results.js';
import { StateCodecError } from '#core/errors.js';
import type { AttributeValue } from '#core/point.js';

const SERIES = '0123456789abcdef0123456789abcdef';
const windowStart = fc.integer({ min: 0, max: 9_999_999_999_999 });
const group = fc.integer({ min: 0, max: 9999 });
/** A pack id: a group, or a session's series id. */
const pack = fc.oneof(group.map(groupPackId), fc.stringMatching(/^[0-9a-f]{32}$/).map(seriesPackId));
const chunk = fc.integer({ min: 0, max: 9999 });

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('Module: results-keys', () => {
  it('builds PK and SK with the metric as the rest and fixed-width numbers', () => {
    expect(resultPk('acme', '1m', 'http.server.duration')).toBe('acme#1m#http.server.duration');
    expect(resultPk('acme', '5m/1m', 'a#b/c.d:e')).toBe('acme#5m/1m#a#b/c.d:e');
    expect(resultPk('acme', 'session:5m', 'ラテン')).toBe('acme#session:5m#ラテン');
    expect(resultSk(1_700_000_040_000, groupPackId(3), 0)).toBe('1700000040000#0003#0000');
    expect(resultSk(60_000, groupPackId(12), 7)).toBe('0000000060000#0012#0007');
    expect(resultSk(60_000, seriesPackId(SERIES), 0)).toBe(`0000000060000#${SERIES}#0000`);
  });

  it('refuses what would make a key ambiguous or too long', () => {
    expect(() => resultPk('a#b', '1m', 'm')).toThrow(StoreRequestError);
    expect(() => resultPk('acme', '1m#x', 'm')).toThrow(StoreRequestError);
    expect(() => resultPk('acme', '1m', '')).toThrow(StoreRequestError);
    expect(() => resultPk('acme', '1m', 'x'.repeat(2048))).toThrow(/over DynamoDB's 2048/);
    expect(resultKeyProblem('acme', '1m', '\ud800')).toMatch(/lone surrogate/);
    expect(resultKeyProblem('acme', '1m', '😀')).toBeUndefined();
    expect(isValidResultWindow('session:5m')).toBe(true);
    expect(isValidResultWindow('')).toBe(false);
    expect(() => resultSk(-1, '0000', 0)).toThrow(StoreRequestError);
    expect(() => groupPackId(10_000)).toThrow(StoreRequestError);
    expect(() => seriesPackId('ABC')).toThrow(StoreRequestError);
    expect(() => resultSk(0, '12', 0)).toThrow(StoreRequestError);
    expect(() => resultSk(0, '0000', 1.5)).toThrow(StoreRequestError);
  });

  it('tells the window kind from the name', () => {
    expect(windowKindOf('1m')).toBe('tier');
    expect(windowKindOf('5m/1m')).toBe('sliding');
    expect(windowKindOf('session:5m')).toBe('session');
  });

  it('sorts SKs by window start, then group, then chunk, and parses what it builds', () => {
    fc.assert(
      fc.property(windowStart, group, chunk, windowStart, group, chunk, (w1, g1, c1, w2, g2, c2) => {
        const numeric = Math.sign(w1 - w2 || g1 - g2 || c1 - c2);
        const sk = (w: number, g: number, c: number) => resultSk(w, groupPackId(g), c);
        expect(Math.sign(compare(sk(w1, g1, c1), sk(w2, g2, c2)))).toBe(numeric);
      }),
    );
    fc.assert(
      fc.property(windowStart, pack, chunk, (w, p, c) => {
        expect(parseResultSk(resultSk(w, p, c))).toEqual({ windowStartMs: w, packId: p, chunk: c });
      }),
    );
    expect(parseResultSk('1700000040000#0003')).toBeUndefined();
  });

  it('a range [from, to) holds exactly the SKs of window starts in it', () => {
    fc.assert(
      fc.property(windowStart, windowStart, windowStart, pack, chunk, (from, to, w, p, c) => {
        const range = resultSkRange(from, to);
        const sk = resultSk(w, p, c);
        const inside = range !== undefined && sk >= range.low && sk <= range.high;
        expect(inside).toBe(w >= from && w < to);
      }),
    );
    expect(resultSkRange(5, 5)).toBeUndefined();
    expect(resultSkRange(-100, 1)).toEqual({ low: '0000000000000', high: '0000000000000#~' });
  });
});

const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('\u0000', '\u0000\u0000', '\u0000NaN', '\u0000-0', ''),
  fc.double(),
  fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 2),
  fc.boolean(),
  fc.constant(null),
);
const { value: attributeValue } = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value'), { maxKeys: 4 }),
  ),
}));
const attributes = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), attributeValue, {
  maxKeys: 5,
});

const packed: fc.Arbitrary<PackedResult> = fc.record({
  seriesId: fc.stringMatching(/^[0-9a-f]{32}$/),
  unit: fc.string(),
  metricKind: fc.constantFrom('gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'),
  attributes,
  resource: attributes,
  endMs: windowStart,
  version: fc.nat(),
  stats: fc.record(
    {
      count: fc.nat(),
      sum: fc.double({ noNaN: true, noDefaultInfinity: true }),
      min: fc.double({ noNaN: true, noDefaultInfinity: true }),
      percentiles: fc.dictionary(fc.constantFrom('p50', 'p99', 'p99.9'), fc.double({ noNaN: true })),
      buckets: fc.record({ bounds: fc.array(fc.double()), counts: fc.array(fc.nat()) }),
    },
    { requiredKeys: ['count'] },
  ),
});

/** Deep equality that tells -0 from 0 (toStrictEqual does not for nested values in every version). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every(
        (k) =>
          Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}

describe('Module: results-codec', () => {
  it('decode(encode(x)) is x, exactly: NaN, ±Infinity, -0, NUL-prefixed strings, nesting, unicode', () => {
    fc.assert(
      fc.property(fc.array(packed, { maxLength: 5 }), (results) => {
        const decoded = decodeResultPack(encodeResultPack(results));
        expect(same(decoded, results)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and compresses repeated structure', () => {
    const results: PackedResult[] = Array.from({ length: 500 }, (_, i) => ({
      seriesId: i.toString(16).padStart(32, '0'),
      unit: 'ms',
      metricKind: 'gauge',
      attributes: { 'http.route': `/api/${i % 7}`, 'http.method': 'GET', code: 200 },
      resource: { 'service.name': 'checkout', 'host.name': 'ip-10-0-0-1' },
      endMs: 1_700_000_100_000,
      version: 1,
      stats: { count: i, sum: i * 1.5, min: 0.25, max: i, avg: 1.5, percentiles: { p50: 1, p99: 2 } },
    }));
    const a = encodeResultPack(results);
    expect(encodeResultPack(results)).toEqual(a);
    expect(a.length).toBeLessThan(JSON.stringify(results).length / 5);
  });

  it('splits into chunks of at most chunkBytes and joins them back', () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, i) => i);
    expect(splitChunks(bytes, 4).map((c) => [...c])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(joinChunks(splitChunks(bytes, 3))).toEqual(bytes);
    expect(splitChunks(new Uint8Array(0), 4)).toHaveLength(1);
    expect(() => splitChunks(bytes, 0)).toThrow(RangeError);
  });

  it('refuses unknown formats and corrupt bytes with StateCodecError', () => {
    const good = encodeResultPack([]);
    expect(() => decodeResultPack(new Uint8Array(0))).toThrow(StateCodecError);
    expect(() => decodeResultPack(Uint8Array.of(2, ...good.subarray(1)))).toThrow(/unknown format 2/);
    expect(() => decodeResultPack(Uint8Array.of(1, 0xff, 0xff))).toThrow(StateCodecError);
    const notArray = Uint8Array.of(1, ...deflateRawSync('{"a":1}'));
    expect(() => decodeResultPack(notArray)).toThrow(/not an array/);
    const badEntry = Uint8Array.of(1, ...deflateRawSync(`[{"id":"${SERIES}"}]`));
    expect(() => decodeResultPack(badEntry)).toThrow(/entry 0 is malformed/);
    const badEscape = Uint8Array.of(1, ...deflateRawSync('["\\u0000what"]'));
    expect(() => decodeResultPack(badEscape)).toThrow(/unknown escaped value/);
  });
});
