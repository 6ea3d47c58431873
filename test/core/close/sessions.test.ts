import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { cumulativeKind } from '#core/aggregate/cumulative.js';
import { numberKind } from '#core/aggregate/number.js';
import type { MergedSeries } from '#core/close/merge.js';
import {
  advanceSessions,
  decodeOpenSession,
  encodeOpenSession,
  eventSpan,
  matchesPattern,
  type OpenSession,
  type SessionActivity,
  type SessionStep,
  sessionKey,
} from '#core/close/sessions.js';
import { StateCodecError } from '#core/errors.js';
import {
  counter,
  cumulativeHistogram,
  deltaExp,
  deltaHistogram,
  gauge,
  HOUR,
  hex,
  mergedOf,
  sid,
  stateHex,
  WS,
} from './helpers.js';

const PANE = 1_000;
const GAP = 3_000;
const NAME = 'session:3s';
const GAPS = new Map([[NAME, GAP]]);
const options = DEFAULT_AGGREGATE_OPTIONS;
const pane = (k: number) => ({ startMs: WS + k * PANE, endMs: WS + (k + 1) * PANE });

/** A series with one gauge event (value = its offset from WS) at each time. */
function events(times: readonly number[], seriesId = sid(1), tenant = 'acme'): MergedSeries {
  return mergedOf(
    tenant,
    seriesId,
    times.map((t) => gauge(t - WS, t)),
  );
}

function step(
  open: ReadonlyMap<string, OpenSession>,
  active: readonly SessionActivity[],
  k: number,
  gaps: ReadonlyMap<string, number> = GAPS,
): SessionStep {
  return advanceSessions(open, active, pane(k).startMs, pane(k).endMs, gaps, options);
}

/** The open map after a step, the way the session store's commit leaves it. */
function apply(open: ReadonlyMap<string, OpenSession>, s: SessionStep): Map<string, OpenSession> {
  const next = new Map(open);
  for (const e of s.ended) next.delete(sessionKey(e));
  for (const u of s.upsert) next.set(sessionKey(u), u);
  return next;
}

function count(s: OpenSession): number {
  return s.kind.finalize(s.state, { windowStartMs: 0, windowEndMs: 1, percentiles: [] }).count;
}

/** A session as plain comparable data. */
function view(s: OpenSession) {
  return {
    key: sessionKey(s),
    first: s.firstEventMs - WS,
    last: s.lastEventMs - WS,
    pane: s.lastPaneMs - WS,
    kind: s.kind.name,
    state: stateHex(s),
  };
}

const stepView = (s: SessionStep) => ({ upsert: s.upsert.map(view), ended: s.ended.map(view) });

