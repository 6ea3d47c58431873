import fc from 'fast-check';
import murmur from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { murmur3x86_128 } from '#core/series/hash.js';

/** Our hash is Murmur3 x86_128 over the string's UTF-16LE bytes: check it against the reference port. */
function reference(s: string): string {
  return murmur.x86.hash128(Buffer.from(s, 'utf16le'));
}

describe('Function: murmur3x86_128', () => {
  it('matches the reference implementation for every tail length', () => {
    for (let n = 0; n <= 40; n++) {
      const s = 'tenant\u0000service.name=api\u0000route=/a/b/c'.slice(0, n);
      expect(murmur3x86_128(s)).toBe(reference(s));
    }
  });

  it('matches the reference on arbitrary unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => murmur3x86_128(s) === reference(s)));
  });

  it('gives 32 hex characters', () => {
    expect(murmur3x86_128('')).toMatch(/^[0-9a-f]{32}$/);
    expect(murmur3x86_128('x')).toMatch(/^[0-9a-f]{32}$/);
  });
});
