/**
 * A reusable fast-check harness for the laws every {@link AggregateKind} obeys (see
 * `lib/core/aggregate/contract.ts`): merging partial states gives what folding all points gives, in
 * any grouping and order; `empty()` is the identity; inputs are never mutated nor aliased; the
 * encoding round-trips byte for byte; and bad bytes only ever raise {@link StateCodecError}.
 *
 * Stats are compared with a configurable {@link StatsComparator} (stats-compare.ts, re-exported
 * here): count/min/max/last/buckets exactly, float stats (sum, avg, stddev, rate, percentiles)
 * within tolerances (see {@link closeStats}).
 *
 * @example
 * ```ts
 * describe('Class: numberKind', () => {
 *   describeAggregateLaws({ kind: numberKind, points: numberPointArb(), deterministicBytes: true });
 *   describeAggregateLaws({
 *     kind: numberKind,
 *     label: 'integers',
 *     points: numberPointArb({ values: smallIntegerArb }),
 *     compare: closeStats({ sum: 'exact', rate: 'exact' }),
 *   });
 * });
 * ```
 * Or run one law directly (it throws on a counterexample): `checkAggregateLaw('commutative', config)`.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type AggregateKind,
  type AggregateOptions,
  DEFAULT_AGGREGATE_OPTIONS,
  type FinalizeContext,
  type FinalStats,
} from '#core/aggregate/contract.js';
import { ByteReader, ByteWriter } from '#core/codec/bytes.js';
import { StateCodecError } from '#core/errors.js';
import type { NormalizedPoint } from '#core/point.js';
import { WINDOW_SIZE_MS, WINDOW_START_MS } from './points.js';
import { closeStats, type StatsComparator } from './stats-compare.js';

export {
  closeStats,
  DEFAULT_TOLERANCES,
  exactStats,
  type FieldTolerance,
  type StatsComparator,
  type StatsTolerances,
  type Tolerance,
} from './stats-compare.js';

// ---------------------------------------------------------------------------------------------------
// State helpers

export function foldPoints<S>(
  kind: AggregateKind<S>,
  points: readonly NormalizedPoint[],
  options: AggregateOptions = DEFAULT_AGGREGATE_OPTIONS,
): S {
  const state = kind.empty();
  for (const point of points) kind.add(state, point, options);
  return state;
}

export function encodeState<S>(kind: AggregateKind<S>, state: S): Uint8Array {
  const out = new ByteWriter();
  kind.encode(state, out);
  return out.finish();
}

/** Decodes a state that must take up exactly `bytes`. */
export function decodeState<S>(kind: AggregateKind<S>, bytes: Uint8Array): S {
  const input = new ByteReader(bytes);
  const state = kind.decode(input);
  if (!input.done) throw new Error(`decode stopped at byte ${input.offset} of ${bytes.length}`);
  return state;
}

