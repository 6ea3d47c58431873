/**
 * Instrumentation scope attributes (InstrumentationScope field 3): decoded the same way from JSON and
 * protobuf, part of the series identity (the OpenTelemetry data model counts the scope in a stream's
 * identity), and without effect on the ids of series whose scope has none.
 * Regression: protobuf bodies with scope attributes were refused ("InstrumentationScope field 3 has
 * wire type 2"), and JSON dropped them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { RejectReason } from '#core/point.js';
import { seriesIdOf, seriesKey } from '#core/series/id.js';
import { encodeOtlpRequest } from '../../support/otlp-encode.js';
import { nanos, options } from './helpers.js';

type Kv = { key: string; value: { stringValue: string } };

function request(scopeAttributes: Kv[] | undefined) {
  const scope: Record<string, unknown> = { name: 'lib', version: '2.0' };
  if (scopeAttributes !== undefined) scope.attributes = scopeAttributes;
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [
          {
            scope,
            metrics: [
              {
                name: 'requests',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ asDouble: 1, startTimeUnixNano: nanos(-1000), timeUnixNano: nanos() }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const json = (r: unknown) => new TextEncoder().encode(JSON.stringify(r));

function idsOf(body: Uint8Array, format: 'json' | 'pb'): string[] {
  const decoded = (format === 'json' ? decodeOtlpJson : decodeOtlpProtobuf)(body, options());
  expect(decoded.rejections.total).toBe(0);
  return decoded.points.map((p) => seriesIdOf(seriesKey('t', p.context, p.attributes)));
}

const kv = fc.record({
  key: fc.string({ minLength: 1, maxLength: 8 }),
  value: fc.record({ stringValue: fc.string({ maxLength: 8 }) }),
});

describe('Function: instrumentation scope attributes', () => {
  it('decode from protobuf and JSON to the same scope and the same series id, in any order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(kv, { minLength: 1, maxLength: 6, selector: (e) => e.key }), (attrs) => {
        const r = request(attrs);
        const reversed = request([...attrs].reverse());
        const fromJson = decodeOtlpJson(json(r), options());
        const fromPb = decodeOtlpProtobuf(encodeOtlpRequest(r), options());
        expect(fromPb.points[0]?.context.scope).toEqual(fromJson.points[0]?.context.scope);
        expect(fromPb.points[0]?.context.scope.attributes).toEqual(
          Object.fromEntries(attrs.map((a) => [a.key, a.value.stringValue])),
        );
        const id = idsOf(json(r), 'json');
        expect(idsOf(encodeOtlpRequest(r), 'pb')).toEqual(id);
        expect(idsOf(encodeOtlpRequest(reversed), 'pb')).toEqual(id);
      }),
      { numRuns: 100 },
    );
  });

  it('are part of the identity: different scope attributes, different series', () => {
    const a = idsOf(json(request([{ key: 'k', value: { stringValue: 'a' } }])), 'json');
    const b = idsOf(json(request([{ key: 'k', value: { stringValue: 'b' } }])), 'json');
    const none = idsOf(json(request(undefined)), 'json');
    expect(new Set([...a, ...b, ...none]).size).toBe(3);
  });

  it('leave the ids of scopes without attributes as they were (empty list = absent)', () => {
    const none = idsOf(json(request(undefined)), 'json');
    expect(idsOf(json(request([])), 'json')).toEqual(none);
    expect(idsOf(encodeOtlpRequest(request([])), 'pb')).toEqual(none);
    const p = decodeOtlpJson(json(request(undefined)), options()).points[0];
    expect(p?.context.scope).toEqual({ name: 'lib', version: '2.0' });
    // The context key is the pre-scope-attributes layout: series ids written before are unchanged.
    expect(p?.context.key).toBe(
      JSON.stringify([p?.context.resource.key, 'lib', '2.0', 'requests', '', 'sum', 1, true]),
    );
  });

  it.each(['json', 'pb'] as const)(
    'over the attribute limits refuse every point of the scope (%s)',
    (format) => {
      const r = request([{ key: 'k', value: { stringValue: 'x'.repeat(50) } }]);
      const body = format === 'json' ? json(r) : encodeOtlpRequest(r);
      const decoded = (format === 'json' ? decodeOtlpJson : decodeOtlpProtobuf)(
        body,
        options({ maxValueLength: 10 }),
      );
      expect(decoded.accepted).toBe(0);
      expect(decoded.rejections.byReason).toEqual({ [RejectReason.attributeLimit]: 1 });
      expect(decoded.rejections.messages[0]).toContain('instrumentation scope');
    },
  );
});
