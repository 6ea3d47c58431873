/**
 * inflateBounded for every accepted Content-Encoding: gzip, zstd (with each zstd decoder this
 * runtime has: node:zlib from Node 22.15, fzstd everywhere) and deflate. Bodies decode to exactly the
 * plain bytes and points; anything malformed is a DecodeError naming its coding; anything past the
 * bound is a PayloadTooLargeError, and a bomb stops at the bound without the memory it inflates to.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError, WindrowError } from '#core/errors.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { CONTENT_CODINGS, type ContentCoding, inflateBounded } from '#core/otlp/inflate.js';
import { PayloadTooLargeError } from '#core/otlp/payload-too-large-error.js';
import { unzstdBounded, type ZstdEngine, zstdEngines, zstdWorkBudget } from '#core/otlp/zstd.js';
import { ZSTD_MAX_FRAMES, ZSTD_MIN_WINDOW_CAP } from '#core/otlp/zstd-frames.js';
import { deflateZerosBomb, storedZstd, zstdFrame, zstdWindow } from '../../support/compression.js';
import { fixture } from '../../support/ingest-fakes.js';
import { protoExample } from '../../support/proto-examples.js';
import { options } from './helpers.js';

const ZSTD_DIR = fileURLToPath(new URL('../../fixtures/zstd/', import.meta.url));
const zst = (name: string): Uint8Array => new Uint8Array(readFileSync(ZSTD_DIR + name));

const MiB = 1024 * 1024;
const text = new TextEncoder().encode('windrow '.repeat(1000));
const ENGINES = zstdEngines();

/** The error `run` throws (fails the test when it returns). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** Runs `run` and reports how much the process's peak RSS grew meanwhile, in MiB. */
function peakGrowthMiB(run: () => void): number {
  const before = process.resourceUsage().maxRSS;
  run();
  return (process.resourceUsage().maxRSS - before) / 1024;
}

