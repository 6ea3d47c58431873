/**
 * Bounded zstd inflation for `Content-Encoding: zstd` request bodies, with one of two decoders:
 *
 * - `zlib`: node:zlib's `zstdDecompressSync` (libzstd), present from Node 22.15 (the Lambda runtime),
 *   bounded by `maxOutputLength` as gzip is. It is given one frame at a time: on a body of several
 *   frames it returns the first frame's content only, without an error (Node 22.23), and on a
 *   truncated frame whatever it decoded.
 * - `fzstd`: a pure JavaScript decoder, for Node 20 (no zstd in its zlib, and `npm start` runs
 *   there). Pure JavaScript because the Lambdas are arm64 and bundled on x86 by esbuild: a native
 *   addon would need a build per platform. fzstd (101arrowz, MIT, no dependencies) decodes
 *   streaming, one block (≤ 128 KiB) at a time, so inflation stops at the bound while decoding.
 *   It keeps its window as one array that it shifts once per block, so the number of blocks is
 *   bounded too ({@link zstdWorkBudget}). It does not verify the optional content checksum (libzstd
 *   does); the body decoders still check what they read.
 *
 * Either way the body's frames are found and checked first ({@link zstdFrames}): a window or a
 * declared size past the limits is refused before any memory is reserved for it, and both decoders
 * see the same well-formed frames.
 */
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { DecodeError, WindrowError } from '../errors.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';
import { ZSTD_BLOCK_MAX, type ZstdFrame, zstdFrames, zstdWindowCap } from './zstd-frames.js';

/** Which decoder inflates zstd bodies. */
export type ZstdEngine = 'zlib' | 'fzstd';

type ZlibZstdDecompress = (frame: Uint8Array, options: { maxOutputLength: number }) => Buffer;

// Feature detection: @types/node 20 does not declare zstdDecompressSync.
const zlibZstd = (zlib as unknown as { zstdDecompressSync?: ZlibZstdDecompress }).zstdDecompressSync;

/** The decoders this runtime has, the preferred first: `['zlib', 'fzstd']` on Node ≥ 22.15. */
export function zstdEngines(): readonly ZstdEngine[] {
  return typeof zlibZstd === 'function' ? ['zlib', 'fzstd'] : ['fzstd'];
}

/**
 * Inflates a zstd body (one or more frames) to at most `maxBytes` bytes.
 *
 * @param engine the decoder; the runtime's preferred one by default (tests pick each in turn).
 * @throws {PayloadTooLargeError} when the body would inflate past `maxBytes`, or asks for more window,
 *   frames or (fzstd) blocks than that needs.
 * @throws {DecodeError} when the body is not valid zstd.
 * @example
 * const raw = unzstdBounded(body, 32 * 1024 * 1024);
 */
