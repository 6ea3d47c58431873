/**
 * A structural check of a zstd body (RFC 8878 §3.1) before any decoding: frame and block headers
 * only, a few bytes per block, no decompression. It refuses up front what a decoder would find out
 * late, or not at all, and it runs whichever decoder follows (lib/core/otlp/zstd.ts), so both see
 * the same well-formed bodies:
 *
 * - truncated frames, reserved bits or block types, blocks larger than the frame allows, bytes after
 *   the last frame, an empty body, frames that need a dictionary (none is known here): invalid (400).
 *   libzstd in Node 22 returns a truncated frame's partial output without an error.
 * - declared content sizes adding up past `maxBytes`: too large (413) before inflating anything.
 * - a window larger than {@link zstdWindowCap}: too large. A decoder keeps up to a window of history,
 *   and a 20-byte header can ask for gigabytes of it.
 * - more than {@link ZSTD_MAX_FRAMES} frames: too large. Each frame is decoded on its own, with a
 *   decoder of its own (about 40 µs each in libzstd through node:zlib).
 */
import { DecodeError } from '../errors.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';

/** A block decodes to at most 128 KiB (RFC 8878 §3.1.1.2.4, Block_Maximum_Size). */
export const ZSTD_BLOCK_MAX = 128 * 1024;

/**
 * The window every body may use, whatever `maxBytes`: RFC 8878 §3.1.1.1.2 recommends decoders
 * support 8 MB and encoders stay within it; libzstd's levels 1–19 and Go's klauspost/compress (the
 * Collector's encoder) default to at most 8 MiB.
 */
export const ZSTD_MIN_WINDOW_CAP = 8 * 1024 * 1024;

/**
 * Frames a body may hold. Encoders write one frame per body (libzstd, Go's klauspost/compress),
 * some one per flush or per few MiB (pzstd); a thousand covers them all.
 */
export const ZSTD_MAX_FRAMES = 1024;

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, a 4-byte size, then that many bytes to skip. */
const SKIPPABLE_MAGIC = 0x184d2a50;

/** One zstd frame of a body: its bytes are `body.subarray(start, end)`. */
export interface ZstdFrame {
  readonly start: number;
  readonly end: number;
  /** The history the frame's decoder keeps, in bytes (its content size when single-segment). */
  readonly windowBytes: number;
  /** The content size the header declares, when it does. */
  readonly contentBytes: number | undefined;
}

/** The largest window a frame may ask for when the body may inflate to `maxBytes`. */
export function zstdWindowCap(maxBytes: number): number {
  return Math.max(maxBytes, ZSTD_MIN_WINDOW_CAP);
}

/**
 * The zstd frames of `body` in order (skippable frames left out), once the whole body is checked.
 *
 * @throws {DecodeError} when the body is not a well-formed sequence of zstd frames.
 * @throws {PayloadTooLargeError} when its frames declare more than `maxBytes` of content, ask for
 *   a window over {@link zstdWindowCap}, or number more than {@link ZSTD_MAX_FRAMES}.
 * @example
 * for (const frame of zstdFrames(body, 32 * 1024 * 1024)) decode(body.subarray(frame.start, frame.end));
 */
export function zstdFrames(body: Uint8Array, maxBytes: number): ZstdFrame[] {
  if (body.length === 0) throw invalid('empty');
  const windowCap = zstdWindowCap(maxBytes);
  const frames: ZstdFrame[] = [];
  let declared = 0;
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > body.length) throw invalid(`truncated at byte ${body.length}`);
  };

  while (pos < body.length) {
    const start = pos;
    need(4);
    const magic = u32(body, pos);
    pos += 4;
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      const size = u32(body, pos);
      pos += 4;
      need(size);
      pos += size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw invalid(`no zstd frame at byte ${start}`);
    if (frames.length === ZSTD_MAX_FRAMES) {
      throw new PayloadTooLargeError(`zstd body has more than ${ZSTD_MAX_FRAMES} frames`, maxBytes);
    }

    need(1);
    const descriptor = body[pos++] as number;
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    if ((descriptor >> 3) & 1) throw invalid(`reserved bit set in the frame header at byte ${start}`);
    const hasChecksum = (descriptor >> 2) & 1;
    let windowBytes = 0;
    if (!singleSegment) {
      need(1);
      const w = body[pos++] as number;
      const base = 2 ** (10 + (w >> 3));
      windowBytes = base + (base / 8) * (w & 7);
    }
    const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3] as number;
    need(dictionaryIdBytes);
    if (readLE(body, pos, dictionaryIdBytes) !== 0)
      throw invalid('frames with a dictionary are not supported');
    pos += dictionaryIdBytes;
    const contentSizeBytes = [singleSegment, 2, 4, 8][contentSizeFlag] as number;
    need(contentSizeBytes);
    const contentSize = readLE(body, pos, contentSizeBytes) + (contentSizeBytes === 2 ? 256 : 0);
    pos += contentSizeBytes;
    if (singleSegment) windowBytes = contentSize;
    if (contentSizeBytes > 0) {
      declared += contentSize;
      if (declared > maxBytes) {
        throw new PayloadTooLargeError(`zstd body inflates to more than ${maxBytes} bytes`, maxBytes);
      }
    }
    if (windowBytes > windowCap) {
      throw new PayloadTooLargeError(
        `zstd frame needs a ${windowBytes}-byte window; the limit is ${windowCap} bytes`,
        maxBytes,
      );
    }

    const blockMax = Math.min(windowBytes, ZSTD_BLOCK_MAX);
    for (let last = 0; !last; ) {
      need(3);
      const header = readLE(body, pos, 3);
      pos += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw invalid(`reserved block type at byte ${pos - 3}`);
      if (size > blockMax) throw invalid(`a block of ${size} bytes in a frame that allows ${blockMax}`);
      const stored = type === 1 ? 1 : size; // an RLE block stores one byte, repeated `size` times
      need(stored);
      pos += stored;
    }
    if (hasChecksum) {
      need(4);
      pos += 4;
    }
    frames.push({
      start,
      end: pos,
      windowBytes,
      contentBytes: contentSizeBytes > 0 ? contentSize : undefined,
    });
  }
  return frames;
}

function invalid(reason: string): DecodeError {
  return new DecodeError(`zstd: invalid body (${reason})`);
}

function u32(bytes: Uint8Array, at: number): number {
  return readLE(bytes, at, 4);
}

/** A little-endian unsigned integer of 0–8 bytes; exact up to 2^53, which no limit comes near. */
function readLE(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] as number);
  return value;
}
