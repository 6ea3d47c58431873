/** An instant: integer ms since the Unix epoch and the 0..999_999 ns past it. */
export interface EventTime {
  timeMs: number;
  timeNs: number;
}

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
export interface TimedValue extends EventTime {
  value: number;
}

/**
 * A {@link TimedValue} built with `new`: no allocation site, so V8 never decides to pretenure it
 * (see NumberStateData in number-state.ts for why that matters). Plain (tagged) fields, unlike
 * the unboxed doubles of `Neumaier`: unboxed fields cost a heap-number box each when the object is
 * made, and first/last are made per state but rewritten rarely (see NumberStateData).
 */
export class Timed implements TimedValue {
  constructor(
    public timeMs: number,
    public timeNs: number,
    public value: number,
  ) {}
}

/** Negative when `a` is before `b`, positive when after, 0 at the same instant. */
export function compareTimes(a: Readonly<EventTime>, b: Readonly<EventTime>): number {
  return a.timeMs !== b.timeMs ? a.timeMs - b.timeMs : a.timeNs - b.timeNs;
}

/** Whether `a` replaces `b` as the last value: later, or at the same time larger. */
export function isLater(a: Readonly<TimedValue>, b: Readonly<TimedValue>): boolean {
  const order = compareTimes(a, b);
  return order !== 0 ? order > 0 : a.value > b.value;
}

/** Whether `a` replaces `b` as the first value: earlier, or at the same time smaller. */
export function isEarlier(a: Readonly<TimedValue>, b: Readonly<TimedValue>): boolean {
  const order = compareTimes(a, b);
  return order !== 0 ? order < 0 : a.value < b.value;
}

/** {@link isEarlier} of (timeMs, timeNs, value) against `b`, without building an object for it. */
export function isEarlierThan(
  timeMs: number,
  timeNs: number,
  value: number,
  b: Readonly<TimedValue>,
): boolean {
  if (timeMs !== b.timeMs) return timeMs < b.timeMs;
  return timeNs !== b.timeNs ? timeNs < b.timeNs : value < b.value;
}

/** {@link isLater} of (timeMs, timeNs, value) against `b`, without building an object for it. */
export function isLaterThan(timeMs: number, timeNs: number, value: number, b: Readonly<TimedValue>): boolean {
  if (timeMs !== b.timeMs) return timeMs > b.timeMs;
  return timeNs !== b.timeNs ? timeNs > b.timeNs : value > b.value;
}

export function setTimed(target: TimedValue, timeMs: number, timeNs: number, value: number): void {
  target.timeMs = timeMs;
  target.timeNs = timeNs;
  target.value = value;
}

export function assignTimed(target: TimedValue, source: Readonly<TimedValue>): void {
  target.timeMs = source.timeMs;
  target.timeNs = source.timeNs;
  target.value = source.value;
}
