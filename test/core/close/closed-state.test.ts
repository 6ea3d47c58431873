import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { type CumulativeState, cumulativeBaseline } from '#core/aggregate/cumulative.js';
import {
  CLOSED_STATE_CODEC_VERSION,
  CLOSED_STATE_COMPRESSED,
  type ClosedEntry,
  decodeClosedState,
  encodeClosedState,
} from '#core/close/closed-state.js';
import { inflateFrame } from '#core/codec/deflate-frame.js';
import { StateCodecError } from '#core/errors.js';
import {
  counter,
  cumulativeHistogram,
  deltaExp,
  deltaHistogram,
  entryView,
  gauge,
  HOUR,
  hex,
  MINUTE,
  mergedOf,
  sid,
  summary,
  WS,
} from './helpers.js';

function carryOf(entry: { state: unknown }) {
  const carry = cumulativeBaseline(entry.state as CumulativeState);
  if (carry === undefined) throw new Error('no carry');
  return carry;
}

/** Entries of every aggregate kind, over three tenants (one empty, one non-ASCII). */
function sampleEntries(): ClosedEntry[] {
  const number = mergedOf('acme', sid(1), [gauge(3.5, WS + 10), gauge(-2, WS + 20), gauge(1e12, WS + 30)]);
  const cumulative = mergedOf('acme', sid(2), [
    counter(10, WS + 1_000, WS - HOUR),
    counter(25, WS + 30_000, WS - HOUR),
    counter(4, WS + 50_000, WS + 45_000), // a restart: a second run
  ]);
  const histogram = mergedOf('acme', sid(3), [
    deltaHistogram([1, 50, 5000], WS + 5),
    deltaHistogram([7], WS),
  ]);
  const exp = mergedOf('beta', sid(4), [deltaExp([0.3, 2.7, -5.1], WS + 1), deltaExp([10.2], WS + 2)]);
  const quietHistogram = mergedOf('beta', sid(5), [
    cumulativeHistogram([1, 2, 300], WS - 2 * MINUTE, WS - HOUR),
  ]);
  const cumulativeHist = mergedOf('beta', sid(6), [
    cumulativeHistogram([1, 2], WS + 100, WS - HOUR),
    cumulativeHistogram([1, 2, 30, 40], WS + 200, WS - HOUR),
  ]);
  const summaries = mergedOf('', sid(7), [summary(3, 12.5, WS + 10, WS - HOUR)]);
  const quietCounter = mergedOf('ünïcödé ✓', sid(8), [counter(99, WS - 30_000, WS - HOUR)]);
  return [
    { tenant: 'acme', seriesId: sid(1), merged: number },
    { tenant: 'acme', seriesId: sid(2), merged: cumulative, carry: carryOf(cumulative) },
    { tenant: 'acme', seriesId: sid(3), merged: histogram },
    { tenant: 'beta', seriesId: sid(4), merged: exp },
    { tenant: 'beta', seriesId: sid(5), carry: carryOf(quietHistogram) },
    { tenant: 'beta', seriesId: sid(6), merged: cumulativeHist, carry: carryOf(cumulativeHist) },
    { tenant: '', seriesId: sid(7), merged: summaries, carry: carryOf(summaries) },
    { tenant: 'ünïcödé ✓', seriesId: sid(8), carry: carryOf(quietCounter) },
    // A cumulative series with a state but no carry (an empty state after a quiet window).
    { tenant: 'beta', seriesId: sid(9), merged: { ...mergedOf('beta', sid(9), [counter(1, WS)]) } },
  ];
}

const ordered = (entries: readonly ClosedEntry[]) =>
  [...entries].sort((a, b) =>
    a.tenant !== b.tenant ? (a.tenant < b.tenant ? -1 : 1) : a.seriesId < b.seriesId ? -1 : 1,
  );

const view = (entries: readonly ClosedEntry[]) => entries.map(entryView);

const ENTRIES = sampleEntries();
const WHOLE = encodeClosedState(ENTRIES, Number.POSITIVE_INFINITY);

