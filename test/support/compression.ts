/**
 * Compressed bodies built by hand for tests of Content-Encoding handling: zstd frames byte by byte
 * (RFC 8878 §3.1; Node 20 has no zstd encoder, and malformed frames need a hand anyway) and a
 * deflate bomb made without ever holding what it inflates to.
 */
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';

/** A zstd block: stored bytes, one byte repeated (RLE), or the reserved type 3. */
export type ZstdBlockSpec =
  | { readonly type: 'raw'; readonly bytes: Uint8Array }
  | { readonly type: 'rle'; readonly byte: number; readonly size: number }
  | { readonly type: 'reserved'; readonly size: number };

export interface ZstdFrameSpec {
  /** The Window_Descriptor byte; omitted, the frame is single-segment (its window is its content size). */
  readonly windowDescriptor?: number;
  /** The Frame_Content_Size to declare; a single-segment frame must declare one. */
  readonly contentSize?: number;
  readonly dictionaryId?: number;
  /** Sets the reserved bit of the frame header descriptor. */
  readonly reservedBit?: boolean;
  readonly blocks: readonly ZstdBlockSpec[];
}

/** One zstd frame (without a content checksum) as specified. */
export function zstdFrame(spec: ZstdFrameSpec): Uint8Array {
  const single = spec.windowDescriptor === undefined;
  const size = spec.contentSize;
  if (single && size === undefined) throw new Error('a single-segment frame declares its content size');
  let sizeFlag = 0;
  let sizeBytes: number[] = [];
  if (size !== undefined) {
    if (single && size < 256) sizeBytes = le(size, 1);
    else if (size >= 256 && size < 65536 + 256) [sizeFlag, sizeBytes] = [1, le(size - 256, 2)];
    else if (size < 2 ** 32) [sizeFlag, sizeBytes] = [2, le(size, 4)];
    else [sizeFlag, sizeBytes] = [3, le(size, 8)];
  }
  const dictionary = spec.dictionaryId === undefined ? [] : le(spec.dictionaryId, 4);
  const descriptor =
    (sizeFlag << 6) | (single ? 1 << 5 : 0) | (spec.reservedBit ? 1 << 3 : 0) | (dictionary.length ? 3 : 0);
  const bytes: number[] = [0x28, 0xb5, 0x2f, 0xfd, descriptor];
  if (!single) bytes.push(spec.windowDescriptor as number);
  bytes.push(...dictionary, ...sizeBytes);
  spec.blocks.forEach((block, i) => {
    const last = i === spec.blocks.length - 1 ? 1 : 0;
    const type = { raw: 0, rle: 1, reserved: 3 }[block.type];
    const blockSize = block.type === 'raw' ? block.bytes.length : block.size;
    bytes.push(...le((blockSize << 3) | (type << 1) | last, 3));
    if (block.type === 'raw') for (const b of block.bytes) bytes.push(b);
    if (block.type === 'rle') bytes.push(block.byte);
  });
  return Uint8Array.from(bytes);
}

/** `content` as a valid zstd body of stored (raw) blocks: what any zstd decoder must accept. */
export function storedZstd(content: Uint8Array): Uint8Array {
  const blocks: ZstdBlockSpec[] = [];
  for (let at = 0; at < content.length || blocks.length === 0; at += 128 * 1024) {
    blocks.push({ type: 'raw', bytes: content.subarray(at, at + 128 * 1024) });
  }
  return zstdFrame({ contentSize: content.length, blocks });
}

/** The zstd window descriptor byte for a window of 2^log bytes (10 ≤ log ≤ 41). */
export function zstdWindow(log: number): number {
  return (log - 10) << 3;
}

/**
 * A zlib (`Content-Encoding: deflate`) body of `mebibytes` MiB of zeros, about 1 KiB per MiB, built
 * from one deflated MiB repeated: each copy is a non-final deflate block ending in a sync flush, so
 * copies chain into one stream, closed by an empty final block and the Adler-32 of the zeros.
 */
export function deflateZerosBomb(mebibytes: number): Uint8Array {
  const mib = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const total = mebibytes * 2 ** 20;
  const out = new Uint8Array(2 + mib.length * mebibytes + 2 + 4);
  out.set([0x78, 0xda]); // zlib header: deflate, 32 KiB window, level 9
  for (let i = 0; i < mebibytes; i++) out.set(mib, 2 + i * mib.length);
  const tail = 2 + mib.length * mebibytes;
  out.set([0x03, 0x00], tail); // a final fixed-Huffman block holding only its end code
  // Adler-32 of n zeros: a = 1, b = n·1 mod 65521; stored big-endian.
  new DataView(out.buffer).setUint32(tail + 2, ((total % 65521) * 65536 + 1) >>> 0);
  return out;
}

function le(value: number, length: number): number[] {
  const out: number[] = [];
  for (let i = 0, v = value; i < length; i++, v = Math.floor(v / 256)) out.push(v % 256);
  return out;
}
