import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';
import { createSketch, decodeSketch, type QuantileSketch, SKETCH_CODEC_VERSION } from '#core/sketch/index.js';
import { encoded, lognormal } from './datasets.js';

function sketchOf(values: readonly number[], maxBuckets = 2048): QuantileSketch {
  const sketch = createSketch({ relativeAccuracy: 0.01, maxBuckets });
  for (const v of values) sketch.add(v);
  return sketch;
}

/** Decodes, and if that works, uses the result: anything but StateCodecError fails the test. */
function decodeOrCodecError(bytes: Uint8Array): void {
  try {
    const sketch = decodeSketch(new ByteReader(bytes));
    sketch.quantile(0.5);
    sketch.add(1);
    const other = createSketch({ relativeAccuracy: sketch.relativeAccuracy, maxBuckets: 2048 });
    for (const v of [-1, 0, 2, 1e300]) other.add(v);
    sketch.mergeFrom(other);
    other.mergeFrom(sketch);
    encoded(sketch);
  } catch (error) {
    if (!(error instanceof StateCodecError)) throw error;
  }
}

const samples: Record<string, QuantileSketch> = {
  empty: sketchOf([]),
  oneValue: sketchOf([12.5]),
  mixed: sketchOf([-1e6, -3, 0, 0, 1e-9, 4, 1e12]),
  latencies: sketchOf(lognormal(2_000, 3)),
  collapsed: sketchOf(
    Array.from({ length: 500 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-200 + i)),
    64,
  ),
};

describe('Function: decodeSketch', () => {
  it('writes the version byte first', () => {
    expect(encoded(sketchOf([1]))[0]).toBe(SKETCH_CODEC_VERSION);
  });

  it('refuses an unknown version', () => {
    const bytes = encoded(sketchOf([1]));
    bytes[0] = 99;
    expect(() => decodeSketch(new ByteReader(bytes))).toThrow(StateCodecError);
  });

  it.each(Object.entries(samples))(
    'throws StateCodecError on every truncation of the %s sample',
    (_name, sketch) => {
      const bytes = encoded(sketch);
      for (let n = 0; n < bytes.length; n++) {
        expect(() => decodeSketch(new ByteReader(bytes.subarray(0, n)))).toThrow(StateCodecError);
      }
    },
  );

  it('throws only StateCodecError on corrupted encodings', () => {
    const valid = Object.values(samples).map(encoded);
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (bytes, edits) => {
          const corrupt = bytes.slice();
          for (const [at, byte] of edits) corrupt[at % corrupt.length] = byte;
          decodeOrCodecError(corrupt);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('throws only StateCodecError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodeOrCodecError(bytes)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (tail) => {
        // A valid header, so the fuzzing reaches the stores.
        const header = encoded(sketchOf([])).subarray(0, 11);
        decodeOrCodecError(Uint8Array.from([...header, 1, ...tail]));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['α out of range', (w: ByteWriter) => header(w, 1.5, 100)],
    ['maxBuckets too small', (w: ByteWriter) => header(w, 0.01, 1)],
    ['unknown flags', (w: ByteWriter) => header(w, 0.01, 100, 0x80)],
    ['min > max', (w: ByteWriter) => valuesHeader(w, 5, 1)],
    ['min/max present but no counts', (w: ByteWriter) => valuesHeader(w, 1, 5, [0, 0, 0])],
    ['zero-count end bucket', (w: ByteWriter) => valuesHeader(w, 1, 5, [0, 0, 1, 1, 3, 0])],
    ['store beyond the bucket budget', (w: ByteWriter) => valuesHeader(w, 1, 5, [0, 0, 1, 1, 200, 1])],
    ['positive bucket while max ≤ 0', (w: ByteWriter) => valuesHeader(w, -5, -1, [0, 0, 1, 1, 1, 1])],
  ])('refuses %s', (_name, write) => {
    const w = new ByteWriter();
    write(w);
    expect(() => decodeSketch(new ByteReader(w.finish()))).toThrow(StateCodecError);
  });

  it('reaches the size target: 10,000 lognormal latencies at α = 1% in ≤ 900 bytes', () => {
    const bytes = encoded(sketchOf(lognormal(10_000, 2024)));
    expect(bytes.length).toBeLessThanOrEqual(900);
  });

  it('picks the sparse layout when the range is mostly empty', () => {
    // 1 and 1e6 are ~690 buckets apart: dense would cost ~690 bytes, sparse a handful.
    expect(encoded(sketchOf([1, 1e6])).length).toBeLessThan(50);
    const dense = encoded(sketchOf([1, 1.03, 1.05]));
    expect(dense.length).toBeLessThan(45);
  });
});

function header(w: ByteWriter, alpha: number, maxBuckets: number, flags = 0): void {
  w.u8(SKETCH_CODEC_VERSION);
  w.f64(alpha);
  w.uvarint(maxBuckets);
  w.u8(flags);
}

/** A header with min/max, then zeroCount and the raw store bytes `rest` (uvarints). */
function valuesHeader(w: ByteWriter, min: number, max: number, rest: number[] = [0, 0, 0]): void {
  header(w, 0.01, 100, 1);
  w.f64(min);
  w.f64(max);
  for (const v of rest) w.uvarint(v);
}