export function unzstdBounded(
  body: Uint8Array,
  maxBytes: number,
  engine: ZstdEngine = zstdEngines()[0] as ZstdEngine,
): Uint8Array {
  const frames = zstdFrames(body, maxBytes);
  const out = new BoundedOutput(maxBytes, body.length);
  if (engine === 'fzstd') {
    inflateWithFzstd(body, frames, out);
    return out.bytes();
  }
  const decompress = zlibZstd;
  if (typeof decompress !== 'function') {
    throw new WindrowError(`unzstdBounded: node:zlib has no zstd in Node ${process.versions.node}`);
  }
  for (const frame of frames) {
    let content: Buffer;
    try {
      // One byte over what is left, so that "exactly what is left" passes and one more is caught here.
      content = decompress(body.subarray(frame.start, frame.end), { maxOutputLength: out.left + 1 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (error instanceof RangeError && code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes, error);
      throw invalid(error);
    }
    out.append(content);
  }
  return out.bytes();
}

/** Blocks allowed beyond the full ones `maxBytes` needs: last blocks of frames, flushes. */
const SPARE_BLOCKS = 64;

/**
 * How many window bytes fzstd may shift for one body: each frame and each block costs its frame's
 * window (at least {@link ZSTD_BLOCK_MAX}), up to what a body of `maxBytes` in full blocks under the
 * largest window costs, plus {@link SPARE_BLOCKS} blocks. At the default 32 MiB limit: 320 blocks
 * of a 32 MiB window, 1,280 of an 8 MiB one, or 81,920 small ones, 1.6 s at worst measured (on the
 * development machine); without it a 6 MB body of empty blocks under an 8 MiB window takes minutes
 * and inflates to nothing.
 */
export function zstdWorkBudget(maxBytes: number): number {
  return (Math.ceil(maxBytes / ZSTD_BLOCK_MAX) + SPARE_BLOCKS) * zstdWindowCap(maxBytes);
}

/** Thrown from fzstd's data callback to stop it, carrying the error to throw instead. */
class StopDecoding extends Error {
  constructor(readonly error: PayloadTooLargeError) {
    super(error.message);
  }
}

/**
 * Each frame through its own fzstd decoder (the walk has found the frames, so fzstd never recurses
 * into the next one); blocks are copied out as they arrive, and the first block past the bound, or
 * past the work budget, stops decoding.
 */
function inflateWithFzstd(body: Uint8Array, frames: readonly ZstdFrame[], out: BoundedOutput): void {
  const budget = zstdWorkBudget(out.maxBytes);
  let work = 0;
  let blocks = 0;
  let blockCost = 0;
  const spend = (): void => {
    work += blockCost;
    if (work > budget) {
      const message = `zstd body has more blocks (${blocks}) than ${out.maxBytes} bytes need`;
      throw new StopDecoding(new PayloadTooLargeError(`${message}; send fewer, fuller blocks`, out.maxBytes));
    }
  };
  const onData = (block: Uint8Array, final?: boolean): void => {
    if (final === true && block.length === 0) return; // the end of a frame, after its last block
    blocks += 1;
    spend();
    if (block.length > out.left) throw new StopDecoding(tooLarge(out.maxBytes));
    out.append(block);
  };
  for (const frame of frames) {
    const before = out.size;
    blockCost = Math.max(frame.windowBytes, ZSTD_BLOCK_MAX);
    try {
      spend();
      new Decompress(onData).push(body.subarray(frame.start, frame.end), true);
    } catch (error) {
      if (error instanceof StopDecoding) throw error.error;
      throw invalid(error);
    }
    // libzstd checks this too; fzstd does not.
    if (frame.contentBytes !== undefined && out.size - before !== frame.contentBytes) {
      const reason = `a frame declares ${frame.contentBytes} bytes and holds ${out.size - before}`;
      throw new DecodeError(`zstd: invalid body (${reason})`);
    }
  }
}

/** Inflated bytes, in one buffer that grows by doubling and never past `maxBytes`. */
class BoundedOutput {
  readonly maxBytes: number;
  size = 0;
  private buffer: Uint8Array;

  constructor(maxBytes: number, bodyBytes: number) {
    this.maxBytes = maxBytes;
    this.buffer = new Uint8Array(Math.min(maxBytes, Math.max(64 * 1024, bodyBytes * 4)));
  }

  /** Bytes that may still be appended. */
  get left(): number {
    return this.maxBytes - this.size;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length > this.left) throw tooLarge(this.maxBytes);
    const needed = this.size + bytes.length;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(this.buffer.length * 2, needed)));
      grown.set(this.buffer.subarray(0, this.size));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.size);
    this.size = needed;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.size);
  }
}

function tooLarge(maxBytes: number, cause?: unknown): PayloadTooLargeError {
  const message = `zstd body inflates to more than ${maxBytes} bytes`;
  return new PayloadTooLargeError(message, maxBytes, cause === undefined ? undefined : { cause });
}

function invalid(error: unknown): DecodeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DecodeError(`zstd: invalid body (${reason})`, { cause: error });
}
