/**
 * How long each Timestream table keeps records in its memory store (issue 15). Shared with the CDK
 * app, which sets it, and `npm run cost`, which prices it.
 *
 * The memory store is ~40× the price of the magnetic store per GB-month and takes writes whose time
 * is within its retention only; magnetic-store writes are enabled on every table, so a record older
 * than that still lands — in the magnetic store (asynchronously: Timestream acknowledges it, and a
 * rejection there would be reported to a rejected-data location, not to the writer). So the memory
 * store has to cover only the **first** write of each window: a window's record carries the
 * window's start as its time and is first written at its end plus the allowed lateness (plus a
 * planner tick and queueing: the margin). Corrections later within the horizon go to the magnetic
 * store. A tier's table keeps `size + allowedLateness + 10 min`, rounded up to hours (1m: 1 h,
 * 1h: 2 h, 1d: 25 h). Sessions end at an unknown time after they start, so session tables keep the
 * whole correction horizon, as every table did before.
 *
 * Query speed: recent windows are read from the memory store (milliseconds); windows older than its
 * retention from the magnetic store, which answers in hundreds of milliseconds to seconds.
 */
import type { WindowKind } from '../../app/results.js';

const HOUR_MS = 3_600_000;
/** Time between a window becoming due and its first write: the planner's minute and the queue. */
export const FIRST_WRITE_MARGIN_MS = 10 * 60_000;
/** Timestream's bounds on MemoryStoreRetentionPeriodInHours. */
const MIN_HOURS = 1;
const MAX_HOURS = 8766;

/**
 * The memory store retention of a window's table, in hours.
 *
 * @example timestreamMemoryHours({ kind: 'tier', sizeMs: 3_600_000 }, { allowedLatenessMs: 30_000, correctionHorizonMs: 86_400_000 }) // 2
 */
export function timestreamMemoryHours(
  window: { readonly kind: WindowKind; readonly sizeMs: number },
  config: { readonly allowedLatenessMs: number; readonly correctionHorizonMs: number },
): number {
  const coverMs =
    window.kind === 'session'
      ? config.correctionHorizonMs + config.allowedLatenessMs + HOUR_MS
      : window.sizeMs + config.allowedLatenessMs + FIRST_WRITE_MARGIN_MS;
  return Math.min(MAX_HOURS, Math.max(MIN_HOURS, Math.ceil(coverMs / HOUR_MS)));
}
