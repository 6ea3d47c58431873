import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';

describe('Class: ByteWriter/ByteReader', () => {
  it('round-trips varints, doubles and strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer(), fc.double(), fc.string())),
        (rows) => {
          const w = new ByteWriter(1);
          for (const [u, s, d, str] of rows) {
            w.uvarint(u);
            w.svarint(s);
            w.f64(d);
            w.string(str);
          }
          const r = new ByteReader(w.finish());
          for (const [u, s, d, str] of rows) {
            expect(r.uvarint()).toBe(u);
            expect(r.svarint()).toBe(s);
            expect(Object.is(r.f64(), d)).toBe(true);
            expect(r.string()).toBe(str);
          }
          expect(r.done).toBe(true);
        },
      ),
    );
  });

  it('throws StateCodecError on truncated input, never another exception', () => {
    const w = new ByteWriter();
    w.uvarint(1_000_000);
    w.f64(1.5);
    w.string('hello');
    const bytes = w.finish();
    for (let n = 0; n < bytes.length; n++) {
      const r = new ByteReader(bytes.subarray(0, n));
      expect(() => {
        r.uvarint();
        r.f64();
        r.string();
      }).toThrow(StateCodecError);
    }
  });
});
