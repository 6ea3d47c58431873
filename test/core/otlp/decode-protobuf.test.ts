/**
 * Protobuf-specific decoding: wire-level robustness (every problem a DecodeError with a clear message),
 * protobuf rules (unknown fields skipped, packed and unpacked repeated scalars, last oneof wins) and
 * every AnyValue kind.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '#core/errors.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { MAX_ANY_VALUE_DEPTH } from '#core/otlp/pb-attributes.js';
import { nanosToMs, WireReader } from '#core/otlp/wire.js';
import type { HistogramPoint, NumberPoint } from '#core/point.js';
import { encodeOtlpRequest, PbWriter } from '../../support/otlp-encode.js';
import { NOW_NANOS, nanos, options } from './helpers.js';

/** ExportMetricsServiceRequest with one gauge metric whose one point is written by `point`. */
function gaugeBody(point: (w: PbWriter) => void, metricExtra?: (w: PbWriter) => void): Uint8Array {
  return new PbWriter()
    .message(1, (rm) =>
      rm.message(2, (sm) =>
        sm.message(2, (m) => {
          m.stringField(1, 'g');
          m.message(5, (g) => g.message(1, point));
          metricExtra?.(m);
        }),
      ),
    )
    .finish();
}

const withTime = (w: PbWriter) => w.tag(3, 1).fixed64(NOW_NANOS);

function anyValuePoint(fill: (v: PbWriter) => void) {
  return (w: PbWriter) => {
    withTime(w);
    w.tag(4, 1).double(1);
    w.message(7, (kv) => {
      kv.stringField(1, 'k');
      kv.message(2, fill);
    });
  };
}

function decodeError(body: Uint8Array): string {
  try {
    decodeOtlpProtobuf(body, options());
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as Error).message;
  }
  throw new Error('expected a DecodeError');
}

