/**
 * Bounded gzip inflation for `Content-Encoding: gzip` request bodies.
 *
 * node:zlib is used synchronously here although lib/core has no I/O: `gunzipSync` is pure computation
 * on a buffer (no file, socket, clock or env), and the bound is enforced while inflating
 * (`maxOutputLength`), so a gzip bomb stops at `maxBytes` instead of exhausting memory first.
 */
import { gunzipSync } from 'node:zlib';
import { DecodeError } from '../errors.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';

/**
 * Inflates a gzip body to at most `maxBytes` bytes.
 *
 * @throws {PayloadTooLargeError} when the inflated body would exceed `maxBytes`.
 * @throws {DecodeError} when the body is not valid gzip (bad header, corrupt or truncated data).
 * @example
 * const raw = gunzipBounded(body, 4 * 1024 * 1024);
 */
export function gunzipBounded(body: Uint8Array, maxBytes: number): Uint8Array {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`gunzipBounded: maxBytes must be a positive integer, got ${maxBytes}`);
  }
  try {
    const out = gunzipSync(body, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if (isTooLarge(error)) {
      throw new PayloadTooLargeError(`gzip body inflates to more than ${maxBytes} bytes`, maxBytes, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`gzip: invalid body (${reason})`, { cause: error });
  }
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}
