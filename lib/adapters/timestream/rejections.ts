/**
 * Reading a `RejectedRecordsException` (HTTP 419) record by record. Timestream writes every record
 * of the call it did not reject; of the rejected ones:
 *
 * - **superseded** — Timestream holds this record with an equal or higher version: `ExistingVersion`
 *   ≥ ours, or, when `ExistingVersion` is missing, one of the documented version-conflict reasons
 *   ("The record version 2 is lower than the existing version 200…", "A record already exists with
 *   the same time, dimensions, measure name, and record version…"). The sink keeps the highest
 *   version by contract, so these count as written: a replayed close (same version) is idempotent and a
 *   stale close (lower version) changes nothing, as it should.
 * - **rejected** — anything else (outside the memory store's time range, limits, schema): reported
 *   with Timestream's reason, never retried.
 */
import type { RejectedRecord } from '@aws-sdk/client-timestream-write';

const LOWER_VERSION = /record version \d+ is lower than the existing version (\d+)/i;
const SAME_VERSION = /already exists with the same time, dimensions, measure name,? and record version/i;

export type RejectionVerdict =
  | { readonly kind: 'superseded'; readonly existingVersion: number }
  | { readonly kind: 'rejected'; readonly reason: string };

/**
 * What one rejected record means for a record we sent with `version`.
 *
 * @example
 * judgeRejection({ RecordIndex: 0, Reason: '…', ExistingVersion: 7 }, 5); // superseded (7 ≥ 5)
 * judgeRejection({ RecordIndex: 0, Reason: 'The record timestamp is outside…' }, 5); // rejected
 */
export function judgeRejection(rejected: RejectedRecord, version: number): RejectionVerdict {
  const reason = rejected.Reason ?? 'rejected without a reason';
  let existing = rejected.ExistingVersion;
  if (existing === undefined) {
    const lower = LOWER_VERSION.exec(reason);
    if (lower?.[1] !== undefined) existing = Number(lower[1]);
    else if (SAME_VERSION.test(reason)) existing = version;
  }
  if (existing !== undefined && existing >= version) return { kind: 'superseded', existingVersion: existing };
  return { kind: 'rejected', reason };
}

export interface CallOutcome {
  /** Records stored by this call, superseded ones included. */
  readonly written: number;
  readonly superseded: number;
  /** Positions in the call (0-based) with Timestream's reason. */
  readonly rejected: readonly { readonly position: number; readonly reason: string }[];
}

/**
 * The outcome of a call of `versions.length` records that answered with `rejectedRecords`.
 * Indexes outside the call are ignored, a repeated index counts once. An exception without any usable
 * record index leaves us unable to tell which records failed: all of them are reported with `message`.
 */
export function callOutcome(
  versions: readonly number[],
  rejectedRecords: readonly RejectedRecord[] | undefined,
  message: string,
): CallOutcome {
  const byPosition = new Map<number, RejectedRecord>();
  for (const r of rejectedRecords ?? []) {
    const i = r.RecordIndex;
    if (i !== undefined && Number.isInteger(i) && i >= 0 && i < versions.length && !byPosition.has(i)) {
      byPosition.set(i, r);
    }
  }
  if (byPosition.size === 0) {
    return {
      written: 0,
      superseded: 0,
      rejected: versions.map((_, position) => ({ position, reason: `RejectedRecordsException: ${message}` })),
    };
  }
  let superseded = 0;
  const rejected: { position: number; reason: string }[] = [];
  for (const [position, r] of [...byPosition].sort((a, b) => a[0] - b[0])) {
    const verdict = judgeRejection(r, versions[position] ?? 0);
    if (verdict.kind === 'superseded') superseded++;
    else rejected.push({ position, reason: verdict.reason });
  }
  return { written: versions.length - rejected.length, superseded, rejected };
}
