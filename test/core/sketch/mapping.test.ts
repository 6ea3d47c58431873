import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#core/errors.js';
import { LogarithmicMapping, MIN_INDEXABLE_VALUE } from '#core/sketch/mapping.js';
import { withinRelative } from './datasets.js';

const ALPHAS = [0.0001, 0.001, 0.01, 0.05, 0.5];

/** Any indexable magnitude: 2^-1022 … MAX_VALUE, log-uniform so every decade is visited. */
const magnitude = fc
  .double({ min: -1022, max: 1023.99, noNaN: true })
  .map((e) => Math.min(2 ** e, Number.MAX_VALUE));

describe('Class: LogarithmicMapping', () => {
  describe('Method: constructor', () => {
    it.each([0, -0.01, 1, 1.5, Number.NaN, 1e-7])('rejects α = %s with a ConfigError', (alpha) => {
      expect(() => new LogarithmicMapping(alpha)).toThrow(ConfigError);
    });

    it('derives γ = (1+α)/(1−α)', () => {
      for (const alpha of ALPHAS) {
        expect(new LogarithmicMapping(alpha).gamma).toBeCloseTo((1 + alpha) / (1 - alpha), 12);
      }
    });
  });

  describe('Method: value', () => {
    it('returns a representative within α of every magnitude of the bucket', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ALPHAS), magnitude, (alpha, v) => {
          const mapping = new LogarithmicMapping(alpha);
          expect(withinRelative(mapping.value(mapping.index(v)), v, alpha)).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });

    it('covers the extremes: the smallest normal double and MAX_VALUE', () => {
      const mapping = new LogarithmicMapping(0.01);
      for (const v of [MIN_INDEXABLE_VALUE, 1e-300, 1e-9, 1, 1e12, 1e300, Number.MAX_VALUE]) {
        const rep = mapping.value(mapping.index(v));
        expect(Number.isFinite(rep)).toBe(true);
        expect(withinRelative(rep, v, 0.01)).toBe(true);
      }
      expect(mapping.index(MIN_INDEXABLE_VALUE)).toBe(mapping.minIndex);
      expect(mapping.index(Number.MAX_VALUE)).toBe(mapping.maxIndex);
    });

    it('never exceeds MAX_VALUE, even for the top bucket of a coarse mapping', () => {
      const mapping = new LogarithmicMapping(0.5);
      expect(mapping.value(mapping.maxIndex)).toBeLessThanOrEqual(Number.MAX_VALUE);
    });
  });

  describe('Method: index', () => {
    it('is monotone, so ranks found by bucket match ranks of the values', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ALPHAS), magnitude, magnitude, (alpha, a, b) => {
          const mapping = new LogarithmicMapping(alpha);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(mapping.index(lo)).toBeLessThanOrEqual(mapping.index(hi));
        }),
      );
    });

    it('keeps every index a safe integer down to the smallest accepted α', () => {
      const mapping = new LogarithmicMapping(1e-6);
      expect(Number.isSafeInteger(mapping.minIndex)).toBe(true);
      expect(Number.isSafeInteger(mapping.maxIndex)).toBe(true);
    });
  });
});
