/** How long the close keeps what later closes read, and when a window may be closing. */
import type { WindrowConfig } from '../../core/config/config.js';
import { CLOCK_SKEW_MARGIN_MS } from '../partials.js';

/** Closed states and parent partials stay this long past the correction horizon. */
export const KEEP_AFTER_HORIZON_MS = 86_400_000;

/** A quiet cumulative series keeps its baseline at least this long (see finalizeWindow). */
export const MIN_CARRY_MS = 3_600_000;

/** The longest sliding window configured (its panes' closed states must outlive it). */
export function maxSlidingMs(config: WindrowConfig): number {
  return config.sliding.reduce((max, s) => Math.max(max, s.sizeMs), 0);
}

/** How long after its end a window's closed state and parent partials are kept. */
export function keepMs(config: WindrowConfig): number {
  return config.correctionHorizonMs + KEEP_AFTER_HORIZON_MS + maxSlidingMs(config);
}

/** Whether a window ending at `endMs` may already be closing (ingest's post-write rule). */
export function mayBeClosing(endMs: number, nowMs: number, config: WindrowConfig): boolean {
  return nowMs >= endMs + config.allowedLatenessMs - CLOCK_SKEW_MARGIN_MS;
}
