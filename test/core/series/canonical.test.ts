import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeSet,
  type CanonicalEntry,
  type CanonicalValue,
  canonicalArray,
  canonicalBool,
  canonicalBytes,
  canonicalEmpty,
  canonicalInt64Decimal,
  canonicalKvlist,
  canonicalNumber,
  canonicalString,
  metricContext,
} from '#core/series/canonical.js';

const e = (key: string, value: CanonicalValue): CanonicalEntry => ({ key, value });

describe('Function: attributeSet', () => {
  it('gives the documented key, sorted by attribute key', () => {
    const info = attributeSet([e('b', canonicalNumber(1)), e('a', canonicalString('x'))]);
    expect(info.set).toEqual({ attributes: { a: 'x', b: 1 }, key: '"a"="x","b"=n1' });
    expect(Object.keys(info.set.attributes)).toEqual(['a', 'b']);
    expect([info.count, info.maxKeyLength, info.maxValueLength]).toEqual([2, 1, 1]);
  });

  it('is the same whatever the order of the entries', () => {
    const entries = fc.uniqueArray(
      fc.record({ key: fc.string(), value: fc.oneof(fc.string(), fc.double(), fc.boolean()) }),
      { selector: (x) => x.key, maxLength: 8 },
    );
    fc.assert(
      fc.property(entries, fc.integer(), (list, seed) => {
        const canon = list.map(({ key, value }) =>
          e(
            key,
            typeof value === 'string'
              ? canonicalString(value)
              : typeof value === 'number'
                ? canonicalNumber(value)
                : canonicalBool(value),
          ),
        );
        const shuffled = canon.map((x, i) => [((seed ^ (i * 2654435761)) >>> 0) % 1000, x] as const);
        shuffled.sort((a, b) => a[0] - b[0]);
        expect(attributeSet(shuffled.map(([, x]) => x)).set.key).toBe(attributeSet(canon).set.key);
      }),
    );
  });

  it('tags value types: "1", 1, true, bytes and empty differ', () => {
    const keys = [
      canonicalString('1'),
      canonicalNumber(1),
      canonicalBool(true),
      canonicalString('true'),
      canonicalBytes('MQ=='),
      canonicalString('MQ=='),
      canonicalEmpty(),
      canonicalString(''),
      canonicalArray([]),
      canonicalKvlist([]),
    ].map((v) => attributeSet([e('k', v)]).set.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lets int64 and double with the same numeric value share a key, also beyond 2^53', () => {
    expect(canonicalInt64Decimal('1').key).toBe(canonicalNumber(1.0).key);
    expect(canonicalInt64Decimal('-0').key).toBe(canonicalNumber(-0).key);
    const big = canonicalInt64Decimal('1152921504606846976'); // 2^60, exactly representable
    expect(big.value).toBe('1152921504606846976');
    expect(big.key).toBe(canonicalNumber(2 ** 60).key);
    expect(canonicalInt64Decimal('9007199254740993').key).not.toBe(canonicalNumber(9007199254740992).key);
  });

  it('keeps the last of duplicate keys', () => {
    const info = attributeSet([
      e('a', canonicalNumber(1)),
      e('b', canonicalNumber(2)),
      e('a', canonicalNumber(3)),
    ]);
    expect(info.set).toEqual({ attributes: { a: 3, b: 2 }, key: '"a"=n3,"b"=n2' });
    expect(info.count).toBe(2);
  });

  it('canonicalizes nested kvlists (sorted, last duplicate wins) and keeps array order', () => {
    const a = canonicalKvlist([
      e('y', canonicalNumber(2)),
      e('x', canonicalArray([canonicalBool(true), canonicalEmpty()])),
    ]);
    const b = canonicalKvlist([
      e('x', canonicalString('old')),
      e('x', canonicalArray([canonicalBool(true), canonicalEmpty()])),
      e('y', canonicalNumber(2)),
    ]);
    expect(a).toEqual(b);
    expect(a.key).toBe('{"x"=[t,z],"y"=n2}');
    expect(a.value).toEqual({ x: [true, null], y: 2 });
    expect(canonicalArray([canonicalNumber(1), canonicalNumber(2)]).key).not.toBe(
      canonicalArray([canonicalNumber(2), canonicalNumber(1)]).key,
    );
  });

  it('cannot be confused by delimiters or control characters inside strings', () => {
    const tricky = attributeSet([e('a"=x,"b', canonicalString('y'))]).set.key;
    const plain = attributeSet([e('a', canonicalString('x')), e('b', canonicalString('y'))]).set.key;
    expect(tricky).not.toBe(plain);
    expect(attributeSet([e('\u0000', canonicalString('\u0000'))]).set.key).not.toContain('\u0000');
  });

  it('stores an attribute named __proto__ as an own property', () => {
    const info = attributeSet([e('__proto__', canonicalString('x'))]);
    expect(Object.getPrototypeOf(info.set.attributes)).toBe(Object.prototype);
    expect(Object.keys(info.set.attributes)).toEqual(['__proto__']);
  });
});

describe('Function: metricContext', () => {
  const resource = attributeSet([e('service.name', canonicalString('a'))]).set;
  const scope = { name: 's', version: '1' };
  const metric = {
    name: 'm',
    unit: 'ms',
    description: 'd',
    kind: 'sum',
    temporality: 1,
    monotonic: true,
  } as const;

  it('ignores the description but covers every identity field', () => {
    const key = metricContext(resource, scope, metric).key;
    expect(metricContext(resource, scope, { ...metric, description: 'other' }).key).toBe(key);
    const variants = [
      metricContext(attributeSet([]).set, scope, metric),
      metricContext(resource, { ...scope, name: 't' }, metric),
      metricContext(resource, { ...scope, version: '2' }, metric),
      metricContext(resource, scope, { ...metric, name: 'n' }),
      metricContext(resource, scope, { ...metric, unit: 's' }),
      metricContext(resource, scope, { ...metric, kind: 'gauge' }),
      metricContext(resource, scope, { ...metric, temporality: 2 }),
      metricContext(resource, scope, { ...metric, monotonic: false }),
    ];
    expect(new Set([key, ...variants.map((c) => c.key)]).size).toBe(variants.length + 1);
  });
});
