/**
 * Fuzzing: random and mutated bodies (bit flips, truncations, splices, subtree swaps) only ever give
 * a valid DecodeResult or a DecodeError (PayloadTooLargeError for gzip, zstd, deflate), never another exception, and
 * every decode finishes quickly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '#core/errors.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { inflateBounded } from '#core/otlp/inflate.js';
import { PayloadTooLargeError } from '#core/otlp/payload-too-large-error.js';
import { decodeSimplePoints } from '#core/otlp/simple-points.js';
import { unzstdBounded, zstdEngines } from '#core/otlp/zstd.js';
import type { DecodeResult } from '#core/point.js';
import { storedZstd } from '../../support/compression.js';
import { encodeOtlpRequest } from '../../support/otlp-encode.js';
import { NOW_MS, nanos, options } from './helpers.js';

const DIR = fileURLToPath(new URL('../../../../shared/fixtures/otlp/', import.meta.url));
const OPTIONS = options({ nowMs: 1_795_633_200_000, correctionHorizonMs: 10 * 86_400_000 });
/** Generous (shared CI machines): a decode of these small bodies takes well under a millisecond. */
const MAX_MS = 1000;
const RUNS = 400;

/** A request with every metric kind and every AnyValue kind, times around NOW_MS. */
const EVERYTHING = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
      scopeMetrics: [
        {
          scope: { name: 'f', version: '1' },
          metrics: [
            {
              name: 'g',
              gauge: {
                dataPoints: [
                  {
                    timeUnixNano: nanos(),
                    asDouble: 1.5,
                    attributes: [
                      { key: 's', value: { stringValue: 'x' } },
                      { key: 'i', value: { intValue: '-7' } },
                      {
                        key: 'a',
                        value: { arrayValue: { values: [{ boolValue: true }, { doubleValue: 2 }] } },
                      },
                      {
                        key: 'k',
                        value: { kvlistValue: { values: [{ key: 'b', value: { bytesValue: 'AAE=' } }] } },
                      },
                    ],
                  },
                ],
              },
            },
            {
              name: 's',
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: [{ timeUnixNano: nanos(), startTimeUnixNano: nanos(-1000), asInt: '5' }],
              },
            },
            {
              name: 'h',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    timeUnixNano: nanos(),
                    count: 3,
                    sum: 6,
                    bucketCounts: [1, 2],
                    explicitBounds: [2],
                    min: 1,
                    max: 3,
                  },
                ],
              },
            },
            {
              name: 'e',
              exponentialHistogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    timeUnixNano: nanos(),
                    count: 3,
                    scale: 2,
                    zeroCount: 1,
                    positive: { offset: -1, bucketCounts: [1, 1] },
                    negative: { offset: 0, bucketCounts: [] },
                  },
                ],
              },
            },
            {
              name: 'q',
              summary: {
                dataPoints: [
                  { timeUnixNano: nanos(), count: 2, sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }] },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

const read = (name: string): Uint8Array => new Uint8Array(readFileSync(DIR + name));
const PB_CORPUS = [read('metrics.pb'), read('metrics-delta.pb'), encodeOtlpRequest(EVERYTHING)];
const JSON_CORPUS = [
  readFileSync(`${DIR}metrics.json`, 'utf8'),
  readFileSync(`${DIR}metrics-delta.json`, 'utf8'),
  JSON.stringify(EVERYTHING),
];

/** Runs `decode`, requiring a well-formed result or one of the `allowed` errors, within MAX_MS. */
function survives(
  decode: () => DecodeResult | Uint8Array,
  allowed: readonly (new (...a: never[]) => Error)[],
): void {
  const start = performance.now();
  try {
    const result = decode();
    if (!(result instanceof Uint8Array)) checkResult(result);
  } catch (error) {
    if (!allowed.some((type) => error instanceof type)) throw error;
  }
  expect(performance.now() - start).toBeLessThan(MAX_MS);
}

function checkResult(r: DecodeResult): void {
  const { total, byReason } = r.rejections;
  expect(Object.values(byReason).reduce((a, b) => a + (b ?? 0), 0)).toBe(total);
  for (const p of r.points) {
    expect(Number.isSafeInteger(p.timeMs) && p.timeNs >= 0 && p.timeNs < 1_000_000).toBe(true);
    if (p.type === 'number') expect(Number.isFinite(p.value)).toBe(true);
    if (p.type === 'histogram') expect(p.bucketCounts.length).toBe(p.bounds.length + 1);
    expect(typeof p.attributes.key).toBe('string');
  }
}

/** Byte-level mutations of a valid body. */
function mutatedBytes(corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const base = fc.constantFrom(...corpus);
  const flip = fc.tuple(base, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([b, i, bit]) => {
    const out = b.slice();
    const at = i % out.length;
    out[at] = (out[at] as number) ^ (1 << bit);
    return out;
  });
  const truncate = fc.tuple(base, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1)));
  const splice = fc
    .tuple(base, fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 16 }))
    .map(([b, i, del, insert]) => {
      const at = i % (b.length + 1);
      return Uint8Array.from([
        ...b.subarray(0, at),
        ...insert,
        ...b.subarray(Math.min(b.length, at + (del % 24))),
      ]);
    });
  const duplicate = fc.tuple(base, fc.nat(), fc.nat(), fc.nat()).map(([b, i, n, j]) => {
    const at = i % b.length;
    const piece = b.subarray(at, at + (n % 64));
    const to = j % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, to), ...piece, ...b.subarray(to)]);
  });
  const multi = fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }))
    .map(([b, edits]) => {
      const out = b.slice();
      for (const [i, v] of edits) out[i % out.length] = v;
      return out;
    });
  return fc.oneof(flip, truncate, splice, duplicate, multi);
}