describe('Function: decodeOtlpProtobuf', () => {
  it('decodes an empty body as an empty request', () => {
    expect(decodeOtlpProtobuf(new Uint8Array(0), options())).toEqual({
      points: [],
      accepted: 0,
      rejections: { total: 0, byReason: {}, messages: [] },
    });
  });

  it('skips unknown fields of every wire type, anywhere', () => {
    const unknown = (w: PbWriter) => {
      w.tag(100, 0).varint(2n ** 63n);
      w.tag(101, 1).fixed64(7);
      w.bytesField(102, [1, 2, 3]);
      w.tag(103, 5).raw([1, 2, 3, 4]);
    };
    const body = gaugeBody(
      (w) => {
        unknown(w);
        withTime(w);
        w.tag(4, 1).double(2.5);
        unknown(w);
      },
      (m) => {
        unknown(m);
        m.bytesField(12, [0x0a, 0x00]); // metadata (a KeyValue) is ignored
      },
    );
    const extra = new PbWriter();
    unknown(extra);
    const r = decodeOtlpProtobuf(Uint8Array.from([...extra.finish(), ...body]), options());
    expect(r.points.map((p) => (p as NumberPoint).value)).toEqual([2.5]);
  });

  it('reads a Sum whose temporality and monotonic flag come after its points', () => {
    const body = new PbWriter()
      .message(1, (rm) =>
        rm.message(2, (sm) =>
          sm.message(2, (m) => {
            m.message(7, (s) => {
              s.message(1, (p) => withTime(p).tag(6, 1).fixed64(-5));
              s.tag(2, 0).varint(1);
              s.tag(3, 0).varint(1);
            });
            m.stringField(1, 'late.name'); // the name after the data, too
          }),
        ),
      )
      .finish();
    const [p] = decodeOtlpProtobuf(body, options()).points as NumberPoint[];
    expect(p?.value).toBe(-5);
    expect(p?.context.metric).toMatchObject({
      name: 'late.name',
      kind: 'sum',
      temporality: 1,
      monotonic: true,
    });
  });

  it('reads resource and scope given after the metrics', () => {
    const body = new PbWriter()
      .message(1, (rm) => {
        rm.message(2, (sm) => {
          sm.message(2, (m) =>
            m.stringField(1, 'g').message(5, (g) => g.message(1, (p) => withTime(p).tag(4, 1).double(1))),
          );
          sm.message(1, (s) => s.stringField(1, 'scope').stringField(2, '9'));
        });
        rm.message(1, (res) =>
          res.message(1, (kv) => kv.stringField(1, 'r').message(2, (v) => v.stringField(1, 'x'))),
        );
      })
      .finish();
    const [p] = decodeOtlpProtobuf(body, options()).points;
    expect(p?.context.resource.attributes).toEqual({ r: 'x' });
    expect(p?.context.scope).toEqual({ name: 'scope', version: '9' });
  });

  it('uses the last data field of the Metric oneof', () => {
    const body = gaugeBody(
      (w) => withTime(w).tag(4, 1).double(1),
      (m) => m.message(11, (s) => s.message(1, (p) => withTime(p).tag(4, 1).fixed64(0))),
    );
    expect(decodeOtlpProtobuf(body, options()).points.map((p) => p.type)).toEqual(['summary']);
  });

  it('accepts unpacked repeated bucket counts and bounds', () => {
    const body = new PbWriter()
      .message(1, (rm) =>
        rm.message(2, (sm) =>
          sm.message(2, (m) =>
            m.stringField(1, 'h').message(9, (h) => {
              h.message(1, (p) => {
                withTime(p);
                p.tag(4, 1).fixed64(3);
                for (const c of [1, 2]) p.tag(6, 1).fixed64(c);
                p.tag(7, 1).double(10);
              });
              h.tag(2, 0).varint(2);
            }),
          ),
        ),
      )
      .finish();
    const [p] = decodeOtlpProtobuf(body, options()).points as HistogramPoint[];
    expect([p?.bounds, p?.bucketCounts]).toEqual([[10], [1, 2]]);
  });

  it('decodes attributes split by other fields like contiguous ones', () => {
    const kv = (w: PbWriter, k: string, s: string) =>
      w.message(7, (x) => x.stringField(1, k).message(2, (v) => v.stringField(1, s)));
    const split = gaugeBody((w) => {
      kv(w, 'b', '2');
      withTime(w);
      kv(w, 'a', '1');
      w.tag(4, 1).double(1);
    });
    const joined = gaugeBody((w) => {
      withTime(w);
      kv(w, 'a', '1');
      kv(w, 'b', '2');
      w.tag(4, 1).double(1);
    });
    const [p] = decodeOtlpProtobuf(split, options()).points;
    const [q] = decodeOtlpProtobuf(joined, options()).points;
    expect(p?.attributes).toEqual(q?.attributes);
    expect(p?.attributes.key).toBe('"a"="1","b"="2"');
  });

  it('decodes every AnyValue kind like the JSON decoder', () => {
    const json = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'g',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: nanos(),
                        asDouble: 1,
                        attributes: [
                          { key: 's', value: { stringValue: 'héllo ✓' } },
                          { key: 'b', value: { boolValue: false } },
                          { key: 'i', value: { intValue: '-9223372036854775808' } },
                          { key: 'j', value: { intValue: 42 } },
                          { key: 'd', value: { doubleValue: 2.5 } },
                          { key: 'y', value: { bytesValue: 'AAEC/w==' } },
                          {
                            key: 'a',
                            value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }, {}] } },
                          },
                          {
                            key: 'kv',
                            value: {
                              kvlistValue: {
                                values: [
                                  { key: 'z', value: { boolValue: true } },
                                  { key: 'n', value: { kvlistValue: { values: [] } } },
                                ],
                              },
                            },
                          },
                          { key: 'empty', value: {} },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const fromPb = decodeOtlpProtobuf(encodeOtlpRequest(json), options());
    const fromJson = decodeOtlpJson(JSON.stringify(json), options());
    expect(fromPb).toEqual(fromJson);
    expect(fromPb.points[0]?.attributes.attributes).toEqual({
      a: ['x', 1, null],
      b: false,
      d: 2.5,
      empty: null,
      i: '-9223372036854775808',
      j: 42,
      kv: { n: {}, z: true },
      s: 'héllo ✓',
      y: 'AAEC/w==',
    });
    expect(fromPb.points[0]?.attributes.key).toBe(
      '"a"=["x",n1,z],"b"=f,"d"=n2.5,"empty"=z,"i"=n-9223372036854775808,"j"=n42,' +
        '"kv"={"n"={},"z"=t},"s"="héllo ✓","y"=x"AAEC/w=="',
    );
  });

  describe('undecodable bodies', () => {
    it.each([
      ['a truncated tag', Uint8Array.from([0x8a]), 'protobuf: truncated message at byte 1'],
      [
        'a length overrunning the body',
        Uint8Array.from([0x0a, 0x05, 0x00]),
        'overruns its enclosing message',
      ],
      ['field number 0', Uint8Array.from([0x02, 0x00]), 'protobuf: invalid field number 0 at byte 1'],
      ['a group wire type', Uint8Array.from([0x13]), 'protobuf: unsupported wire type 3 at byte 1'],
      ['wire type 7', Uint8Array.from([0x17]), 'protobuf: unsupported wire type 7 at byte 1'],
      [
        'resource_metrics as a varint',
        Uint8Array.from([0x08, 0x01]),
        'ExportMetricsServiceRequest field 1 has wire type 0',
      ],
      [
        'an 11-byte varint',
        Uint8Array.from([0x10, ...new Array(10).fill(0xff), 0x01]),
        'varint longer than 10 bytes',
      ],
    ])('refuses %s', (_, body, message) => {
      expect(decodeError(body)).toContain(message);
    });

    it('refuses a known point field with the wrong wire type', () => {
      const body = gaugeBody((w) => w.tag(3, 0).varint(5));
      expect(decodeError(body)).toBe('protobuf: NumberDataPoint field 3 has wire type 0');
    });

    it('refuses a truncated fixed64 inside a point', () => {
      const body = gaugeBody((w) => w.tag(3, 1).raw([1, 2, 3]));
      expect(decodeError(body)).toMatch(/^protobuf: truncated message at byte \d+$/);
    });

    it('refuses invalid UTF-8 in a string', () => {
      const body = new PbWriter()
        .message(1, (rm) => rm.message(2, (sm) => sm.message(2, (m) => m.bytesField(1, [0x61, 0xc3, 0x28]))))
        .finish();
      expect(decodeError(body)).toMatch(/^protobuf: invalid UTF-8 in string at byte \d+$/);
    });

    it(`refuses AnyValues nested deeper than ${MAX_ANY_VALUE_DEPTH} levels, accepts ${MAX_ANY_VALUE_DEPTH}`, () => {
      const nest = (depth: number) => (v: PbWriter) => {
        if (depth === 1) v.stringField(1, 'leaf');
        else v.message(5, (arr) => arr.message(1, nest(depth - 1)));
      };
      expect(
        decodeOtlpProtobuf(gaugeBody(anyValuePoint(nest(MAX_ANY_VALUE_DEPTH))), options()).points,
      ).toHaveLength(1);
      expect(decodeError(gaugeBody(anyValuePoint(nest(MAX_ANY_VALUE_DEPTH + 1))))).toBe(
        `protobuf: attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`,
      );
    });

    it('refuses a 5,000-level nesting without overflowing the stack', () => {
      // AnyValue{array_value=5: ArrayValue{values=1: AnyValue{…}}}, built from the inside out.
      let inner: number[] = [];
      for (let i = 0; i < 5_000; i++) {
        const array = [0x0a, ...varint(inner.length), ...inner];
        inner = [0x2a, ...varint(array.length), ...array];
      }
      expect(decodeError(gaugeBody(anyValuePoint((v) => v.raw(inner))))).toBe(
        `protobuf: attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`,
      );
    });
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  let x = n;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
  return out;
}

describe('Class: WireReader', () => {
  it('reads 64-bit varints into exact halves, and 32-bit ones strictly', () => {
    const r = new WireReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    r.varint64(10);
    expect([r.lo, r.hi, r.pos]).toEqual([0xffffffff, 0xffffffff, 10]);
    const s = new WireReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x1f]));
    expect(s.uint32(10)).toBe(0xffffffff);
    expect(() => s.uint32(10)).toThrow('varint exceeds 32 bits');
    const neg = new WireReader(Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(neg.int32(10)).toBe(-2);
  });
});

describe('Function: nanosToMs', () => {
  it('splits every uint64 exactly (checked against BigInt)', async () => {
    const fc = (await import('fast-check')).default;
    const out = { ms: 0, ns: 0 };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        nanosToMs(Number(v & 0xffffffffn), Number(v >> 32n), out);
        expect(BigInt(out.ms) * 1_000_000n + BigInt(out.ns)).toBe(v);
        expect(out.ns >= 0 && out.ns < 1_000_000 && Number.isSafeInteger(out.ms)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    for (const v of [0n, 999_999n, 1_000_000n, NOW_NANOS, NOW_NANOS + 999_999n, 2n ** 64n - 1n]) {
      nanosToMs(Number(v & 0xffffffffn), Number(v >> 32n), out);
      expect(BigInt(out.ms) * 1_000_000n + BigInt(out.ns)).toBe(v);
    }
  });
});
