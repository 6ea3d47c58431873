/**
 * Packed state bytes stored compressed (issue 15: DynamoDB bills writes per started KB). A frame
 * is the plain form's version byte replaced by a `compressed` version byte, then raw DEFLATE of the
 * rest. States compress to about 0.55–0.65 of their size (bucket counts, repeated tenants and
 * kinds; the 16-byte series ids do not compress), measured on the SDK workload of `npm run cost`.
 *
 * Why DEFLATE (node:zlib, level 6): in every runtime, deterministic for a given zlib, and fast
 * enough (≈1 ms for a 50 KB pack) for the ingest path; zstd would be ~10% smaller but is not in
 * Node 20's zlib.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { StateCodecError } from '../errors.js';

/** Upper bound on an inflated frame: a corrupt or hostile item cannot exhaust memory. */
export const MAX_INFLATED_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * `plain` (its first byte a version) as a compressed frame under version `compressed`, or `plain`
 * itself when compressing does not make it smaller.
 *
 * @example compressFrame(packBytes, 3) // [3, …deflate of packBytes[1…]]
 */
export function compressFrame(plain: Uint8Array, compressed: number): Uint8Array {
  const body = deflateRawSync(plain.subarray(1));
  if (body.length + 1 >= plain.length) return plain;
  const out = new Uint8Array(body.length + 1);
  out[0] = compressed;
  out.set(body, 1);
  return out;
}

/**
 * The plain form of a frame: `frame` when its version byte is not `compressed`, else the inflated
 * body behind the plain version byte `plain`.
 *
 * @throws StateCodecError when the body does not inflate (or inflates past the bound)
 */
export function inflateFrame(frame: Uint8Array, compressed: number, plain: number): Uint8Array {
  if (frame[0] !== compressed) return frame;
  const input = frame.subarray(1);
  let body: Buffer;
  let consumed: number;
  try {
    const inflated = inflateRawSync(input, {
      maxOutputLength: MAX_INFLATED_FRAME_BYTES,
      info: true,
    }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    body = inflated.buffer;
    consumed = inflated.engine.bytesWritten;
  } catch (error) {
    throw new StateCodecError('compressed state frame does not inflate', { cause: error });
  }
  // zlib stops at the end of the DEFLATE stream and ignores what follows: bytes past it are corrupt.
  if (consumed !== input.length) throw new StateCodecError('trailing bytes after compressed state frame');
  const out = new Uint8Array(body.length + 1);
  out[0] = plain;
  out.set(body, 1);
  return out;
}
