import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#core/errors.js';
import {
  childWindows,
  formatDuration,
  isClosable,
  parseDuration,
  parseTiers,
  slidingPanes,
  slidingWindowsOfPane,
  windowOf,
  windowOfNanos,
  windowStart,
  windowsInRange,
} from '#core/window/index.js';

const T = Date.parse('2026-11-25T10:00:00.000Z');

describe('Function: parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(['', '5', 'm', '1h30m', '-1m', '0s', '1.5m', ' 1m', '1M', '1w', '99999999999999999d'])(
    'refuses %j with a ConfigError naming it',
    (text) => {
      expect(() => parseDuration(text, 'allowedLateness')).toThrow(ConfigError);
      expect(() => parseDuration(text, 'allowedLateness')).toThrow(/allowedLateness/);
    },
  );
});

describe('Function: parseTiers', () => {
  it('accepts 1m, 1h, 1d', () => {
    expect(parseTiers(['1m', '1h', '1d'])).toEqual([
      { name: '1m', sizeMs: 60_000, level: 0 },
      { name: '1h', sizeMs: 3_600_000, level: 1 },
      { name: '1d', sizeMs: 86_400_000, level: 2 },
    ]);
  });

  it('normalizes names (60s → 1m)', () => {
    expect(parseTiers(['60s', '3600s']).map((t) => t.name)).toEqual(['1m', '1h']);
  });

  it.each([[[]], [['1m', '90s']], [['1m', '1m']], [['1h', '1m']], [['500ms']], [['1m', '7m', '1h']]])(
    'refuses %j',
    (names) => {
      expect(() => parseTiers(names)).toThrow(ConfigError);
    },
  );
});

describe('Function: windowStart', () => {
  it('aligns to the epoch in UTC, half-open at the end', () => {
    expect(windowStart(T, { sizeMs: 60_000 })).toBe(T);
    expect(windowStart(T + 59_999, { sizeMs: 60_000 })).toBe(T);
    expect(windowStart(T + 60_000, { sizeMs: 60_000 })).toBe(T + 60_000);
    expect(windowStart(T - 1, { sizeMs: 60_000 })).toBe(T - 60_000);
  });

  it('supports an alignment offset', () => {
    const day = 86_400_000;
    const sixAm = Date.parse('2026-11-25T06:00:00.000Z');
    expect(windowStart(sixAm + 1000, { sizeMs: day, offsetMs: 6 * 3_600_000 })).toBe(sixAm);
    expect(windowStart(sixAm - 1, { sizeMs: day, offsetMs: 6 * 3_600_000 })).toBe(sixAm - day);
  });

  it('contains the time, for any time and size (including before the epoch)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: 1, max: 1e8 }), (t, size) => {
        const w = windowOf(t, { sizeMs: size });
        return w.startMs <= t && t < w.endMs && w.startMs % size === 0;
      }),
    );
  });
});

describe('Function: windowOfNanos', () => {
  it('uses the millisecond part of a uint64 nanosecond time exactly', () => {
    const ns = BigInt(T) * 1_000_000n - 1n; // one nanosecond before the boundary
    expect(windowOfNanos(ns, { sizeMs: 60_000 }).startMs).toBe(T - 60_000);
    expect(windowOfNanos(ns + 1n, { sizeMs: 60_000 }).startMs).toBe(T);
    expect(windowOfNanos(-1n, { sizeMs: 1000 }).startMs).toBe(-1000);
  });
});

describe('Function: windowsInRange', () => {
  it('lists the windows overlapping a range, bounded', () => {
    expect(windowsInRange(T + 30_000, T + 150_000, { sizeMs: 60_000 }).map((w) => w.startMs)).toEqual([
      T,
      T + 60_000,
      T + 120_000,
    ]);
    expect(windowsInRange(0, 1e12, { sizeMs: 1000 }, 10)).toHaveLength(10);
    expect(windowsInRange(T, T, { sizeMs: 1000 })).toEqual([]);
  });

  it('gives the children of a parent window', () => {
    const hour = { startMs: T, endMs: T + 3_600_000 };
    const minutes = childWindows(hour, 60_000);
    expect(minutes).toHaveLength(60);
    expect(minutes[0]?.startMs).toBe(T);
    expect(minutes[59]?.endMs).toBe(hour.endMs);
  });
});

describe('Function: slidingPanes', () => {
  it('gives the last size/slide panes, oldest first', () => {
    const panes = slidingPanes(T + 300_000, { sizeMs: 300_000, slideMs: 60_000 });
    expect(panes.map((p) => (p.startMs - T) / 60_000)).toEqual([0, 1, 2, 3, 4]);
  });

  it('is the inverse of slidingWindowsOfPane', () => {
    const spec = { sizeMs: 300_000, slideMs: 60_000 };
    for (const w of slidingWindowsOfPane(T, spec)) {
      expect(slidingPanes(w.endMs, spec).some((p) => p.startMs === T)).toBe(true);
      expect(w.endMs - w.startMs).toBe(spec.sizeMs);
    }
    expect(slidingWindowsOfPane(T, spec)).toHaveLength(5);
  });
});

describe('Function: isClosable', () => {
  it('closes only once the clock passes end + allowed lateness', () => {
    const w = { startMs: T, endMs: T + 60_000 };
    expect(isClosable(w, T + 60_000 + 29_999, 30_000)).toBe(false);
    expect(isClosable(w, T + 90_000, 30_000)).toBe(true);
  });
});
