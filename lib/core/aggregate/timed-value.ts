/**
 * A value with the time it was observed, for first/last tracking. Ties are broken by value, never
 * by argument order (OpenTelemetry's `LastValue.merge` picks by order, so two replicas can disagree):
 * at the same instant the larger value is "last" and the smaller one "first".
 *
 * @example
 * ```ts
 * const a = { timeMs: 5, timeNs: 0, value: 1 };
 * const b = { timeMs: 5, timeNs: 0, value: 2 };
 * isLater(b, a); // true: same instant, larger value
 * isEarlier(a, b); // true: same instant, smaller value
 * ```
 */
export interface TimedValue {
  /** Integer ms since the Unix epoch. */
  timeMs: number;
  /** 0..999_999 ns past `timeMs`. */
  timeNs: number;
  value: number;
}

/** Whether `a` replaces `b` as the last value: later, or at the same time larger. */
export function isLater(a: Readonly<TimedValue>, b: Readonly<TimedValue>): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs > b.timeMs;
  if (a.timeNs !== b.timeNs) return a.timeNs > b.timeNs;
  return a.value > b.value;
}

/** Whether `a` replaces `b` as the first value: earlier, or at the same time smaller. */
export function isEarlier(a: Readonly<TimedValue>, b: Readonly<TimedValue>): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  if (a.timeNs !== b.timeNs) return a.timeNs < b.timeNs;
  return a.value < b.value;
}

export function assignTimed(target: TimedValue, source: Readonly<TimedValue>): void {
  target.timeMs = source.timeMs;
  target.timeNs = source.timeNs;
  target.value = source.value;
}