/** A deep copy through the codec (valid once the round-trip law holds). */
export function copyState<S>(kind: AggregateKind<S>, state: S): S {
  return decodeState(kind, encodeState(kind, state));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function expectSameBytes(label: string, actual: Uint8Array, expected: Uint8Array): void {
  if (!Buffer.from(actual).equals(expected)) {
    throw new Error(`${label}: bytes differ\n  expected ${hex(expected)}\n  got      ${hex(actual)}`);
  }
}

/** Runs `fn`; returns normally if it succeeded or threw a StateCodecError, rethrows anything else. */
function onlyStateCodecError(label: string, fn: () => void): 'ok' | 'rejected' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof StateCodecError) return 'rejected';
    throw new Error(`${label}: threw ${String(error)} instead of StateCodecError`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------
// Laws

export interface AggregateLawConfig<S> {
  readonly kind: AggregateKind<S>;
  /** Points of one series; lists of them are folded into states. */
  readonly points: fc.Arbitrary<NormalizedPoint>;
  /** Suffix for the describe title when one kind is checked with several configs. */
  readonly label?: string;
  /** Longest list folded into one state (default 30). */
  readonly maxPoints?: number;
  readonly options?: AggregateOptions;
  /** Default: the 1-minute test window, percentiles [0, 50, 90, 99, 100]. */
  readonly context?: FinalizeContext;
  /** Default: {@link closeStats}() with {@link DEFAULT_TOLERANCES}. */
  readonly compare?: StatsComparator;
  /** Also require identical bytes for merge(a, b) vs merge(b, a) and for merges with `empty()`. */
  readonly deterministicBytes?: boolean;
  /** Laws not to run, for a kind that legitimately does not obey one (say why at the call). */
  readonly skip?: readonly AggregateLaw[];
  readonly numRuns?: number;
  readonly seed?: number;
}

export const AGGREGATE_LAWS = [
  'mergeMatchesFold',
  'commutative',
  'associative',
  'identity',
  'noMutation',
  'roundTrip',
  'corruptInput',
] as const;
export type AggregateLaw = (typeof AGGREGATE_LAWS)[number];

const LAW_TITLES: Record<AggregateLaw, string> = {
  mergeMatchesFold: 'merging states of any split or partition equals folding all points',
  commutative: 'merge is commutative',
  associative: 'merge is associative',
  identity: 'empty() is the identity on both sides of merge and mergeInto',
  noMutation: 'merge, mergeInto and finalize neither mutate nor alias their sources',
  roundTrip: 'decode(encode(s)) re-encodes to identical bytes, finalizes the same and keeps working',
  corruptInput: 'truncated or corrupt bytes throw StateCodecError and nothing else',
};

export const DEFAULT_LAW_CONTEXT: FinalizeContext = {
  windowStartMs: WINDOW_START_MS,
  windowEndMs: WINDOW_START_MS + WINDOW_SIZE_MS,
  percentiles: [0, 50, 90, 99, 100],
};

interface Harness<S> {
  readonly kind: AggregateKind<S>;
  readonly lists: fc.Arbitrary<NormalizedPoint[]>;
  readonly params: fc.Parameters<unknown>;
  readonly deterministicBytes: boolean;
  fold(points: readonly NormalizedPoint[]): S;
  merge(a: S, b: S): S;
  mergeInto(target: S, source: S): void;
  add(state: S, points: readonly NormalizedPoint[]): void;
  finalize(state: S): FinalStats;
  encode(state: S): Uint8Array;
  /** Compares finalize(actual) with `expected`, prefixing failures with `label`. */
  matches(label: string, actual: S, expected: FinalStats): void;
  /** Compares finalize(actual) with finalize(expected). */
  same(label: string, actual: S, expected: S): void;
}

function harness<S>(config: AggregateLawConfig<S>): Harness<S> {
  const { kind } = config;
  const options = config.options ?? DEFAULT_AGGREGATE_OPTIONS;
  const context = config.context ?? DEFAULT_LAW_CONTEXT;
  const compare = config.compare ?? closeStats();
  const finalize = (s: S) => kind.finalize(s, context);
  const params: fc.Parameters<unknown> = {
    numRuns: config.numRuns ?? 100,
    ...(config.seed === undefined ? {} : { seed: config.seed }),
  };
  return {
    kind,
    lists: fc.array(config.points, { maxLength: config.maxPoints ?? 30 }),
    params,
    deterministicBytes: config.deterministicBytes ?? false,
    fold: (points) => foldPoints(kind, points, options),
    merge: (a, b) => kind.merge(a, b, options),
    mergeInto: (t, s) => kind.mergeInto(t, s, options),
    add: (state, points) => {
      for (const p of points) kind.add(state, p, options);
    },
    finalize,
    encode: (s) => encodeState(kind, s),
    matches(label, actual, expected) {
      try {
        compare(finalize(actual), expected, context);
      } catch (error) {
        throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    },
    same(label, actual, expected) {
      this.matches(label, actual, finalize(expected));
    },
  };
}

function mergeMatchesFold<S>(h: Harness<S>): void {
  // Every split point, like OpenTelemetry's aggregator tests.
  fc.assert(
    fc.property(h.lists, (points) => {
      const expected = h.finalize(h.fold(points));
      for (let i = 0; i <= points.length; i++) {
        const a = h.fold(points.slice(0, i));
        const b = h.fold(points.slice(i));
        h.matches(`merge(fold(a), fold(b)) split at ${i}`, h.merge(a, b), expected);
        h.mergeInto(a, b);
        h.matches(`mergeInto(fold(a), fold(b)) split at ${i}`, a, expected);
      }
    }),
    h.params,
  );
  // Real partials are arbitrary subsets (one per request), merged in whatever order they are read.
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 3 })), h.lists, (groupOf, points) => {
      const expected = h.finalize(h.fold(points));
      const groups: NormalizedPoint[][] = [[], [], [], []];
      for (const [i, p] of points.entries()) groups[(groupOf[i] ?? i) % 4]?.push(p);
      const states = groups.map((g) => h.fold(g));
      const forward = states.reduce((acc, s) => h.merge(acc, s), h.kind.empty());
      h.matches('partition merged forward', forward, expected);
      const backward = h.kind.empty();
      for (const s of [...states].reverse()) h.mergeInto(backward, s);
      h.matches('partition merged backward', backward, expected);
    }),
    h.params,
  );
}

