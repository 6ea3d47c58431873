import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError, WindrowError } from '#core/errors.js';
import { gunzipBounded } from '#core/otlp/gzip.js';
import { PayloadTooLargeError } from '#core/otlp/payload-too-large-error.js';

const text = new TextEncoder().encode('windrow '.repeat(1000));

describe('Function: gunzipBounded', () => {
  it('inflates a body up to and including maxBytes', () => {
    const gz = gzipSync(text);
    expect(gunzipBounded(gz, text.length)).toEqual(text);
    expect(gunzipBounded(gz, 1 << 20)).toEqual(text);
  });

  it('inflates concatenated gzip members', () => {
    const gz = Buffer.concat([gzipSync(text.subarray(0, 10)), gzipSync(text.subarray(10))]);
    expect(gunzipBounded(gz, 1 << 20)).toEqual(text);
  });

  it('refuses a body inflating beyond maxBytes with PayloadTooLargeError', () => {
    let error: unknown;
    try {
      gunzipBounded(gzipSync(text), text.length - 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toBeInstanceOf(WindrowError);
    expect(error).not.toBeInstanceOf(DecodeError);
    expect((error as PayloadTooLargeError).name).toBe('PayloadTooLargeError');
    expect((error as PayloadTooLargeError).maxBytes).toBe(text.length - 1);
    expect((error as Error).message).toBe(`gzip body inflates to more than ${text.length - 1} bytes`);
  });

  it('stops a gzip bomb at the bound', () => {
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => gunzipBounded(bomb, 1024 * 1024)).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['not gzip', new TextEncoder().encode('{"resourceMetrics":[]}')],
    ['empty', new Uint8Array(0)],
    ['truncated', gzipSync(text).subarray(0, 20)],
    ['corrupt', Uint8Array.from(gzipSync(text), (b, i) => (i === 30 ? b ^ 0xff : b))],
  ])('refuses a %s body with DecodeError', (_, body) => {
    expect(() => gunzipBounded(body, 1 << 20)).toThrow(DecodeError);
    expect(() => gunzipBounded(body, 1 << 20)).toThrow(/^gzip: invalid body/);
  });
});
