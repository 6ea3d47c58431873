/**
 * The declared attribute policy (attribute-policy.ts): names, values, limits, overflow; and, as
 * properties over random attribute maps, that every record it produces passes the rule checker,
 * does not depend on key order, and never puts two attributes on one name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DIMENSION_POLICY,
  policyDimensions,
  type SeriesIdentity,
} from '#adapters/timestream/attribute-policy.js';
import { DimensionNamer, dimensionNameOf, shortHash } from '#adapters/timestream/dimension-names.js';
import {
  canonicalJson,
  capValue,
  renderAttributeValue,
  utf8Prefix,
} from '#adapters/timestream/dimension-values.js';
import { isMeasureName } from '#adapters/timestream/measures.js';
import { buildTimestreamRecord, COMMON_ATTRIBUTES } from '#adapters/timestream/record-builder.js';
import { checkRecord, mergeCommonAttributes } from '#adapters/timestream/rules.js';
import type { FinalStats } from '#core/aggregate/contract.js';
import type { Attributes, AttributeValue } from '#core/point.js';
import { resultRecord } from './results.js';

const never = () => false;

function identity(attributes: Attributes, resource: Attributes = {}): SeriesIdentity {
  return { tenant: 'acme', metric: 'm', unit: 'ms', seriesId: 'f'.repeat(32), attributes, resource };
}

const names = (attributes: Attributes, resource: Attributes = {}) =>
  policyDimensions(identity(attributes, resource), isMeasureName).dimensions.map((d) => d.Name);

describe('Function: dimensionNameOf', () => {
  it('keeps good keys as they are, resource keys under resource.', () => {
    expect(dimensionNameOf('http.route', 'point', never)).toBe('http.route');
    expect(dimensionNameOf('service.name', 'resource', never)).toBe('resource.service.name');
    expect(dimensionNameOf('x'.repeat(60), 'point', never)).toBe('x'.repeat(60));
  });

  it('rewrites other keys with a hash of the key', () => {
    expect(dimensionNameOf('k8s:pod', 'point', never)).toBe(`k8s_pod_${shortHash('k8s:pod')}`);
    expect(dimensionNameOf('time', 'point', never)).toBe(`time_${shortHash('time')}`);
    expect(dimensionNameOf('ts_x', 'point', never)).toBe(`attr_ts_x_${shortHash('ts_x')}`);
    expect(dimensionNameOf('measure_value::double', 'point', never)).toBe(
      `attr_measure_value__double_${shortHash('measure_value::double')}`,
    );
    expect(dimensionNameOf('', 'point', never)).toBe(`attr_${shortHash('')}`);
    expect(dimensionNameOf('héllo wörld', 'point', never)).toBe(`h_llo_w_rld_${shortHash('héllo wörld')}`);
    expect(dimensionNameOf('resource.x', 'point', never)).toBe(`resource.x_${shortHash('resource.x')}`);
    expect(dimensionNameOf('count', 'point', isMeasureName)).toBe(`count_${shortHash('count')}`);
    const long = dimensionNameOf('y'.repeat(61), 'point', never);
    expect(long).toBe(`${'y'.repeat(51)}_${shortHash('y'.repeat(61))}`);
    expect(long).toHaveLength(60);
  });

  it('gives keys that only differ in rewritten characters different names', () => {
    expect(dimensionNameOf('a:b', 'point', never)).not.toBe(dimensionNameOf('a/b', 'point', never));
  });
});

describe('Class: DimensionNamer', () => {
  it('never hands out one name twice: a later key that wants a taken name gets another hash', () => {
    const namer = new DimensionNamer(never);
    const squatter = `a_b_${shortHash('a:b')}`;
    expect(namer.nameOf(squatter, 'point')).toBe(squatter);
    const second = namer.nameOf('a:b', 'point');
    expect(second).toBe(`a_b_${shortHash('a:b', 1)}`);
  });
});

describe('Function: renderAttributeValue', () => {
  it.each<[AttributeValue, string | undefined]>([
    ['GET', 'GET'],
    ['', undefined],
    [null, undefined],
    [404, '404'],
    [-0.5, '-0.5'],
    [true, 'true'],
    [[1, 'a', null], '[1,"a",null]'],
    [{ z: 1, a: { y: 2, b: [] } }, '{"a":{"b":[],"y":2},"z":1}'],
    [[], '[]'],
    [' ', ' '],
  ])('%j → %j', (value, text) => {
    expect(renderAttributeValue(value)).toBe(text);
  });

  it('renders objects the same whatever their key order', () => {
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('Function: capValue', () => {
  it('keeps values up to the cap and cuts longer ones to a prefix, ~ and a hash', () => {
    expect(capValue('x'.repeat(256), 256)).toEqual({ value: 'x'.repeat(256), cut: false });
    const long = 'x'.repeat(3000);
    expect(capValue(long, 256)).toEqual({ value: `${'x'.repeat(247)}~${shortHash(long)}`, cut: true });
  });

  it('never splits a character', () => {
    expect(utf8Prefix('ab€', 4)).toBe('ab');
    expect(utf8Prefix('a😀b', 4)).toBe('a');
    const { value } = capValue('😀'.repeat(100), 256);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(256);
    expect(value.startsWith('😀'.repeat(61))).toBe(true);
  });
});

describe('Function: policyDimensions', () => {
  it('orders fixed dimensions, then point attributes, then resource attributes, each sorted', () => {
    expect(names({ b: '1', a: '2' }, { z: '3', 'service.name': 's' })).toEqual([
      'tenant',
      'metric',
      'unit',
      'series_id',
      'a',
      'b',
      'resource.service.name',
      'resource.z',
    ]);
  });

  it('keeps attributes whose name windrow uses under another name', () => {
    const dims = names({ tenant: 'x', series_id: 'y', p50: 'z', window_end: 'w' });
    expect(dims.slice(0, 4)).toEqual(['tenant', 'metric', 'unit', 'series_id']);
    expect(dims.slice(4).every((n) => /_[0-9a-f]{8}$/.test(n ?? ''))).toBe(true);
  });

  it('drops what does not fit and walks on: a smaller later attribute may still fit', () => {
    const policy = { ...DEFAULT_DIMENSION_POLICY, maxDimensionBytes: 120 };
    const result = policyDimensions(identity({ a: 'x'.repeat(200), b: 'short' }), isMeasureName, policy);
    expect(result.dimensions.map((d) => d.Name)).toEqual(['tenant', 'metric', 'unit', 'series_id', 'b']);
    expect(result.overflow).toEqual([{ key: 'a', value: 'x'.repeat(200) }]);
    expect(result.cutValues).toBe(0);
  });

  it('stops at the dimension count, the fixed ones included', () => {
    const attributes = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`k${String(i).padStart(3, '0')}`, 'v']),
    );
    const result = policyDimensions(identity(attributes), isMeasureName);
    expect(result.dimensions).toHaveLength(128);
    expect(result.overflow).toHaveLength(200 - 124);
    expect(result.overflow[0]).toEqual({ key: 'k124', value: 'v' });
  });

  it('counts empty values and keeps resource keys prefixed in the overflow', () => {
    const policy = { ...DEFAULT_DIMENSION_POLICY, maxDimensions: 4 };
    const result = policyDimensions(identity({ e: '', n: null }, { host: 'h' }), isMeasureName, policy);
    expect(result.emptyValues).toBe(2);
    expect(result.overflow).toEqual([{ key: 'resource.host', value: 'h' }]);
  });
});

// --- Properties -------------------------------------------------------------------------------

const nastyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    'time',
    'TIME',
    'measure_name',
    'measure_value::bigint',
    'ts_x',
    ':',
    '',
    'count',
    'tenant',
    'p99_9',
  ),
  fc.constantFrom('resource.a', 'a:b', 'a_b', 'a.b', 'x'.repeat(70), 'é'.repeat(40)),
);
const leaf: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 250, maxLength: 3000 }),
  fc.constant(''),
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
);
const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 4 }) },
);
// Mostly small maps, some large ones (so the limits and the overflow are reached often).
const attributes = fc.oneof(
  fc.dictionary(nastyKey, attributeValue, { maxKeys: 20 }),
  fc.dictionary(nastyKey, attributeValue, { maxKeys: 160, size: 'large' }),
);
const stats: fc.Arbitrary<FinalStats> = fc.record(
  {
    count: fc.nat(),
    sum: fc.double({ noNaN: true, noDefaultInfinity: true }),
    avg: fc.double({ noNaN: true, noDefaultInfinity: true }),
    percentiles: fc.constant({ p50: 1, p90: 2, p99: 3, 'p99.9': 4 }),
    buckets: fc
      .array(fc.nat(), { minLength: 1, maxLength: 300 })
      .map((counts) => ({ bounds: counts.slice(1).map((_, i) => i * 10), counts })),
  },
  { requiredKeys: ['count'] },
);

describe('Property: the policy only produces records Timestream accepts', () => {
  it('passes the rule checker for any attributes, resource and stats', () => {
    fc.assert(
      fc.property(attributes, attributes, stats, (point, resource, s) => {
        const built = buildTimestreamRecord(resultRecord({ attributes: point, resource, stats: s }));
        if (!built.ok) throw new Error(built.problems.join('; '));
        expect(checkRecord(mergeCommonAttributes(COMMON_ATTRIBUTES, built.record))).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });

  it('does not depend on the order of the keys', () => {
    fc.assert(
      fc.property(attributes, fc.infiniteStream(fc.nat()), (point, randoms) => {
        const entries = Object.entries(point);
        const it = randoms[Symbol.iterator]();
        const shuffled = [...entries].sort(() => ((it.next().value ?? 0) % 3) - 1);
        const a = policyDimensions(identity(point), isMeasureName);
        const b = policyDimensions(identity(Object.fromEntries(shuffled)), isMeasureName);
        expect(b).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it('never puts two attributes on one dimension name', () => {
    const wide = { maxDimensions: 100_000, maxDimensionBytes: 10_000_000, maxValueBytes: 256 };
    fc.assert(
      fc.property(attributes, attributes, (point, resource) => {
        const result = policyDimensions(identity(point, resource), isMeasureName, wide);
        const dimensionNames = result.dimensions.map((d) => d.Name);
        expect(new Set(dimensionNames).size).toBe(dimensionNames.length);
        expect(result.overflow).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
