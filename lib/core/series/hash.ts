/**
 * MurmurHash3 x86_128 over the UTF-16 code units of a string, as 32 lowercase hex characters.
 *
 * Why our own: series ids are computed for every point on the ingest hot path. node:crypto's md5 is
 * not allowed in the pure core and costs a native call per id; the x86 variant of Murmur3 uses only
 * 32-bit multiplies (`Math.imul`), which V8 compiles to a few instructions, and 128 bits make
 * collisions between a tenant's series practically impossible (birthday bound ~2^64).
 *
 * The hash is defined over UTF-16 code units (two per 32-bit block) rather than UTF-8 bytes: ids only
 * need to be stable within windrow, and this avoids encoding every key first.
 */
export function murmur3x86_128(key: string, seed = 0): string {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const c3 = 0x38b34ae5;
  const c4 = 0xa1e38b93;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const len = key.length;
  const blocks = len - (len % 8);
  let i = 0;
  for (; i < blocks; i += 8) {
    let k1 = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
    let k2 = key.charCodeAt(i + 2) | (key.charCodeAt(i + 3) << 16);
    let k3 = key.charCodeAt(i + 4) | (key.charCodeAt(i + 5) << 16);
    let k4 = key.charCodeAt(i + 6) | (key.charCodeAt(i + 7) << 16);

    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(k2, c2);
    k2 = (k2 << 16) | (k2 >>> 16);
    k2 = Math.imul(k2, c3);
    h2 ^= k2;
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(k3, c3);
    k3 = (k3 << 17) | (k3 >>> 15);
    k3 = Math.imul(k3, c4);
    h3 ^= k3;
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(k4, c4);
    k4 = (k4 << 18) | (k4 >>> 14);
    k4 = Math.imul(k4, c1);
    h4 ^= k4;
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }

  // Tail: up to 7 code units, packed two per 32-bit lane as in the body.
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  const rem = len - i;
  const unit = (j: number): number => key.charCodeAt(i + j);
  if (rem >= 7) k4 ^= unit(6);
  if (rem >= 6) k3 ^= unit(5) << 16;
  if (rem >= 5) k3 ^= unit(4);
  if (rem >= 4) k2 ^= unit(3) << 16;
  if (rem >= 3) k2 ^= unit(2);
  if (rem >= 2) k1 ^= unit(1) << 16;
  if (rem >= 1) k1 ^= unit(0);
  if (k4 !== 0) {
    k4 = Math.imul(k4, c4);
    k4 = (k4 << 18) | (k4 >>> 14);
    h4 ^= Math.imul(k4, c1);
  }
  if (k3 !== 0) {
    k3 = Math.imul(k3, c3);
    k3 = (k3 << 17) | (k3 >>> 15);
    h3 ^= Math.imul(k3, c4);
  }
  if (k2 !== 0) {
    k2 = Math.imul(k2, c2);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, c3);
  }
  if (k1 !== 0) {
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, c2);
  }

  const bytes = len * 2;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return hex8(h1) + hex8(h2) + hex8(h3) + hex8(h4);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