describe('advanceSessions', () => {
  const active = (series: MergedSeries, name = NAME, gapMs = GAP): SessionActivity => ({
    series,
    name,
    gapMs,
  });

  it('starts a session at the first pane with activity, from its first to its last event', () => {
    const s = step(new Map(), [active(events([WS + 200, WS + 700]))], 0);
    expect(s.ended).toEqual([]);
    expect(s.upsert.map(view)).toEqual([
      expect.objectContaining({
        key: `acme#${sid(1)}#${NAME}`,
        first: 200,
        last: 700,
        pane: 0,
        kind: 'number',
      }),
    ]);
    expect(count(s.upsert[0] as OpenSession)).toBe(2);
  });

  it('extends a session when the silence is at most the gap (exactly the gap extends)', () => {
    const open = apply(new Map(), step(new Map(), [active(events([WS + 500]))], 0));
    // Next event exactly GAP after the last one: pane 3 holds WS + 3500.
    const s = step(open, [active(events([WS + 3_500, WS + 3_900]))], 3);
    expect(s.ended).toEqual([]);
    expect(s.upsert.map(view)).toEqual([expect.objectContaining({ first: 500, last: 3_900, pane: 3_000 })]);
    expect(count(s.upsert[0] as OpenSession)).toBe(3);
  });

  it('ends the session and starts a new one when the silence is longer than the gap', () => {
    const open = apply(new Map(), step(new Map(), [active(events([WS + 500]))], 0));
    const s = step(open, [active(events([WS + 3_501]))], 3);
    expect(s.ended.map(view)).toEqual([expect.objectContaining({ first: 500, last: 500, pane: 0 })]);
    expect(s.upsert.map(view)).toEqual([expect.objectContaining({ first: 3_501, last: 3_501, pane: 3_000 })]);
    expect(count(s.upsert[0] as OpenSession)).toBe(1);
  });

  it('ends a quiet session once lastEvent + gap is before the pane end, not before', () => {
    const open = apply(new Map(), step(new Map(), [active(events([WS + 999]))], 0));
    // lastEvent + gap = WS + 3999 < WS + 4000, the end of pane 3: an event in pane 4 could not extend it.
    expect(step(open, [], 1).ended).toEqual([]);
    expect(step(open, [], 2).ended).toEqual([]);
    expect(step(open, [], 3).ended.map(view)).toEqual([expect.objectContaining({ first: 999, last: 999 })]);
    // lastEvent + gap = WS + 4000 exactly: still open through pane 3 (an event at WS + 4000 would extend).
    const edge = apply(new Map(), step(new Map(), [active(events([WS + 1_000]))], 1));
    expect(step(edge, [], 3).ended).toEqual([]);
    expect(step(edge, [], 4).ended).toHaveLength(1);
  });

  it('ends an open session whose config is gone at the next pane', () => {
    const open = apply(new Map(), step(new Map(), [active(events([WS + 100]))], 0));
    expect(step(open, [], 1, new Map()).ended).toHaveLength(1);
  });

  it('replaying a pane changes nothing: the same step from the same open sessions, nothing after commit', () => {
    const series = [events([WS + 100, WS + 900]), events([WS + 50], sid(2))];
    let open = apply(
      new Map(),
      step(
        new Map(),
        series.map((s) => active(s)),
        0,
      ),
    );
    open = apply(open, step(open, [active(events([WS + 4_500], sid(3)))], 4)); // sid(2)'s and sid(1)'s end
    const pane5 = [active(events([WS + 5_100], sid(3))), active(events([WS + 5_200], sid(4)))];
    const first = step(open, pane5, 5);
    // A retried close before its commit sees the same open sessions and takes the same step.
    expect(stepView(step(open, pane5, 5))).toEqual(stepView(first));
    // A retried close after its commit changes nothing.
    const committed = apply(open, first);
    const replay = step(committed, pane5, 5);
    expect(replay).toEqual({ upsert: [], ended: [] });
    expect([...apply(committed, replay).values()].map(view)).toEqual([...committed.values()].map(view));
    // Including a replay of the pane a session was ended and restarted in.
    const restart = step(committed, [active(events([WS + 9_000], sid(3)))], 9);
    expect(restart.ended).toHaveLength(2);
    const afterRestart = apply(committed, restart);
    expect(step(afterRestart, [active(events([WS + 9_000], sid(3)))], 9)).toEqual({ upsert: [], ended: [] });
  });

  it('two session configs of one series are independent', () => {
    const gaps = new Map([
      ['session:1s', 1_000],
      ['session:5s', 5_000],
    ]);
    const configs = (series: MergedSeries) => [
      active(series, 'session:1s', 1_000),
      active(series, 'session:5s', 5_000),
    ];
    const times = [WS + 100, WS + 2_500, WS + 3_000, WS + 7_900];
    let open = new Map<string, OpenSession>();
    const ended: OpenSession[] = [];
    for (let k = 0; k < 15; k++) {
      const inPane = times.filter((t) => t >= pane(k).startMs && t < pane(k).endMs);
      const s = step(open, inPane.length > 0 ? configs(events(inPane)) : [], k, gaps);
      ended.push(...s.ended);
      open = apply(open, s);
    }
    expect(open.size).toBe(0);
    const sessions = (name: string) =>
      ended.filter((s) => s.name === name).map((s) => [s.firstEventMs - WS, s.lastEventMs - WS, count(s)]);
    expect(sessions('session:1s')).toEqual([
      [100, 100, 1],
      [2_500, 3_000, 2],
      [7_900, 7_900, 1],
    ]);
    expect(sessions('session:5s')).toEqual([[100, 7_900, 4]]);
  });

  it('one series active twice under one config name (two patterns, same gap) counts its events once', () => {
    const series = events([WS + 100, WS + 200]);
    const first = step(new Map(), [active(series), active(series)], 0);
    const open = apply(new Map(), first);
    expect([...open.values()].map(count)).toEqual([2]);
    const next = step(open, [active(events([WS + 1_100])), active(events([WS + 1_100]))], 1);
    expect([...apply(open, next).values()].map(count)).toEqual([3]);
  });

  it('does not change the open sessions nor the active states it is given', () => {
    const open = apply(new Map(), step(new Map(), [active(events([WS + 100]))], 0));
    const before = [...open.values()].map(view);
    const series = events([WS + 1_200]);
    const seriesBytes = stateHex(series);
    const s = step(open, [active(series)], 1);
    expect([...open.values()].map(view)).toEqual(before);
    expect(stateHex(series)).toBe(seriesBytes);
    // The new state shares nothing with its sources: adding to it leaves them alone.
    numberKind.add(s.upsert[0]?.state as never, gauge(5, WS + 1_300), options);
    expect([...open.values()].map(view)).toEqual(before);
    expect(stateHex(series)).toBe(seriesBytes);
  });

  it('sessions fed pane by pane equal the sessions of the sorted event times (property)', () => {
    const seriesArb = fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(seriesArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(1_000, 1_500, 2_999, 3_000, 7_000),
        fc.array(fc.boolean(), { minLength: 45, maxLength: 45 }),
        (offsets, gapMs, replays) => {
          const gaps = new Map([['s', gapMs]]);
          const times = offsets.map((o) => o.map((t) => WS + t));
          let open = new Map<string, OpenSession>();
          const ended: OpenSession[] = [];
          for (let k = 0; k < 45; k++) {
            const active: SessionActivity[] = [];
            for (const [i, ts] of times.entries()) {
              const inPane = ts.filter((t) => t >= pane(k).startMs && t < pane(k).endMs);
              if (inPane.length > 0) active.push({ series: events(inPane, sid(i + 1)), name: 's', gapMs });
            }
            const s = step(open, active, k, gaps);
            ended.push(...s.ended);
            open = apply(open, s);
            if (replays[k]) {
              const again = step(open, active, k, gaps);
              expect(again).toEqual({ upsert: [], ended: [] });
            }
          }
          expect(open.size).toBe(0);
          // The oracle: per series, sorted times split where the silence is longer than the gap.
          const expected: string[] = [];
          for (const [i, ts] of times.entries()) {
            const sorted = [...ts].sort((a, b) => a - b);
            let from = 0;
            for (let j = 1; j <= sorted.length; j++) {
              if (j === sorted.length || (sorted[j] as number) - (sorted[j - 1] as number) > gapMs) {
                const part = sorted.slice(from, j);
                const sum = part.reduce((a, t) => a + (t - WS), 0);
                expected.push(`${sid(i + 1)} ${part[0]} ${part[part.length - 1]} ${part.length} ${sum}`);
                from = j;
              }
            }
          }
          const actual = ended.map((s) => {
            const stats = s.kind.finalize(s.state, { windowStartMs: 0, windowEndMs: 1, percentiles: [] });
            return `${s.seriesId} ${s.firstEventMs} ${s.lastEventMs} ${stats.count} ${stats.sum}`;
          });
          expect(actual.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('eventSpan', () => {
  const bounds = [pane(4).startMs, pane(4).endMs] as const;

  it('numbers: the first and last event times', () => {
    const series = events([WS + 4_700, WS + 4_020, WS + 4_500]);
    expect(eventSpan(series, ...bounds)).toEqual({ firstMs: WS + 4_020, lastMs: WS + 4_700 });
  });

  it('cumulative series: the earliest first and the latest last over every run', () => {
    const series = mergedOf('acme', sid(1), [
      counter(5, WS + 4_300, WS - HOUR),
      counter(9, WS + 4_600, WS - HOUR),
      counter(1, WS + 4_800, WS + 4_700), // a restart: a second run
      counter(4, WS + 4_100, WS - 2 * HOUR), // an older run seen once
    ]);
    expect(series.kind).toBe(cumulativeKind);
    expect(eventSpan(series, ...bounds)).toEqual({ firstMs: WS + 4_100, lastMs: WS + 4_800 });
    const histogram = mergedOf('acme', sid(1), [cumulativeHistogram([1], WS + 4_250, WS - HOUR)]);
    expect(eventSpan(histogram, ...bounds)).toEqual({ firstMs: WS + 4_250, lastMs: WS + 4_250 });
  });

  it('histograms (no event times kept) and empty states: the pane bounds', () => {
    for (const series of [
      mergedOf('acme', sid(1), [deltaHistogram([1, 2], WS + 4_500)]),
      mergedOf('acme', sid(1), [deltaExp([1.5], WS + 4_500)]),
      { tenant: 'acme', seriesId: sid(1), kind: numberKind, state: numberKind.empty() },
      { tenant: 'acme', seriesId: sid(1), kind: cumulativeKind, state: cumulativeKind.empty() },
    ]) {
      expect(eventSpan(series as MergedSeries, ...bounds)).toEqual({
        firstMs: WS + 4_000,
        lastMs: WS + 4_999,
      });
    }
  });
});

describe('encodeOpenSession / decodeOpenSession', () => {
  const key = { tenant: 'acme', seriesId: sid(7), name: NAME };

  it('round-trips sessions of every kind', () => {
    const states = [
      events([WS + 10, WS + 20]),
      mergedOf('acme', sid(7), [counter(3, WS + 10, WS - HOUR)]),
      mergedOf('acme', sid(7), [deltaHistogram([1, 50], WS)]),
      mergedOf('acme', sid(7), [deltaExp([0.5, 4.25], WS)]),
    ];
    for (const m of states) {
      const session: OpenSession = {
        ...key,
        firstEventMs: WS + 10,
        lastEventMs: WS + 2 * HOUR,
        lastPaneMs: WS + 2 * HOUR - PANE,
        kind: m.kind,
        state: m.state,
      };
      const bytes = encodeOpenSession(session);
      const decoded = decodeOpenSession(key, bytes);
      expect(view(decoded)).toEqual(view(session));
      expect(decoded.kind).toBe(m.kind);
      expect(hex(encodeOpenSession(decoded))).toBe(hex(bytes));
    }
  });

  it('throws StateCodecError on corrupt or truncated bytes, and on trailing bytes', () => {
    const session: OpenSession = {
      ...key,
      firstEventMs: WS,
      lastEventMs: WS + 5,
      lastPaneMs: WS,
      ...events([WS]),
    };
    const bytes = encodeOpenSession(session);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeOpenSession(key, bytes.slice(0, n))).toThrow(StateCodecError);
    }
    expect(() => decodeOpenSession(key, new Uint8Array([...bytes, 0]))).toThrow(StateCodecError);
    expect(() => decodeOpenSession(key, new Uint8Array([2, ...bytes.slice(1)]))).toThrow(/session version/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (random) => {
        try {
          decodeOpenSession(key, new Uint8Array([1, ...random]));
        } catch (error) {
          if (!(error instanceof StateCodecError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('matchesPattern', () => {
  it.each([
    ['checkout.*', 'checkout.ms', true],
    ['checkout.*', 'checkout.', true],
    ['checkout.*', 'checkout', false],
    ['checkout.*', 'checkoutXms', false],
    ['checkout.*', 'my.checkout.ms', false],
    ['*', 'anything at all', true],
    ['*', '', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'abcd', false],
    ['exact.name', 'exact.name', true],
    ['exact.name', 'exactXname', false],
    ['http.server(1)', 'http.server(1)', true],
    ['http.server(1)', 'http.server1', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['a?b', 'ab', false],
    ['x|y', 'x', false],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['^a$', '^a$', true],
    ['c:\\d', 'c:\\d', true],
    ['c:\\d', 'c:5', false],
    ['{1,2}', '{1,2}', true],
    ['$*', '$money', true],
    // Regression: `*` once stopped at line terminators (a RegExp without the `s` flag).
    ['*', 'a\nb', true],
    ['checkout.*', 'checkout.\u2028x', true],
    ['a*b', 'a\r\nb', true],
    ['a.b', 'a\nb', false],
  ])('%j vs %j → %s', (pattern, name, expected) => {
    expect(matchesPattern(pattern, name)).toBe(expected);
  });

  it('treats every character but * literally (property)', () => {
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        '.',
        '+',
        '(',
        ')',
        '[',
        ']',
        '?',
        '^',
        '$',
        '|',
        '\\',
        '{',
        '}',
        '-',
        '\n',
        '\u2028',
      ),
    });
    fc.assert(
      fc.property(text, text, (pattern, other) => {
        expect(matchesPattern(pattern, pattern)).toBe(true);
        expect(matchesPattern(pattern, other)).toBe(pattern === other);
        expect(matchesPattern(`${pattern}*`, `${pattern}${other}`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