function commutative<S>(h: Harness<S>): void {
  fc.assert(
    fc.property(h.lists, h.lists, (xs, ys) => {
      const x = h.fold(xs);
      const y = h.fold(ys);
      const xy = h.merge(x, y);
      const yx = h.merge(y, x);
      h.same('merge(x, y) vs merge(y, x)', xy, yx);
      if (h.deterministicBytes) expectSameBytes('merge(x, y) vs merge(y, x)', h.encode(xy), h.encode(yx));
    }),
    h.params,
  );
}

function associative<S>(h: Harness<S>): void {
  fc.assert(
    fc.property(h.lists, h.lists, h.lists, (xs, ys, zs) => {
      const [x, y, z] = [h.fold(xs), h.fold(ys), h.fold(zs)];
      h.same('(x·y)·z vs x·(y·z)', h.merge(h.merge(x, y), z), h.merge(x, h.merge(y, z)));
      const left = h.fold(xs);
      h.mergeInto(left, y);
      h.mergeInto(left, z);
      const right = h.fold(ys);
      h.mergeInto(right, z);
      const outer = h.fold(xs);
      h.mergeInto(outer, right);
      h.same('mergeInto (x·y)·z vs x·(y·z)', left, outer);
    }),
    h.params,
  );
}

function identity<S>(h: Harness<S>): void {
  const emptyBytes = h.encode(h.kind.empty());
  expectSameBytes('fold([]) vs empty()', h.encode(h.fold([])), emptyBytes);
  fc.assert(
    fc.property(h.lists, (xs) => {
      const x = h.fold(xs);
      const bytes = h.encode(x);
      const expected = h.finalize(x);
      const results: [string, S][] = [
        ['merge(empty, x)', h.merge(h.kind.empty(), x)],
        ['merge(x, empty)', h.merge(x, h.kind.empty())],
      ];
      const intoEmpty = h.kind.empty();
      h.mergeInto(intoEmpty, x);
      results.push(['mergeInto(empty, x)', intoEmpty]);
      const fromEmpty = h.fold(xs);
      h.mergeInto(fromEmpty, h.kind.empty());
      results.push(['mergeInto(x, empty)', fromEmpty]);
      for (const [label, s] of results) {
        h.matches(label, s, expected);
        if (h.deterministicBytes) expectSameBytes(label, h.encode(s), bytes);
      }
    }),
    h.params,
  );
}

function noMutation<S>(h: Harness<S>): void {
  fc.assert(
    fc.property(h.lists, h.lists, h.lists, (xs, ys, extra) => {
      const x = h.fold(xs);
      const y = h.fold(ys);
      const xBytes = h.encode(x);
      const yBytes = h.encode(y);
      const unchanged = (label: string) => {
        expectSameBytes(`${label}: x`, h.encode(x), xBytes);
        expectSameBytes(`${label}: y`, h.encode(y), yBytes);
      };
      h.finalize(x);
      unchanged('finalize(x)');
      // The result must not share structure with its inputs: growing it must leave them alone.
      const xy = h.merge(x, y);
      unchanged('merge(x, y)');
      h.add(xy, extra);
      h.mergeInto(xy, h.fold(extra));
      unchanged('adding to merge(x, y)');
      for (const [label, r] of [
        ['merge(empty, y)', h.merge(h.kind.empty(), y)],
        ['merge(y, empty)', h.merge(y, h.kind.empty())],
      ] as const) {
        h.add(r, extra);
        unchanged(`adding to ${label}`);
      }
      const target = h.kind.empty();
      h.mergeInto(target, y);
      h.add(target, extra);
      h.mergeInto(target, x);
      unchanged('mergeInto(empty, y) then adding');
      // Self-merge: both arguments are the same object.
      const xx = h.merge(x, x);
      unchanged('merge(x, x)');
      h.same('merge(x, x) vs fold(xs ++ xs)', xx, h.fold([...xs, ...xs]));
    }),
    h.params,
  );
}

