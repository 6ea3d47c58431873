/**
 * TimestreamSink under failure, through the real SDK (maxAttempts 1, so every retry seen is the
 * sink's own): throttling and 5xx retried with bounded full-jitter backoff, then
 * StoreUnavailableError; invalid requests and missing tables as StoreRequestError; calls in flight
 * bounded. Sleep is injected and instant.
 */
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TimestreamSink, type TimestreamSinkOptions } from '#adapters/timestream/sink.js';
import { StoreRequestError, StoreUnavailableError } from '#app/errors.js';
import {
  type FakeTimestream,
  fakeTimestreamClient,
  startFakeTimestream,
} from '../../support/fake-timestream.js';
import { resultRecord, resultRecords } from './results.js';

const DB = 'windrow';
let fake: FakeTimestream;
let client: TimestreamWriteClient;
let tableCounter = 0;

beforeAll(async () => {
  fake = await startFakeTimestream();
  client = fakeTimestreamClient(fake);
});
afterEach(() => {
  fake.responseDelayMs = 0;
  fake.clearFaults();
});
afterAll(async () => {
  client.destroy();
  await fake.stop();
});

/** A sink on a fresh table with an instant, recording sleep and a fixed `random`. */
function faultySink(options: Partial<TimestreamSinkOptions> = {}, random = 0.5) {
  const table = `f${++tableCounter}`;
  fake.createTable(DB, table);
  const delays: number[] = [];
  const sink = new TimestreamSink({
    client,
    databaseName: DB,
    tableNameOf: () => table,
    retry: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => random,
    },
    ...options,
  });
  const calls = () => fake.calls.filter((c) => c.table === table);
  return { sink, table, delays, calls, stored: () => fake.stored(DB, table) };
}

describe('Class: TimestreamSink', () => {
  describe('Method: write (retries)', () => {
    it('retries throttling with jittered backoff, then succeeds', async () => {
      const { sink, delays, calls, stored } = faultySink();
      fake.throttleNext(3);
      const report = await sink.write([resultRecord()]);
      expect(report).toMatchObject({ written: 1, rejected: 0, calls: 4 });
      expect(calls().map((c) => c.status)).toEqual([400, 400, 400, 200]);
      // Full jitter under 25·2^n ms with random() = 0.5.
      expect(delays).toEqual([12, 25, 50]);
      expect(stored()).toHaveLength(1);
    });

    it('retries 500s and socket resets', async () => {
      const { sink, calls } = faultySink();
      fake.failNext(1, { kind: 'internal' });
      fake.failNext(1, { kind: 'reset' });
      fake.failNext(1, { kind: 'status', status: 503 });
      const report = await sink.write([resultRecord()]);
      expect(report.written).toBe(1);
      expect(calls().map((c) => c.status)).toEqual([500, 0, 503, 200]);
    });

    it('throws StoreUnavailableError after the budget when 500s persist, delays capped', async () => {
      const { sink, delays, calls } = faultySink({
        retry: { maxAttempts: 5, sleep: async (ms) => void delays.push(ms), random: () => 0.999 },
      });
      fake.failNext(5, { kind: 'internal' });
      const error = await sink.write([resultRecord()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).message).toMatch(
        /^Timestream WriteRecords to windrow\.f\d+ failed after 5 attempt\(s\): InternalServerException: Internal server error \(0 of 1 record\(s\) written/,
      );
      expect((error as StoreUnavailableError).retryAfterSeconds).toBe(1);
      expect(calls()).toHaveLength(5);
      expect(delays).toEqual([24, 49, 99, 199]);
    });

    it('reports how many records were written before giving up, and a rerun completes', async () => {
      const { sink, stored, table } = faultySink({ concurrency: 1 });
      const records = resultRecords(150);
      fake.faultPlan = (call) =>
        call.table === table && call.records === 50 ? { kind: 'internal' } : undefined;
      const error = await sink.write(records).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/\(100 of 150 record\(s\) written before giving up/);
      expect(stored()).toHaveLength(100);

      fake.clearFaults();
      const rerun = await sink.write(records);
      expect(rerun).toMatchObject({ written: 150, rejected: 0, superseded: 0 });
      expect(stored()).toHaveLength(150);
    });
  });

  describe('Method: write (refused requests)', () => {
    it('throws StoreRequestError naming database and table when the table does not exist', async () => {
      const sink = new TimestreamSink({ client, databaseName: DB, tableNameOf: () => 'missing_table' });
      const error = await sink.write([resultRecord()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect((error as Error).message).toContain('windrow.missing_table');
      expect((error as Error).message).toContain(
        'ResourceNotFoundException: The table missing_table does not exist.',
      );
    });

    it('throws StoreRequestError when the database does not exist', async () => {
      const sink = new TimestreamSink({ client, databaseName: 'nodb', tableNameOf: () => 'tier_1m' });
      const error = await sink.write([resultRecord()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect((error as Error).message).toContain('The database nodb does not exist.');
    });

    it('throws StoreRequestError on a ValidationException, without retrying', async () => {
      const { sink, calls } = faultySink();
      fake.failNext(1, {
        kind: 'error',
        status: 400,
        type: 'ValidationException',
        message: 'Invalid time for record.',
      });
      const error = await sink.write([resultRecord()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect((error as Error).message).toContain('ValidationException: Invalid time for record.');
      expect(calls()).toHaveLength(1);
    });

    it('re-throws an unknown error unchanged', async () => {
      const { sink } = faultySink();
      fake.failNext(1, { kind: 'error', status: 400, type: 'SomethingNewException', message: 'new' });
      const error = await sink.write([resultRecord()]).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(StoreRequestError);
      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).name).toBe('SomethingNewException');
    });
  });

  describe('Method: write (concurrency)', () => {
    it('keeps at most `concurrency` calls in flight', async () => {
      const { sink, calls } = faultySink({ concurrency: 3 });
      fake.responseDelayMs = 15;
      fake.maxInFlight = 0;
      const report = await sink.write(resultRecords(1000));
      expect(report.written).toBe(1000);
      expect(calls()).toHaveLength(10);
      expect(fake.maxInFlight).toBe(3);
    });

    it('stops retrying other calls once one has failed for good', async () => {
      const { sink, calls } = faultySink({ concurrency: 2 });
      fake.failNext(1, { kind: 'error', status: 404, type: 'ResourceNotFoundException', message: 'gone' });
      fake.failNext(50, { kind: 'internal' });
      const error = await sink.write(resultRecords(400)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreRequestError);
      expect(calls().length).toBeLessThanOrEqual(3);
    });
  });
});
