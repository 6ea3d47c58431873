/**
 * Bounded inflation of `Content-Encoding` request bodies: the codings the OpenTelemetry Collector's
 * OTLP/HTTP receiver accepts, gzip, zstd and deflate.
 *
 * node:zlib is used synchronously here although lib/core has no I/O: decompressing a buffer is pure
 * computation (no file, socket, clock or env), and the bound is enforced while inflating
 * (`maxOutputLength`; for zstd see zstd.ts), so a zip bomb stops at `maxBytes` instead of exhausting
 * memory first.
 *
 * `deflate` is the zlib format (RFC 1950), as HTTP defines it (RFC 9110 §8.4.1.2) and as the Collector
 * reads it; raw deflate (RFC 1951), which some old clients sent under that name, is refused with a
 * message saying so, rather than guessed at.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { DecodeError } from '../errors.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';
import { unzstdBounded } from './zstd.js';

/** The content codings accepted besides identity, in the order messages name them. */
export const CONTENT_CODINGS = ['gzip', 'zstd', 'deflate'] as const;
export type ContentCoding = (typeof CONTENT_CODINGS)[number];

/**
 * Inflates a body in `coding` to at most `maxBytes` bytes.
 *
 * @throws {PayloadTooLargeError} when the inflated body would exceed `maxBytes`.
 * @throws {DecodeError} when the body is not valid in its coding (bad header, corrupt or truncated).
 * @example
 * const raw = inflateBounded(body, 'zstd', 32 * 1024 * 1024);
 */
export function inflateBounded(body: Uint8Array, coding: ContentCoding, maxBytes: number): Uint8Array {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`inflateBounded: maxBytes must be a positive integer, got ${maxBytes}`);
  }
  switch (coding) {
    case 'zstd':
      return unzstdBounded(body, maxBytes);
    case 'gzip':
      return withZlib(coding, maxBytes, () => gunzipSync(body, { maxOutputLength: maxBytes }));
    case 'deflate':
      if (body.length >= 2 && !isZlibHeader(body)) {
        throw new DecodeError(
          'deflate: invalid body (not the zlib format of RFC 1950; raw deflate is not accepted)',
        );
      }
      return withZlib(coding, maxBytes, () => inflateSync(body, { maxOutputLength: maxBytes }));
  }
}

function withZlib(coding: ContentCoding, maxBytes: number, inflate: () => Buffer): Uint8Array {
  try {
    const out = inflate();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if (isTooLarge(error)) {
      throw new PayloadTooLargeError(`${coding} body inflates to more than ${maxBytes} bytes`, maxBytes, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`${coding}: invalid body (${reason})`, { cause: error });
  }
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** RFC 1950 §2.2: compression method 8 (deflate), window ≤ 32 KiB, and CMF·256 + FLG a multiple of 31. */
function isZlibHeader(body: Uint8Array): boolean {
  const cmf = body[0];
  const flg = body[1];
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0;
}