describe('encodeClosedState / decodeClosedState', () => {
  it('round-trips entries of every kind, carries alone, several tenants, sorted by (tenant, seriesId)', () => {
    expect(WHOLE).toHaveLength(1);
    const decoded = decodeClosedState(WHOLE);
    expect(view(decoded)).toEqual(view(ordered(ENTRIES)));
    expect(decoded.map((e) => e.tenant)).toEqual([
      '',
      'acme',
      'acme',
      'acme',
      'beta',
      'beta',
      'beta',
      'beta',
      'ünïcödé ✓',
    ]);
    // Carry-only entries come back without a merged state, and entries without a carry without one.
    const byId = new Map(decoded.map((e) => [e.seriesId, e]));
    expect(byId.get(sid(5))?.merged).toBeUndefined();
    expect(byId.get(sid(8))?.merged).toBeUndefined();
    expect('carry' in (byId.get(sid(1)) ?? {})).toBe(false);
    expect('merged' in (byId.get(sid(8)) ?? {})).toBe(false);
    // The decoded carries are usable baselines: they equal what cumulativeBaseline produced.
    expect(byId.get(sid(8))?.carry).toEqual({
      snapshot: 'sum',
      startMs: WS - HOUR,
      startNs: 0,
      timeMs: WS - 30_000,
      timeNs: 0,
      value: 99,
    });
    expect(byId.get(sid(2))?.carry).toMatchObject({ startMs: WS + 45_000, timeMs: WS + 50_000, value: 4 });
    // Re-encoding what was decoded gives the same bytes.
    expect(encodeClosedState(decoded, Number.POSITIVE_INFINITY).map(hex)).toEqual(WHOLE.map(hex));
  });

  it('decoded states keep working: they finalize like the originals and can be merged into', () => {
    const decoded = new Map(decodeClosedState(WHOLE).map((e) => [e.seriesId, e]));
    const context = { windowStartMs: WS, windowEndMs: WS + MINUTE, percentiles: [50, 99] };
    for (const original of ENTRIES) {
      if (original.merged === undefined) continue;
      const copy = decoded.get(original.seriesId)?.merged;
      expect(copy?.kind).toBe(original.merged.kind);
      expect(copy?.kind.finalize(copy.state, context)).toEqual(
        original.merged.kind.finalize(original.merged.state, context),
      );
      copy?.kind.mergeInto(copy.state, original.merged.state, DEFAULT_AGGREGATE_OPTIONS);
    }
  });

  it('writes chunks compressed when that is smaller and reads chunks written before compression', () => {
    const entries = Array.from({ length: 40 }, (_, i) => mergedOf('acme', sid(i + 1), [gauge(i, WS + 1)]));
    const [chunk] = encodeClosedState(
      entries.map((m) => ({ tenant: m.tenant, seriesId: m.seriesId, merged: m })),
      350_000,
    );
    if (chunk === undefined) throw new Error('no chunk');
    expect(chunk[0]).toBe(CLOSED_STATE_COMPRESSED);
    const plain = inflateFrame(chunk, CLOSED_STATE_COMPRESSED, CLOSED_STATE_CODEC_VERSION);
    expect(plain.length).toBeGreaterThan(chunk.length);
    expect(decodeClosedState([plain]).map(entryView)).toEqual(decodeClosedState([chunk]).map(entryView));
    expect(() => decodeClosedState([Uint8Array.of(...chunk, 7)])).toThrow(StateCodecError);
  });

  it('an empty closed state is one chunk that decodes to nothing', () => {
    const chunks = encodeClosedState([], 1);
    expect(chunks).toHaveLength(1);
    expect([...(chunks[0] ?? [])]).toEqual([CLOSED_STATE_CODEC_VERSION, 0]);
    expect(decodeClosedState(chunks)).toEqual([]);
    expect(decodeClosedState([])).toEqual([]);
  });

  it('chunks at a small maxChunkBytes: every chunk decodes on its own, together they equal the whole', () => {
    fc.assert(
      fc.property(fc.subarray(ENTRIES), fc.integer({ min: 1, max: 1500 }), (entries, maxChunkBytes) => {
        const chunks = encodeClosedState(entries, maxChunkBytes);
        const whole = decodeClosedState(encodeClosedState(entries, Number.POSITIVE_INFINITY));
        const parts = chunks.map((c) => decodeClosedState([c]));
        expect(view(parts.flat())).toEqual(view(whole));
        expect(view(decodeClosedState(chunks))).toEqual(view(whole));
        for (const [i, part] of parts.entries()) {
          // Only a chunk holding a single oversized entry may go past the limit (plus its header).
          if (part.length > 1) expect(chunks[i]?.length ?? 0).toBeLessThanOrEqual(maxChunkBytes + 16);
          if (entries.length > 0) expect(part.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
    // One byte per chunk: every entry on its own.
    expect(encodeClosedState(ENTRIES, 1)).toHaveLength(ENTRIES.length);
  });

  it('gives the same bytes whatever the order of the input entries', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(ENTRIES, { minLength: ENTRIES.length, maxLength: ENTRIES.length }),
        fc.integer({ min: 1, max: 800 }),
        (shuffled, maxChunkBytes) => {
          expect(encodeClosedState(shuffled, maxChunkBytes).map(hex)).toEqual(
            encodeClosedState(ENTRIES, maxChunkBytes).map(hex),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects an unknown version, trailing bytes, bad flags, and impossible entry counts', () => {
    const chunk = WHOLE[0] ?? new Uint8Array();
    const wrongVersion = chunk.slice();
    wrongVersion[0] = CLOSED_STATE_CODEC_VERSION + 2; // + 1 is the compressed form
    expect(() => decodeClosedState([wrongVersion])).toThrow(StateCodecError);
    expect(() => decodeClosedState([new Uint8Array([...chunk, 0])])).toThrow(StateCodecError);
    // Claims 100 entries in a few bytes.
    expect(() => decodeClosedState([new Uint8Array([CLOSED_STATE_CODEC_VERSION, 100, 0, 0])])).toThrow(
      /claims 100 entries/,
    );
    // One entry: empty tenant, a zero id, then flags 0 (neither state nor carry) or 4.
    for (const flags of [0, 4, 255]) {
      const entry = new Uint8Array([CLOSED_STATE_CODEC_VERSION, 1, 0, ...new Uint8Array(16), flags, 1, 1, 0]);
      expect(() => decodeClosedState([entry])).toThrow(StateCodecError);
    }
  });

  describe('corrupt or truncated bytes throw StateCodecError and nothing else', () => {
    /** Decodes, and exercises whatever decoded (a close job would finalize and re-encode it). */
    function attempt(chunks: Uint8Array[]): 'ok' | 'rejected' {
      try {
        const entries = decodeClosedState(chunks);
        for (const e of entries) {
          e.merged?.kind.finalize(e.merged.state, {
            windowStartMs: WS,
            windowEndMs: WS + MINUTE,
            percentiles: [50, 99],
            baseline: e.carry,
          });
        }
        encodeClosedState(entries, 400);
        return 'ok';
      } catch (error) {
        if (error instanceof StateCodecError) return 'rejected';
        throw new Error(`threw ${String(error)} instead of StateCodecError`, { cause: error });
      }
    }

    const chunkArb = fc
      .tuple(fc.subarray(ENTRIES, { minLength: 1 }), fc.constantFrom(1, 200, 100_000))
      .map(([entries, max]) => encodeClosedState(entries, max));

    it('every strict prefix of a chunk is rejected', () => {
      fc.assert(
        fc.property(chunkArb, (chunks) => {
          for (const chunk of chunks) {
            for (let n = 0; n < chunk.length; n++) {
              expect(attempt([chunk.slice(0, n)]), `prefix ${n}/${chunk.length}`).toBe('rejected');
            }
          }
        }),
        { numRuns: 30 },
      );
    });

    it('flipped, inserted and deleted bytes either decode or throw StateCodecError', () => {
      const mutation = fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
        fc.record({
          op: fc.constant('insert' as const),
          at: fc.nat(),
          mask: fc.integer({ min: 0, max: 255 }),
        }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), mask: fc.constant(0) }),
      );
      fc.assert(
        fc.property(chunkArb, fc.array(mutation, { minLength: 1, maxLength: 5 }), (chunks, mutations) => {
          const corrupt = chunks.map((c) => [...c]);
          for (const [i, { op, at, mask }] of mutations.entries()) {
            const bytes = corrupt[i % corrupt.length] ?? [];
            const pos = at % Math.max(1, bytes.length);
            if (op === 'flip') bytes[pos] = (bytes[pos] ?? 0) ^ mask;
            else if (op === 'insert') bytes.splice(pos, 0, mask);
            else bytes.splice(pos, 1);
          }
          attempt(corrupt.map((b) => new Uint8Array(b)));
        }),
        { numRuns: 500 },
      );
    });

    it('random bytes behind a valid version byte either decode or throw StateCodecError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (bytes, versioned) => {
          const chunk = versioned ? new Uint8Array([CLOSED_STATE_CODEC_VERSION, ...bytes]) : bytes;
          attempt([chunk]);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('Regression: an entry with neither state nor carry', () => {
  it('is left out instead of written with flags its decoder refuses', () => {
    const chunks = encodeClosedState([{ tenant: 't', seriesId: 'a'.repeat(32) }], 1_000);
    expect(decodeClosedState(chunks)).toEqual([]);
  });
});
