/**
 * Close jobs as queue message bodies: small JSON, validated on the way in — a malformed message is a
 * bug or a stranger on the queue, and must fail its record (and reach the dead-letter queue) rather
 * than close a wrong window.
 */
import type { CloseJob } from '../../app/close-ports.js';
import { WindrowError } from '../../core/errors.js';

export class MalformedJobError extends WindrowError {}

/** @example encodeCloseJob({ tier: 0, windowStartMs: 1_700_000_040_000, shard: 3, correction: false }) */
export function encodeCloseJob(job: CloseJob): string {
  return JSON.stringify({ t: job.tier, w: job.windowStartMs, s: job.shard, c: job.correction ? 1 : 0 });
}

export function decodeCloseJob(body: string): CloseJob {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new MalformedJobError('close job is not JSON', { cause });
  }
  const o = raw as Record<string, unknown>;
  const int = (v: unknown, max: number) =>
    Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
  if (
    typeof raw !== 'object' ||
    raw === null ||
    !int(o.t, 999) ||
    !int(o.w, 9_999_999_999_999) ||
    !int(o.s, 9999) ||
    (o.c !== 0 && o.c !== 1)
  ) {
    throw new MalformedJobError(`malformed close job ${body.slice(0, 200)}`);
  }
  return { tier: o.t as number, windowStartMs: o.w as number, shard: o.s as number, correction: o.c === 1 };
}
