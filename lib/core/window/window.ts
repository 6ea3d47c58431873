/**
 * Window arithmetic. Windows are half-open `[start, start + size)`, aligned to the Unix epoch in UTC
 * plus an optional `offsetMs` (e.g. a 1d tier starting at 06:00 UTC uses offset 6h). Everything is in
 * integer milliseconds: the core never sees a clock, only values.
 */

export interface WindowSpec {
  readonly sizeMs: number;
  /** Alignment offset in [0, sizeMs); 0 aligns to the epoch. */
  readonly offsetMs?: number;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Start of the window holding `timeMs`. Uses floored division so times before the epoch (or before
 * the offset) still land in the right window.
 *
 * @example windowStart(Date.parse('2026-11-25T10:00:59.999Z'), { sizeMs: 60_000 }) // …T10:00:00.000Z
 */
export function windowStart(timeMs: number, spec: WindowSpec): number {
  const offset = spec.offsetMs ?? 0;
  return Math.floor((timeMs - offset) / spec.sizeMs) * spec.sizeMs + offset;
}

export function windowOf(timeMs: number, spec: WindowSpec): Window {
  const startMs = windowStart(timeMs, spec);
  return { startMs, endMs: startMs + spec.sizeMs };
}

const NS_PER_MS = 1_000_000n;

/**
 * The window of a uint64 nanosecond timestamp, for callers holding OTLP times as BigInt. Only the
 * millisecond part matters: window sizes are whole milliseconds, so truncating the sub-ms remainder
 * never moves a point across a boundary.
 */
export function windowOfNanos(timeNs: bigint, spec: WindowSpec): Window {
  const ms = timeNs >= 0n ? timeNs / NS_PER_MS : (timeNs - NS_PER_MS + 1n) / NS_PER_MS;
  return windowOf(Number(ms), spec);
}

/**
 * The windows overlapping `[fromMs, toMs)`, in order. Bounded by `limit` so a bad range cannot
 * allocate without end.
 */
export function windowsInRange(fromMs: number, toMs: number, spec: WindowSpec, limit = 100_000): Window[] {
  const out: Window[] = [];
  for (let s = windowStart(fromMs, spec); s < toMs && out.length < limit; s += spec.sizeMs) {
    out.push({ startMs: s, endMs: s + spec.sizeMs });
  }
  return out;
}

/** The child windows (of size `childSizeMs`) that make up a parent window. */
export function childWindows(parent: Window, childSizeMs: number): Window[] {
  return windowsInRange(parent.startMs, parent.endMs, { sizeMs: childSizeMs });
}

/** Sliding window `{size, slide}`: each result spans `size` and is emitted every `slide`. */
export interface SlidingSpec {
  readonly sizeMs: number;
  readonly slideMs: number;
}

/**
 * The panes (windows of the `slide` tier) merged into the sliding window that ends at `endMs`:
 * the last `size / slide` panes, oldest first.
 *
 * @example slidingPanes(T + 300_000, { sizeMs: 300_000, slideMs: 60_000 }) // 5 one-minute panes
 */
export function slidingPanes(endMs: number, spec: SlidingSpec): Window[] {
  const panes = spec.sizeMs / spec.slideMs;
  const out: Window[] = [];
  for (let i = panes; i >= 1; i--) {
    const startMs = endMs - i * spec.slideMs;
    out.push({ startMs, endMs: startMs + spec.slideMs });
  }
  return out;
}

/**
 * The sliding windows (identified by their end) that contain the pane starting at `paneStartMs`:
 * a pane feeds `size / slide` consecutive sliding windows.
 */
export function slidingWindowsOfPane(paneStartMs: number, spec: SlidingSpec): Window[] {
  const panes = spec.sizeMs / spec.slideMs;
  const out: Window[] = [];
  for (let i = 1; i <= panes; i++) {
    const endMs = paneStartMs + i * spec.slideMs;
    out.push({ startMs: endMs - spec.sizeMs, endMs });
  }
  return out;
}

/** Whether a window can close: the clock has passed `end + allowedLateness`. */
export function isClosable(window: Window, nowMs: number, allowedLatenessMs: number): boolean {
  return nowMs >= window.endMs + allowedLatenessMs;
}