/** Replaces one random subtree of a JSON value with `replacement`. */
function swapSubtree(value: unknown, path: number, replacement: unknown): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        nodes.push({ parent: v, key: i });
        walk(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
    }
  };
  const copy = structuredClone(value);
  walk(copy);
  const node = nodes[path % nodes.length];
  if (node !== undefined) (node.parent as Record<string | number, unknown>)[node.key] = replacement;
  return copy;
}

describe('Fuzz: decodeOtlpProtobuf', () => {
  it('survives random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        survives(() => decodeOtlpProtobuf(bytes, OPTIONS), [DecodeError]),
      ),
      { numRuns: RUNS },
    );
  });

  it('survives mutated valid bodies', () => {
    fc.assert(
      fc.property(mutatedBytes(PB_CORPUS), (bytes) =>
        survives(() => decodeOtlpProtobuf(bytes, OPTIONS), [DecodeError]),
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('decodes the unmutated corpus without rejections', () => {
    for (const body of PB_CORPUS) expect(decodeOtlpProtobuf(body, OPTIONS).rejections.total).toBe(0);
    expect(decodeOtlpProtobuf(encodeOtlpRequest(EVERYTHING), options()).points).toHaveLength(5);
    expect(NOW_MS).toBeLessThan(OPTIONS.nowMs);
  });
});

describe('Fuzz: decodeOtlpJson', () => {
  it('survives random strings and random JSON values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), (text) =>
        survives(() => decodeOtlpJson(text, OPTIONS), [DecodeError]),
      ),
      { numRuns: RUNS },
    );
  });

  it('survives mutated valid bodies (as text and as bytes)', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(mutatedBytes(JSON_CORPUS.map((t) => encoder.encode(t))), (bytes) =>
        survives(() => decodeOtlpJson(bytes, OPTIONS), [DecodeError]),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('survives any subtree replaced by any JSON value', () => {
    const parsed = JSON_CORPUS.map((t) => JSON.parse(t) as unknown);
    fc.assert(
      fc.property(
        fc.constantFrom(...parsed),
        fc.nat(),
        fc.jsonValue({ maxDepth: 3 }),
        (value, path, replacement) => {
          const text = JSON.stringify(swapSubtree(value, path, replacement));
          survives(() => decodeOtlpJson(text, OPTIONS), [DecodeError]);
          // The same damage, re-encoded as protobuf where the test encoder can: same guarantee.
          let body: Uint8Array | undefined;
          try {
            body = encodeOtlpRequest(JSON.parse(text));
          } catch {
            body = undefined;
          }
          if (body !== undefined) survives(() => decodeOtlpProtobuf(body, OPTIONS), [DecodeError]);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('Fuzz: decodeSimplePoints', () => {
  it('survives random JSON and random points', () => {
    const point = fc.record(
      {
        metric: fc.oneof(fc.string(), fc.jsonValue()),
        timestamp: fc.oneof(
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
          fc.double(),
          fc.jsonValue(),
        ),
        value: fc.oneof(fc.double(), fc.jsonValue()),
        attributes: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.array(point).map((points) => JSON.stringify({ points })),
        ),
        (text) => survives(() => decodeSimplePoints(text, OPTIONS), [DecodeError]),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('Fuzz: inflateBounded', () => {
  it('survives random and mutated gzip bodies', () => {
    const gz = gzipSync(JSON_CORPUS[2] ?? '');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutatedBytes([gz])), (bytes) =>
        survives(() => inflateBounded(bytes, 'gzip', 4096), [DecodeError, PayloadTooLargeError]),
      ),
      { numRuns: RUNS },
    );
  });

  it('survives random and mutated deflate bodies', () => {
    const zz = deflateSync(JSON_CORPUS[2] ?? '');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutatedBytes([zz])), (bytes) =>
        survives(() => inflateBounded(bytes, 'deflate', 4096), [DecodeError, PayloadTooLargeError]),
      ),
      { numRuns: RUNS },
    );
  });

  // Compressed blocks (Huffman and FSE tables, sequences) by the zstd CLI, and hand-made RLE/stored ones.
  const ZSTD_CORPUS = ['metrics-delta.pb.zst', 'proto-example.json.zst', 'metrics.pb.frames.zst'].map(
    (name) =>
      new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/zstd/${name}`, import.meta.url)))),
  );
  it.each(zstdEngines())('survives random and mutated zstd bodies (%s)', (engine) => {
    const zstdPrefix = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }),
          fc.uint8Array({ maxLength: 64 }).map((tail) => new Uint8Array([...zstdPrefix, ...tail])),
          mutatedBytes([...ZSTD_CORPUS, storedZstd(new TextEncoder().encode(JSON_CORPUS[1] ?? ''))]),
        ),
        (bytes) => survives(() => unzstdBounded(bytes, 4096, engine), [DecodeError, PayloadTooLargeError]),
      ),
      { numRuns: 4 * RUNS },
    );
  });
});
