/**
 * The law harness checked against itself: a small correct kind passes every law, and kinds with the
 * classic aggregator bugs (argument-order ties, mutating or aliasing merges, lenient or crashing
 * decoders) are each caught by the law meant for them. A harness that cannot fail proves nothing.
 */
import { describe, expect, it } from 'vitest';
import type { AggregateKind } from '#core/aggregate/contract.js';
import { StateCodecError } from '#core/errors.js';
import {
  type AggregateLaw,
  type AggregateLawConfig,
  checkAggregateLaw,
  closeStats,
  describeAggregateLaws,
  exactStats,
} from './aggregate-laws.js';
import { numberPointArb, smallIntegerArb, timeArb } from './points.js';

/** Count, integer sum and last value with ties broken by the larger value. */
interface Toy {
  count: number;
  sum: number;
  lastMs: number;
  lastNs: number;
  last: number;
}

function laterThan(a: Toy, b: Toy): boolean {
  if (a.lastMs !== b.lastMs) return a.lastMs > b.lastMs;
  if (a.lastNs !== b.lastNs) return a.lastNs > b.lastNs;
  return a.last > b.last;
}

const toyKind: AggregateKind<Toy> = {
  tag: 255,
  name: 'number',
  empty: () => ({ count: 0, sum: 0, lastMs: 0, lastNs: 0, last: 0 }),
  add(state, point) {
    if (point.type !== 'number') return;
    const p = { count: 1, sum: point.value, lastMs: point.timeMs, lastNs: point.timeNs, last: point.value };
    this.mergeInto(state, p, undefined as never);
  },
  merge(a, b, options) {
    const out = { ...a };
    this.mergeInto(out, b, options);
    return out;
  },
  mergeInto(target, source) {
    if (source.count === 0) return;
    if (target.count === 0 || laterThan(source, target)) {
      target.lastMs = source.lastMs;
      target.lastNs = source.lastNs;
      target.last = source.last;
    }
    target.count += source.count;
    target.sum += source.sum;
  },
  finalize: (s) => (s.count === 0 ? { count: 0 } : { count: s.count, sum: s.sum, last: s.last }),
  encode(s, out) {
    out.u8(1);
    out.uvarint(s.count);
    if (s.count === 0) return;
    out.svarint(s.sum);
    out.svarint(s.lastMs);
    out.uvarint(s.lastNs);
    out.svarint(s.last);
  },
  decode(input) {
    if (input.u8() !== 1) throw new StateCodecError('unknown toy version');
    const count = input.uvarint();
    if (count === 0) return this.empty();
    return {
      count,
      sum: input.svarint(),
      lastMs: input.svarint(),
      lastNs: input.uvarint(),
      last: input.svarint(),
    };
  },
};

const config: AggregateLawConfig<Toy> = {
  kind: toyKind,
  points: numberPointArb({ values: smallIntegerArb, times: timeArb({ ties: true }) }),
  compare: exactStats,
  deterministicBytes: true,
  numRuns: 50,
  seed: 42,
};

function expectCaught(law: AggregateLaw, kind: AggregateKind<Toy>): void {
  expect(() => checkAggregateLaw(law, { ...config, kind, numRuns: 200 })).toThrow();
}

describe('Function: describeAggregateLaws', () => {
  describeAggregateLaws({ ...config, label: 'toy' });

  describe('Method: checkAggregateLaw', () => {
    it('catches a last-value tie broken by argument order', () => {
      const byOrder: AggregateKind<Toy> = {
        ...toyKind,
        mergeInto(target, source) {
          if (source.count === 0) return;
          if (target.count === 0 || source.lastMs > target.lastMs || source.lastMs === target.lastMs) {
            target.lastMs = source.lastMs;
            target.lastNs = source.lastNs;
            target.last = source.last;
          }
          target.count += source.count;
          target.sum += source.sum;
        },
      };
      expectCaught('commutative', byOrder);
    });

    it('catches a merge that mutates its first argument', () => {
      const mutating: AggregateKind<Toy> = {
        ...toyKind,
        merge(a, b, options) {
          this.mergeInto(a, b, options);
          return a;
        },
      };
      expectCaught('noMutation', mutating);
    });

    it('catches a merge that returns its input when the other side is empty', () => {
      const aliasing: AggregateKind<Toy> = {
        ...toyKind,
        merge(a, b, options) {
          if (a.count === 0) return b;
          return toyKind.merge.call(this, a, b, options);
        },
      };
      expectCaught('noMutation', aliasing);
    });

    it('catches a non-associative merge', () => {
      // Averaging averages: the textbook mistake the design forbids.
      const averaging: AggregateKind<Toy> = {
        ...toyKind,
        mergeInto(target, source) {
          if (source.count === 0) return;
          const average = Math.round((target.sum + source.sum) / 2);
          toyKind.mergeInto(target, source, undefined as never);
          target.sum = average;
        },
      };
      expectCaught('associative', averaging);
    });

    it('catches a decoder that accepts truncated bytes', () => {
      const lenient: AggregateKind<Toy> = {
        ...toyKind,
        decode(input) {
          try {
            return toyKind.decode.call(this, input);
          } catch {
            return this.empty();
          }
        },
      };
      expectCaught('corruptInput', lenient);
    });

    it('catches a decoder that throws something other than StateCodecError', () => {
      const crashing: AggregateKind<Toy> = {
        ...toyKind,
        decode(input) {
          const state = toyKind.decode.call(this, input);
          if (state.lastNs > 999_999) throw new RangeError('ns out of range');
          return state;
        },
      };
      expectCaught('corruptInput', crashing);
    });

    it('catches an encoding that loses information', () => {
      const lossy: AggregateKind<Toy> = {
        ...toyKind,
        decode(input) {
          const state = toyKind.decode.call(this, input);
          return { ...state, last: Math.trunc(state.last / 2) * 2 };
        },
      };
      expectCaught('roundTrip', lossy);
    });

    it('lets tolerances absorb float round-off but not real differences', () => {
      const compare = closeStats({ sum: { rel: 1e-12 } });
      const context = { windowStartMs: 0, windowEndMs: 60_000, percentiles: [] };
      expect(() =>
        compare({ count: 3, sum: 0.30000000000000004 }, { count: 3, sum: 0.3 }, context),
      ).not.toThrow();
      expect(() => compare({ count: 3, sum: 0.31 }, { count: 3, sum: 0.3 }, context)).toThrow(/sum/);
      expect(() => compare({ count: 3, sum: 1 }, { count: 3, sum: 1, min: 1 }, context)).toThrow(/present/);
      expect(() => compare({ count: 2 }, { count: 3 }, context)).toThrow(/count/);
    });
  });
});
