import { describe, expect, it } from 'vitest';
import { createSketch, type QuantileSketch } from '#core/sketch/index.js';
import { encoded, exactQuantile, lognormal, QUANTILES, sortedCopy, withinRelative } from './datasets.js';

/**
 * Regression for the sketches-js bug: `DDSketch.merge` adds the positive store and the zero count of
 * the other sketch but not its negative store (while still adding its count), so after merging into a
 * non-empty sketch, every quantile that falls among the negatives is wrong — p50 of all-negative data
 * comes back as 0. The merge must carry all three parts.
 */
describe('Regression: merge ignores the negative store', () => {
  function sketchOf(values: readonly number[]): QuantileSketch {
    const sketch = createSketch({ relativeAccuracy: 0.01, maxBuckets: 2048 });
    for (const v of values) sketch.add(v);
    return sketch;
  }

  const negatives = lognormal(10_000, 17).map((v) => -v);
  const mixed = negatives.map((v, i) => (i % 3 === 0 ? -v : i % 7 === 0 ? 0 : v));

  it.each([
    ['all-negative', negatives],
    ['mixed sign with zeros', mixed],
  ])(
    'merging halves of %s data into a non-empty sketch gives the quantiles of the whole',
    (_name, values) => {
      const sorted = sortedCopy(values);
      const half = values.length / 2;
      const target = sketchOf(values.slice(0, half));
      target.mergeFrom(sketchOf(values.slice(half)));
      expect(target.count).toBe(values.length);
      for (const q of QUANTILES) {
        const estimate = target.quantile(q) ?? Number.NaN;
        expect(withinRelative(estimate, exactQuantile(sorted, q), 0.01)).toBe(true);
      }
      expect(encoded(target)).toEqual(encoded(sketchOf(values)));
    },
  );

  it('keeps a merged-in negative sketch when the target holds only positives', () => {
    const target = sketchOf([1, 2, 3]);
    target.mergeFrom(sketchOf([-3, -2, -1]));
    expect(withinRelative(target.quantile(0) ?? Number.NaN, -3, 0.01)).toBe(true);
    expect(withinRelative(target.quantile(0.2) ?? Number.NaN, -2, 0.01)).toBe(true);
    expect(target.min).toBe(-3);
  });
});
