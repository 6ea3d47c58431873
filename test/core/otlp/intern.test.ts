import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytesInterner, hashBytes } from '#core/otlp/intern.js';

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe('Class: BytesInterner', () => {
  it('returns what was stored for equal bytes, wherever they sit in a buffer, in any lookup order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 40 }), {
          selector: (b) => Array.from(b).join(','),
          minLength: 1,
          maxLength: 30,
        }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (ranges, order) => {
          const interner = new BytesInterner<number>(1000, 1 << 20);
          // All ranges back to back in one buffer, at odd offsets (unaligned reads).
          const offsets: number[] = [];
          const parts: number[] = [7];
          for (const r of ranges) {
            offsets.push(parts.length);
            parts.push(...r);
          }
          const buf = Uint8Array.from(parts);
          const v = view(buf);
          for (const i of [...ranges.keys(), ...order.map((o) => o % ranges.length)]) {
            const start = offsets[i] as number;
            const end = start + (ranges[i] as Uint8Array).length;
            const hit = interner.lookup(v, start, end);
            if (hit === undefined) interner.insert(v, start, end, i);
            else expect(hit).toBe(i);
          }
          for (const [i, r] of ranges.entries())
            expect(interner.lookup(view(r.slice()), 0, r.length)).toBe(i);
        },
      ),
    );
  });

  it('does not keep a reference to the body', () => {
    const interner = new BytesInterner<string>(10, 1000);
    const body = Uint8Array.from([1, 2, 3, 4, 5]);
    interner.lookup(view(body), 1, 4);
    interner.insert(view(body), 1, 4, 'x');
    body.fill(0);
    expect(interner.lookup(view(Uint8Array.from([2, 3, 4])), 0, 3)).toBe('x');
  });

  it('clears itself when full (entries or bytes)', () => {
    const interner = new BytesInterner<number>(3, 1000);
    for (let i = 0; i < 4; i++) {
      const b = Uint8Array.from([i]);
      expect(interner.lookup(view(b), 0, 1)).toBeUndefined();
      interner.insert(view(b), 0, 1, i);
    }
    expect(interner.size).toBe(1);
    const small = new BytesInterner<number>(100, 10);
    small.lookup(view(new Uint8Array(8)), 0, 8);
    small.insert(view(new Uint8Array(8)), 0, 8, 1);
    small.lookup(view(new Uint8Array(9)), 0, 9);
    small.insert(view(new Uint8Array(9)), 0, 9, 2);
    expect(small.size).toBe(1);
  });
});

describe('Function: hashBytes', () => {
  it('is a small integer and depends on every byte', () => {
    const base = new Uint8Array(37).map((_, i) => i);
    const h = hashBytes(view(base), 0, base.length);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(2 ** 30);
    for (let i = 0; i < base.length; i++) {
      const changed = base.slice();
      changed[i] = (changed[i] as number) ^ 1;
      expect(hashBytes(view(changed), 0, changed.length)).not.toBe(h);
    }
  });
});
