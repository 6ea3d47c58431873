/** Reading RejectedRecordsException record by record: superseded (counts as written) or rejected. */
import { describe, expect, it } from 'vitest';
import { callOutcome, judgeRejection } from '#adapters/timestream/rejections.js';

const LOWER =
  'The record version 2 is lower than the existing version 200. A higher version is required to update the measure value.';
const SAME =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.';
const MEMORY =
  'The record timestamp is outside the time range [2023-02-13T19:22:45.051Z, 2023-02-20T20:02:45.051Z) of the memory store.';

describe('Function: judgeRejection', () => {
  it('counts ExistingVersion ≥ ours as superseded', () => {
    expect(judgeRejection({ RecordIndex: 0, Reason: LOWER, ExistingVersion: 200 }, 2)).toEqual({
      kind: 'superseded',
      existingVersion: 200,
    });
    expect(judgeRejection({ RecordIndex: 0, Reason: SAME, ExistingVersion: 5 }, 5)).toMatchObject({
      kind: 'superseded',
    });
  });

  it('reads the version conflict from the reason when ExistingVersion is missing', () => {
    expect(judgeRejection({ RecordIndex: 0, Reason: LOWER }, 2)).toEqual({
      kind: 'superseded',
      existingVersion: 200,
    });
    expect(judgeRejection({ RecordIndex: 0, Reason: SAME }, 7)).toEqual({
      kind: 'superseded',
      existingVersion: 7,
    });
  });

  it('rejects everything else with its reason (also an ExistingVersion below ours)', () => {
    expect(judgeRejection({ RecordIndex: 0, Reason: MEMORY }, 1)).toEqual({
      kind: 'rejected',
      reason: MEMORY,
    });
    expect(judgeRejection({ RecordIndex: 0, Reason: 'odd', ExistingVersion: 1 }, 2)).toEqual({
      kind: 'rejected',
      reason: 'odd',
    });
    expect(judgeRejection({ RecordIndex: 0 }, 1)).toEqual({
      kind: 'rejected',
      reason: 'rejected without a reason',
    });
  });
});

describe('Function: callOutcome', () => {
  it('counts the records Timestream did not reject as written', () => {
    const outcome = callOutcome(
      [1, 1, 2, 1],
      [
        { RecordIndex: 3, Reason: MEMORY },
        { RecordIndex: 2, Reason: LOWER, ExistingVersion: 200 },
        { RecordIndex: 3, Reason: 'repeated' },
        { RecordIndex: 9, Reason: 'out of range' },
      ],
      'One or more records have been rejected.',
    );
    expect(outcome).toEqual({ written: 3, superseded: 1, rejected: [{ position: 3, reason: MEMORY }] });
  });

  it('reports every record when the exception names none', () => {
    expect(callOutcome([1, 1], [], 'boom')).toEqual({
      written: 0,
      superseded: 0,
      rejected: [
        { position: 0, reason: 'RejectedRecordsException: boom' },
        { position: 1, reason: 'RejectedRecordsException: boom' },
      ],
    });
  });
});