describe('Function: inflateBounded', () => {
  it('accepts exactly gzip, zstd and deflate', () => {
    expect(CONTENT_CODINGS).toEqual(['gzip', 'zstd', 'deflate']);
  });

  it.each<[ContentCoding, (b: Uint8Array) => Uint8Array]>([
    ['gzip', (b) => gzipSync(b)],
    ['deflate', (b) => deflateSync(b)],
    ['zstd', storedZstd],
  ])('%s: inflates a body up to and including maxBytes, and refuses one byte less', (coding, encode) => {
    const body = new Uint8Array(encode(text));
    expect(inflateBounded(body, coding, text.length)).toEqual(text);
    expect(inflateBounded(body, coding, MiB)).toEqual(text);
    const error = thrown(() => inflateBounded(body, coding, text.length - 1));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toBeInstanceOf(WindrowError);
    expect(error).not.toBeInstanceOf(DecodeError);
    expect(error.name).toBe('PayloadTooLargeError');
    expect((error as PayloadTooLargeError).maxBytes).toBe(text.length - 1);
    expect(error.message).toBe(`${coding} body inflates to more than ${text.length - 1} bytes`);
  });

  it('refuses a maxBytes that is not a positive integer', () => {
    expect(() => inflateBounded(gzipSync(text), 'gzip', 0)).toThrow(RangeError);
    expect(() => inflateBounded(gzipSync(text), 'zstd', 1.5)).toThrow(RangeError);
  });

  describe('gzip', () => {
    it('inflates concatenated gzip members', () => {
      const gz = Buffer.concat([gzipSync(text.subarray(0, 10)), gzipSync(text.subarray(10))]);
      expect(inflateBounded(gz, 'gzip', MiB)).toEqual(text);
    });

    it('stops a gzip bomb at the bound', () => {
      const bomb = gzipSync(new Uint8Array(64 * MiB)); // 64 MiB of zeros in ~64 KiB
      expect(bomb.length).toBeLessThan(100_000);
      expect(() => inflateBounded(bomb, 'gzip', MiB)).toThrow(PayloadTooLargeError);
    });

    it.each([
      ['not gzip', new TextEncoder().encode('{"resourceMetrics":[]}')],
      ['empty', new Uint8Array(0)],
      ['truncated', gzipSync(text).subarray(0, 20)],
      ['corrupt', Uint8Array.from(gzipSync(text), (b, i) => (i === 30 ? b ^ 0xff : b))],
    ])('refuses a %s body with DecodeError', (_, body) => {
      expect(() => inflateBounded(body, 'gzip', MiB)).toThrow(DecodeError);
      expect(() => inflateBounded(body, 'gzip', MiB)).toThrow(/^gzip: invalid body/);
    });
  });

  describe('deflate (the zlib format)', () => {
    it('decodes the JS SDK and opentelemetry-proto fixtures to the same points as the plain bodies', () => {
      for (const [body, json] of [
        [fixture('metrics-delta.pb'), false],
        [fixture('metrics-delta.json'), true],
        [protoExample('pb'), false],
      ] as const) {
        const inflated = inflateBounded(deflateSync(body), 'deflate', MiB);
        expect(inflated).toEqual(body);
        const decode = json ? decodeOtlpJson : decodeOtlpProtobuf;
        expect(decode(inflated, fixtureOptions)).toEqual(decode(body, fixtureOptions));
      }
    });

    it('refuses raw deflate (RFC 1951) with a message that says so', () => {
      const error = thrown(() => inflateBounded(deflateRawSync(text), 'deflate', MiB));
      expect(error).toBeInstanceOf(DecodeError);
      expect(error.message).toBe(
        'deflate: invalid body (not the zlib format of RFC 1950; raw deflate is not accepted)',
      );
    });

    it.each([
      ['gzip', gzipSync(text)],
      ['empty', new Uint8Array(0)],
      ['truncated', deflateSync(text).subarray(0, 20)],
      ['corrupt (bad Adler-32)', flipLastByte(deflateSync(text))],
    ])('refuses a %s body with DecodeError', (_, body) => {
      expect(() => inflateBounded(body, 'deflate', MiB)).toThrow(DecodeError);
      expect(() => inflateBounded(body, 'deflate', MiB)).toThrow(/^deflate: invalid body/);
    });

    it('stops a deflate bomb (1 GiB of zeros in 1 MB) at the bound, without the memory', () => {
      const bomb = deflateZerosBomb(1024);
      expect(bomb.length).toBeLessThan(1.1 * MiB);
      // The bomb is well-formed: a small one inflates in full.
      expect(isZeros(inflateBounded(deflateZerosBomb(2), 'deflate', 2 * MiB), 2 * MiB)).toBe(true);
      let error: Error | undefined;
      const started = performance.now();
      const growth = peakGrowthMiB(() => {
        error = thrown(() => inflateBounded(bomb, 'deflate', MiB));
      });
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error?.message).toBe(`deflate body inflates to more than ${MiB} bytes`);
      expect(growth).toBeLessThan(64);
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });

  describe('zstd', () => {
    it(`prefers node:zlib's decoder where it exists (${ENGINES.join(', ')} on Node ${process.versions.node})`, () => {
      const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
      const zlibHasZstd = major > 22 || (major === 22 && minor >= 15);
      expect(ENGINES).toEqual(zlibHasZstd ? ['zlib', 'fzstd'] : ['fzstd']);
      if (!zlibHasZstd) {
        expect(() => unzstdBounded(storedZstd(text), MiB, 'zlib')).toThrow(/node:zlib has no zstd/);
      }
    });

    it('inflateBounded uses the preferred decoder', () => {
      expect(inflateBounded(zst('proto-example.pb.zst'), 'zstd', MiB)).toEqual(protoExample('pb'));
    });

    describe.each(ENGINES)('with %s', (engine: ZstdEngine) => {
      const unzstd = (body: Uint8Array, maxBytes = MiB): Uint8Array => unzstdBounded(body, maxBytes, engine);

      it.each([
        ['proto-example.pb.zst', () => protoExample('pb')],
        ['proto-example.json.zst', () => protoExample('json')],
        ['metrics-delta.pb.zst', () => fixture('metrics-delta.pb')],
        ['metrics-delta.json.zst', () => fixture('metrics-delta.json')],
        ['metrics.pb.frames.zst', () => fixture('metrics.pb')],
      ])('decodes %s (made by the zstd CLI) to the plain body and its points', (name, plain) => {
        const body = plain();
        const inflated = unzstd(zst(name));
        expect(inflated).toEqual(body);
        const decode = name.includes('.json') ? decodeOtlpJson : decodeOtlpProtobuf;
        const points = decode(inflated, fixtureOptions);
        expect(points).toEqual(decode(body, fixtureOptions));
        expect(points.points.length + points.rejections.total).toBeGreaterThan(0);
      });

      it('decodes stored and RLE blocks, several frames, skippable frames and empty frames', () => {
        const a = zstdFrame({
          windowDescriptor: zstdWindow(20),
          blocks: [{ type: 'rle', byte: 65, size: 3 }],
        });
        const skippable = Uint8Array.of(0x5f, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9);
        const b = storedZstd(Uint8Array.of(66, 67));
        const empty = storedZstd(new Uint8Array(0));
        expect(unzstd(concat(a, skippable, b, empty))).toEqual(Uint8Array.of(65, 65, 65, 66, 67));
        expect(unzstd(skippable)).toEqual(new Uint8Array(0));
        expect(unzstd(storedZstd(text), text.length)).toEqual(text);
      });

      it.each<[string, Uint8Array, RegExp]>([
        ['empty', new Uint8Array(0), /\(empty\)$/],
        ['not zstd', new TextEncoder().encode('{"resourceMetrics":[]}'), /no zstd frame at byte 0/],
        ['gzip', gzipSync(text), /no zstd frame at byte 0/],
        ['truncated in a block', zst('metrics-delta.pb.zst').subarray(0, 300), /truncated at byte 300/],
        ['truncated in the header', zst('metrics-delta.pb.zst').subarray(0, 5), /truncated at byte 5/],
        ['without its checksum', zst('metrics-delta.pb.zst').subarray(0, 785), /truncated/],
        [
          'followed by junk',
          concat(zst('proto-example.pb.zst'), Uint8Array.of(1, 2, 3, 4)),
          /no zstd frame at byte 346/,
        ],
        [
          'with the reserved header bit',
          zstdFrame({ contentSize: 0, reservedBit: true, blocks: [raw()] }),
          /reserved bit/,
        ],
        [
          'needing a dictionary',
          zstdFrame({ contentSize: 0, dictionaryId: 7, blocks: [raw()] }),
          /dictionary/,
        ],
        [
          'with a reserved block type',
          zstdFrame({ windowDescriptor: 0, blocks: [{ type: 'reserved', size: 0 }] }),
          /reserved block type/,
        ],
        [
          'with a block over 128 KiB',
          zstdFrame({ windowDescriptor: zstdWindow(20), blocks: [{ type: 'rle', byte: 0, size: 131073 }] }),
          /a block of 131073 bytes in a frame that allows 131072/,
        ],
        [
          'with a block over its window',
          zstdFrame({ contentSize: 2, blocks: [raw(1, 2, 3)] }),
          /a block of 3 bytes in a frame that allows 2/,
        ],
      ])('refuses a body %s with DecodeError', (_, body, reason) => {
        const error = thrown(() => unzstd(body));
        expect(error).toBeInstanceOf(DecodeError);
        expect(error.message).toMatch(/^zstd: invalid body \(/);
        expect(error.message).toMatch(reason);
      });

      it(`decodes up to ${ZSTD_MAX_FRAMES} frames and refuses more`, () => {
        const frame = storedZstd(Uint8Array.of(1));
        const many = (n: number): Uint8Array => concat(...Array.from({ length: n }, () => frame));
        expect(unzstd(many(ZSTD_MAX_FRAMES))).toEqual(new Uint8Array(ZSTD_MAX_FRAMES).fill(1));
        const error = thrown(() => unzstd(many(ZSTD_MAX_FRAMES + 1)));
        expect(error).toBeInstanceOf(PayloadTooLargeError);
        expect(error.message).toBe(`zstd body has more than ${ZSTD_MAX_FRAMES} frames`);
      });

      it('refuses a frame whose content is not the size it declares', () => {
        const body = zstdFrame({ contentSize: 5, blocks: [raw(1, 2), raw(3, 4)] });
        expect(() => unzstd(body)).toThrow(DecodeError);
        expect(() => unzstd(body)).toThrow(/^zstd: invalid body/);
      });

      it('refuses corrupt compressed data with DecodeError', () => {
        // A compressed block whose literals section claims more bytes than the block holds.
        const good = zst('text-256mib.zst');
        const corrupt = good.slice(0, 400);
        corrupt.fill(0xff, 20, 40);
        const error = thrown(() => unzstd(corrupt));
        expect(error).toBeInstanceOf(DecodeError);
        expect(error.message).toMatch(/^zstd: invalid body/);
      });

      it('refuses a declared content size past the bound before inflating anything', () => {
        const liar = zstdFrame({ windowDescriptor: zstdWindow(20), contentSize: 2 ** 40, blocks: [raw(1)] });
        expect(() => unzstd(liar)).toThrow(
          new PayloadTooLargeError(`zstd body inflates to more than ${MiB} bytes`, MiB),
        );
        // Two frames that declare half the bound each, plus one byte.
        const half = zstdFrame({ windowDescriptor: zstdWindow(20), contentSize: MiB / 2, blocks: [raw()] });
        const one = storedZstd(Uint8Array.of(1));
        expect(() => unzstd(concat(half, half, one))).toThrow(PayloadTooLargeError);
      });

      it('refuses a window over max(maxBytes, 8 MiB) before reserving it (zstd --long=27, a 2 GiB header)', () => {
        const long = zstdFrame({ windowDescriptor: zstdWindow(27), blocks: [raw(104, 105)] });
        expect(() => unzstd(long)).toThrow(
          `zstd frame needs a 134217728-byte window; the limit is ${ZSTD_MIN_WINDOW_CAP} bytes`,
        );
        expect(unzstd(long, 128 * MiB)).toEqual(Uint8Array.of(104, 105));
        const huge = zstdFrame({ windowDescriptor: zstdWindow(31), blocks: [raw()] });
        expect(() => unzstd(huge)).toThrow(PayloadTooLargeError);
        // 8 MiB windows (libzstd -19, the Collector's encoder) are fine under any bound.
        expect(unzstd(zstdFrame({ windowDescriptor: zstdWindow(23), blocks: [raw(7)] }), 16)).toEqual(
          Uint8Array.of(7),
        );
      });

      it.each([
        ['zeros-1gib.zst', 'RLE blocks'],
        ['text-256mib.zst', 'compressed blocks'],
      ])('stops the %s bomb (%s) at the bound, without the memory', (name) => {
        const bomb = zst(name);
        let error: Error | undefined;
        const started = performance.now();
        const growth = peakGrowthMiB(() => {
          error = thrown(() => unzstd(bomb));
        });
        expect(error).toBeInstanceOf(PayloadTooLargeError);
        expect(error?.message).toBe(`zstd body inflates to more than ${MiB} bytes`);
        expect(growth).toBeLessThan(64);
        expect(performance.now() - started).toBeLessThan(2_000);
      });

      it('stops a bomb at the default 32 MiB bound with less than 100 MiB more memory', () => {
        let error: Error | undefined;
        const growth = peakGrowthMiB(() => {
          error = thrown(() => unzstd(zst('zeros-1gib.zst'), 32 * MiB));
        });
        expect(error?.message).toBe(`zstd body inflates to more than ${32 * MiB} bytes`);
        expect(growth).toBeLessThan(100);
      });

      it('bounds the blocks fzstd shifts its window for (libzstd has no such cost)', () => {
        // 400,000 empty-ish RLE blocks under an 8 MiB window: 1.6 MB that inflates to 400 KB.
        const blocks = Array.from({ length: 400_000 }, () => ({ type: 'rle', byte: 0, size: 1 }) as const);
        const body = zstdFrame({ windowDescriptor: zstdWindow(23), blocks });
        const started = performance.now();
        if (engine === 'fzstd') {
          const error = thrown(() => unzstd(body, 32 * MiB));
          expect(error).toBeInstanceOf(PayloadTooLargeError);
          const allowed = zstdWorkBudget(32 * MiB) / (8 * MiB) - 1; // one charge for the frame
          expect(error.message).toBe(
            `zstd body has more blocks (${allowed + 1}) than ${32 * MiB} bytes need; send fewer, fuller blocks`,
          );
        } else {
          expect(isZeros(unzstd(body, 32 * MiB), 400_000)).toBe(true);
        }
        expect(performance.now() - started).toBeLessThan(5_000);
        // What a full body needs stays within the budget: 256 full blocks under a 32 MiB window.
        expect(zstdWorkBudget(32 * MiB)).toBeGreaterThan((256 + 1) * 32 * MiB);
      });
    });
  });
});

const fixtureOptions = options({ nowMs: 1_795_633_200_000 });

function raw(...bytes: number[]): { type: 'raw'; bytes: Uint8Array } {
  return { type: 'raw', bytes: Uint8Array.from(bytes) };
}

/** `bytes` is `length` zeros (toEqual on megabytes is slow). */
function isZeros(bytes: Uint8Array, length: number): boolean {
  return bytes.length === length && bytes.every((b) => b === 0);
}

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1] = (out[out.length - 1] as number) ^ 1;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
