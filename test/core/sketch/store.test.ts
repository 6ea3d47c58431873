import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DenseStore } from '#core/sketch/store.js';

function storeOf(entries: ReadonlyArray<readonly [number, number]>): DenseStore {
  const store = new DenseStore();
  for (const [index, weight] of entries) store.add(index, weight);
  return store;
}

function countsOf(store: DenseStore): number[] {
  if (store.isEmpty) return [];
  const out: number[] = [];
  for (let i = store.minIndex; i <= store.maxIndex; i++) out.push(store.countAt(i));
  return out;
}

const entries = fc.array(fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 1, max: 1000 })), {
  maxLength: 60,
});

describe('Class: DenseStore', () => {
  describe('Method: add', () => {
    it('grows both ways and keeps every count', () => {
      const store = storeOf([
        [10, 1],
        [-500, 2],
        [700, 3],
        [10, 4],
      ]);
      expect([store.minIndex, store.maxIndex, store.span, store.total]).toEqual([-500, 700, 1201, 10]);
      expect(store.countAt(10)).toBe(5);
      expect(store.countAt(-500)).toBe(2);
      expect(store.countAt(0)).toBe(0);
      expect(store.countAt(5000)).toBe(0);
    });

    it('holds the same counts whatever the insertion order', () => {
      fc.assert(
        fc.property(entries, (list) => {
          const reversed = storeOf([...list].reverse());
          expect(countsOf(storeOf(list))).toEqual(countsOf(reversed));
        }),
      );
    });
  });

  describe('Method: collapseBelow', () => {
    it('folds the buckets below the floor into the floor bucket', () => {
      const store = storeOf([
        [1, 1],
        [2, 2],
        [5, 3],
        [9, 4],
      ]);
      store.collapseBelow(5);
      expect([store.minIndex, store.maxIndex, store.total]).toEqual([5, 9, 10]);
      expect(countsOf(store)).toEqual([6, 0, 0, 0, 4]);
    });

    it('turns a store entirely below the floor into one bucket at the floor', () => {
      const store = storeOf([
        [-3, 1],
        [2, 2],
      ]);
      store.collapseBelow(40);
      expect([store.minIndex, store.maxIndex, store.total, store.countAt(40)]).toEqual([40, 40, 3, 3]);
    });

    it('gives the same store whether the floor rises in steps or at once', () => {
      fc.assert(
        fc.property(
          entries,
          fc.integer({ min: -3000, max: 3000 }),
          fc.integer({ min: 0, max: 500 }),
          (list, f, step) => {
            const once = storeOf(list);
            once.collapseBelow(f + step);
            const steps = storeOf(list);
            steps.collapseBelow(f);
            steps.collapseBelow(f + step);
            expect(countsOf(steps)).toEqual(countsOf(once));
            expect(steps.minIndex).toBe(once.minIndex);
          },
        ),
      );
    });
  });

  describe('Method: mergeFrom', () => {
    it('equals adding both lists, under any floor, and leaves its argument alone', () => {
      fc.assert(
        fc.property(entries, entries, fc.integer({ min: -3500, max: 3500 }), (a, b, floor) => {
          const target = storeOf(a);
          target.collapseBelow(floor);
          const source = storeOf(b);
          const before = countsOf(source);
          target.mergeFrom(source, floor);
          const expected = storeOf([...a, ...b]);
          expected.collapseBelow(floor);
          expect(countsOf(target)).toEqual(countsOf(expected));
          expect(target.total).toBe(expected.total);
          expect(countsOf(source)).toEqual(before);
        }),
      );
    });

    it('keeps non-zero ends when the source has a gap just above the floor', () => {
      const target = storeOf([[100, 1]]);
      target.mergeFrom(
        storeOf([
          [0, 1],
          [50, 1],
        ]),
        10,
      );
      expect([target.minIndex, target.countAt(10), target.countAt(50)]).toEqual([10, 1, 1]);
    });
  });

  describe('Method: indexAtRank', () => {
    it('walks ascending or descending', () => {
      const store = storeOf([
        [1, 2],
        [3, 1],
        [4, 3],
      ]);
      expect([0, 1, 2, 3, 5].map((r) => store.indexAtRank(r, false))).toEqual([1, 1, 3, 4, 4]);
      expect([0, 2, 3, 4, 5].map((r) => store.indexAtRank(r, true))).toEqual([4, 4, 3, 1, 1]);
    });
  });

  describe('Method: clone', () => {
    it('is independent of the original', () => {
      const store = storeOf([
        [1, 1],
        [8, 1],
      ]);
      const copy = store.clone();
      copy.add(-20, 5);
      store.add(8, 1);
      expect(countsOf(store)).toEqual([1, 0, 0, 0, 0, 0, 0, 2]);
      expect([copy.minIndex, copy.maxIndex, copy.total, copy.countAt(8)]).toEqual([-20, 8, 7, 1]);
      expect(new DenseStore().clone().isEmpty).toBe(true);
    });
  });
  describe('Sparse start', () => {
    /** A dense copy: merging into a fresh store always makes it dense. */
    function denseCopy(store: DenseStore): DenseStore {
      const copy = new DenseStore();
      copy.mergeFrom(store, Number.NEGATIVE_INFINITY);
      return copy;
    }

    function observed(store: DenseStore) {
      const scratch: number[] = [];
      const n = store.nonZeroBuckets(scratch, []);
      const ranks = Array.from({ length: store.total }, (_, r) => [
        store.indexAtRank(r, false),
        store.indexAtRank(r, true),
      ]);
      return {
        range: [store.minIndex, store.maxIndex, store.total],
        counts: countsOf(store),
        nonZero: scratch.slice(0, n),
        ranks,
      };
    }

    it('answers like a dense store, before and after turning dense (few and many buckets)', () => {
      const small = fc.array(fc.tuple(fc.integer({ min: -400, max: 400 }), fc.integer({ min: 1, max: 5 })), {
        maxLength: 40,
      });
      fc.assert(
        fc.property(small, fc.integer({ min: -400, max: 400 }), (list, floor) => {
          const store = storeOf(list);
          expect(observed(store)).toEqual(observed(denseCopy(store)));
          expect(observed(store.clone())).toEqual(observed(store));
          const target = storeOf(list.slice(0, 3));
          const dense = denseCopy(target);
          target.mergeFrom(store, floor);
          dense.mergeFrom(denseCopy(store), floor);
          expect(observed(target)).toEqual(observed(dense));
          const collapsed = store.clone();
          const collapsedDense = denseCopy(store);
          collapsed.collapseBelow(floor);
          collapsedDense.collapseBelow(floor);
          expect(observed(collapsed)).toEqual(observed(collapsedDense));
        }),
      );
    });
  });
});