function roundTrip<S>(h: Harness<S>): void {
  fc.assert(
    fc.property(h.lists, h.lists, h.lists, (xs, ys, extra) => {
      const x = h.fold(xs);
      const bytes = h.encode(x);
      const decoded = decodeState(h.kind, bytes);
      expectSameBytes('encode(decode(encode(x)))', h.encode(decoded), bytes);
      const before = h.finalize(x);
      const after = h.finalize(decoded);
      if (!isDeepStrictEqual(after, before)) {
        throw new Error(`finalize after round trip: ${JSON.stringify(after)} vs ${JSON.stringify(before)}`);
      }
      // States are packed back to back in one item: each decode must stop at its own end.
      const y = h.fold(ys);
      const out = new ByteWriter();
      h.kind.encode(x, out);
      h.kind.encode(y, out);
      const input = new ByteReader(out.finish());
      expectSameBytes('packed x', h.encode(h.kind.decode(input)), bytes);
      expectSameBytes('packed y', h.encode(h.kind.decode(input)), h.encode(y));
      if (!input.done) throw new Error('packed states: bytes left over');
      // A decoded state keeps working exactly like the original.
      h.add(x, extra);
      h.add(decoded, extra);
      h.mergeInto(x, y);
      h.mergeInto(decoded, y);
      expectSameBytes('decoded state after add/mergeInto', h.encode(decoded), h.encode(x));
    }),
    h.params,
  );
}

function corruptInput<S>(h: Harness<S>): void {
  const tryDecode = (label: string, bytes: Uint8Array) => {
    let state: S | undefined;
    const outcome = onlyStateCodecError(label, () => {
      state = h.kind.decode(new ByteReader(bytes));
    });
    // A corruption that still decodes must not blow up later either (a close job would crash).
    if (outcome === 'ok' && state !== undefined) {
      const s = state;
      onlyStateCodecError(`${label}, finalize`, () => h.finalize(s));
      onlyStateCodecError(`${label}, encode`, () => h.encode(s));
    }
    return outcome;
  };
  fc.assert(
    fc.property(
      h.lists,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      (xs, flips) => {
        const bytes = h.encode(h.fold(xs));
        for (let n = 0; n < bytes.length; n++) {
          if (tryDecode(`prefix of ${n}/${bytes.length} bytes`, bytes.slice(0, n)) !== 'rejected') {
            throw new Error(`prefix of ${n}/${bytes.length} bytes decoded without error: ${hex(bytes)}`);
          }
        }
        const corrupt = bytes.slice();
        for (const [at, mask] of flips) {
          const i = at % corrupt.length;
          corrupt[i] = (corrupt[i] ?? 0) ^ mask;
        }
        tryDecode(`corrupted ${hex(corrupt)}`, corrupt);
      },
    ),
    h.params,
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      tryDecode(`random ${hex(bytes)}`, bytes);
    }),
    h.params,
  );
}

const LAWS: { readonly [L in AggregateLaw]: <S>(h: Harness<S>) => void } = {
  mergeMatchesFold,
  commutative,
  associative,
  identity,
  noMutation,
  roundTrip,
  corruptInput,
};

/** Checks one law; throws with fast-check's counterexample report when it does not hold. */
export function checkAggregateLaw<S>(law: AggregateLaw, config: AggregateLawConfig<S>): void {
  LAWS[law](harness(config));
}

/** Registers a `describe` block with one `it` per law (minus `config.skip`). */
export function describeAggregateLaws<S>(config: AggregateLawConfig<S>): void {
  const title = `Laws: ${config.kind.name}${config.label === undefined ? '' : ` (${config.label})`}`;
  describe(title, () => {
    for (const law of AGGREGATE_LAWS) {
      if (config.skip?.includes(law)) continue;
      it(LAW_TITLES[law], () => checkAggregateLaw(law, config));
    }
  });
}
