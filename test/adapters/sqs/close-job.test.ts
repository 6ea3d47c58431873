/**
 * Close jobs as SQS message bodies: every valid job survives encode → decode, and anything else on
 * the queue is refused with MalformedJobError rather than closing a wrong window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCloseJob, encodeCloseJob, MalformedJobError } from '#adapters/sqs/close-job.js';
import type { CloseJob } from '#app/close-ports.js';
import { WindrowError } from '#core/errors.js';

const validJob: fc.Arbitrary<CloseJob> = fc.record({
  tier: fc.integer({ min: 0, max: 999 }),
  windowStartMs: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  shard: fc.integer({ min: 0, max: 9999 }),
  correction: fc.boolean(),
});

describe('Function: encodeCloseJob / decodeCloseJob', () => {
  it('round-trips every valid job', () => {
    fc.assert(
      fc.property(validJob, (job) => {
        expect(decodeCloseJob(encodeCloseJob(job))).toEqual(job);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes small, stable JSON (the body SQS stores and the local queue deduplicates on)', () => {
    const body = encodeCloseJob({ tier: 0, windowStartMs: 1_700_000_040_000, shard: 3, correction: false });
    expect(body).toBe('{"t":0,"w":1700000040000,"s":3,"c":0}');
    expect(encodeCloseJob({ shard: 3, correction: true, windowStartMs: 1, tier: 2 })).toBe(
      '{"t":2,"w":1,"s":3,"c":1}',
    );
    fc.assert(
      fc.property(validJob, (job) => {
        expect(encodeCloseJob(job).length).toBeLessThanOrEqual(48);
        expect(encodeCloseJob({ ...job })).toBe(encodeCloseJob(job));
      }),
    );
  });

  it('accepts the fields in any order, with extra fields ignored', () => {
    expect(decodeCloseJob('{"c":1,"s":2,"w":60000,"t":1,"x":"y"}')).toEqual({
      tier: 1,
      windowStartMs: 60_000,
      shard: 2,
      correction: true,
    });
  });

  it.each([
    ['not JSON', 'close 1m 17:00 shard 3'],
    ['empty', ''],
    ['truncated', '{"t":0,"w":1700000040000,"s":3,'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"{}"'],
    ['an array', '[0,1700000040000,3,0]'],
    ['an empty object', '{}'],
    ['no correction flag', '{"t":0,"w":1700000040000,"s":3}'],
    ['a boolean correction flag', '{"t":0,"w":1700000040000,"s":3,"c":false}'],
    ['correction flag 2', '{"t":0,"w":1700000040000,"s":3,"c":2}'],
    ['a negative tier', '{"t":-1,"w":1700000040000,"s":3,"c":0}'],
    ['tier 1000', '{"t":1000,"w":1700000040000,"s":3,"c":0}'],
    ['a fractional tier', '{"t":0.5,"w":1700000040000,"s":3,"c":0}'],
    ['a string tier', '{"t":"0","w":1700000040000,"s":3,"c":0}'],
    ['a negative window start', '{"t":0,"w":-60000,"s":3,"c":0}'],
    ['a window start of 10^13', '{"t":0,"w":10000000000000,"s":3,"c":0}'],
    ['a fractional window start', '{"t":0,"w":1700000040000.5,"s":3,"c":0}'],
    ['a negative shard', '{"t":0,"w":1700000040000,"s":-1,"c":0}'],
    ['shard 10000', '{"t":0,"w":1700000040000,"s":10000,"c":0}'],
    ['a null shard', '{"t":0,"w":1700000040000,"s":null,"c":0}'],
    ['an exponent overflow', '{"t":0,"w":1e400,"s":3,"c":0}'],
  ])('refuses %s with MalformedJobError', (_what, body) => {
    expect(() => decodeCloseJob(body)).toThrow(MalformedJobError);
    const error = (() => {
      try {
        decodeCloseJob(body);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WindrowError);
  });

  it('names the body (cut to 200 characters) in the error', () => {
    expect(() => decodeCloseJob('{"t":-1,"w":0,"s":0,"c":0}')).toThrow(
      'malformed close job {"t":-1,"w":0,"s":0,"c":0}',
    );
    const long = JSON.stringify({ t: -1, w: 0, s: 0, c: 0, pad: 'x'.repeat(10_000) });
    const message = (() => {
      try {
        decodeCloseJob(long);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message.length).toBeLessThanOrEqual('malformed close job '.length + 200);
    expect(() => decodeCloseJob('not json')).toThrow('close job is not JSON');
  });

  it('refuses any JSON value that is not a valid job', () => {
    const invalid = fc.oneof(
      fc.jsonValue(),
      fc.record({
        t: fc.oneof(fc.integer({ min: -1000, max: -1 }), fc.integer({ min: 1000 }), fc.double(), fc.string()),
        w: fc.integer({ min: 0, max: 9_999_999_999_999 }),
        s: fc.integer({ min: 0, max: 9999 }),
        c: fc.constantFrom(0, 1),
      }),
      fc.record({
        t: fc.integer({ min: 0, max: 999 }),
        w: fc.oneof(fc.integer({ max: -1 }), fc.double({ min: 1e13 }), fc.constant('0')),
        s: fc.integer({ min: 0, max: 9999 }),
        c: fc.constantFrom(0, 1),
      }),
      fc.record({
        t: fc.integer({ min: 0, max: 999 }),
        w: fc.integer({ min: 0, max: 9_999_999_999_999 }),
        s: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 10_000 }), fc.boolean()),
        c: fc.constantFrom(0, 1),
      }),
    );
    fc.assert(
      fc.property(invalid, (value) => {
        const body = JSON.stringify(value) ?? 'undefined';
        let job: CloseJob | undefined;
        try {
          job = decodeCloseJob(body);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedJobError);
          return;
        }
        // fc.jsonValue() may produce a valid job by chance: then it must round-trip.
        expect(decodeCloseJob(encodeCloseJob(job))).toEqual(job);
        expect(JSON.parse(body)).toMatchObject({ t: job.tier, w: job.windowStartMs, s: job.shard });
      }),
      { numRuns: 300 },
    );
  });
});
