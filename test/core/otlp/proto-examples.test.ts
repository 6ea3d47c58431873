/**
 * The OTLP project's own example request (opentelemetry-proto `examples/metrics.json` and the same
 * request as protobuf): both decode, to the same points and series, scope attributes included.
 * Regression: the protobuf body was refused with "InstrumentationScope field 3 has wire type 2".
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { inflateBounded } from '#core/otlp/inflate.js';
import { RejectReason } from '#core/point.js';
import { EXAMPLE_POINTS, protoExample } from '../../support/proto-examples.js';
import { flat, NOW_NANOS, options } from './helpers.js';

const OPTIONS = options();

describe('Function: decoders on the opentelemetry-proto example request', () => {
  it.each(['json', 'pb'] as const)(
    'decodes the published %s body and refuses its 2018 points as too old only',
    (f) => {
      const decode = f === 'json' ? decodeOtlpJson : decodeOtlpProtobuf;
      const result = decode(protoExample(f), OPTIONS);
      expect(result.accepted).toBe(0);
      expect(result.rejections.total).toBe(EXAMPLE_POINTS);
      expect(result.rejections.byReason).toEqual({ [RejectReason.tooOld]: EXAMPLE_POINTS });
    },
  );

  it('accepts every point once its timestamps are moved to now, the same from JSON and protobuf', () => {
    const json = decodeOtlpJson(protoExample('json', NOW_NANOS), OPTIONS);
    const pb = decodeOtlpProtobuf(protoExample('pb', NOW_NANOS), OPTIONS);
    expect(json.rejections.total).toBe(0);
    expect(pb.rejections.total).toBe(0);
    expect(pb.points.map(flat)).toEqual(json.points.map(flat));
    expect(pb.points.map((p) => p.type)).toEqual(['number', 'number', 'histogram', 'exponentialHistogram']);
    for (const p of pb.points) {
      expect(p.context.scope).toEqual({
        name: 'my.library',
        version: '1.0.0',
        attributes: { 'my.scope.attribute': 'some scope attribute' },
      });
      expect(p.context.resource.attributes).toEqual({ 'service.name': 'my.service' });
    }
    const [counter, gauge, histogram, exponential] = pb.points;
    expect(counter).toMatchObject({ type: 'number', value: 5 });
    expect(gauge).toMatchObject({ type: 'number', value: 10 });
    expect(histogram).toMatchObject({ count: 2, sum: 2, min: 0, max: 2, bounds: [1], bucketCounts: [1, 1] });
    expect(exponential).toMatchObject({ count: 3, sum: 10, min: 0, max: 5, scale: 0, zeroCount: 1 });
  });

  it('decodes the gzip form of the protobuf body to the same points', () => {
    const body = protoExample('pb', NOW_NANOS);
    const plain = decodeOtlpProtobuf(body, OPTIONS);
    expect(decodeOtlpProtobuf(inflateBounded(gzipSync(body), 'gzip', 1 << 20), OPTIONS)).toEqual(plain);
  });
});
