/**
 * The fake Timestream endpoint itself, driven by the real SDK with hand-made records: the rules it
 * enforces and the exception shapes the SDK reads back (so sink tests can trust what it answers).
 */
import {
  type _Record,
  RejectedRecordsException,
  ResourceNotFoundException,
  ThrottlingException,
  type TimestreamWriteClient,
  ValidationException,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTimestream, fakeTimestreamClient, startFakeTimestream } from './fake-timestream.js';

const DB = 'db';
const NOW = 1_700_000_000_000;
let fake: FakeTimestream;
let client: TimestreamWriteClient;
let tableCounter = 0;

beforeAll(async () => {
  fake = await startFakeTimestream({ now: () => NOW });
  client = fakeTimestreamClient(fake);
});
afterAll(async () => {
  client.destroy();
  await fake.stop();
});

function table(options: { memoryStoreRetentionMs?: number } = {}): string {
  const name = `fake${++tableCounter}`;
  fake.createTable(DB, name, options);
  return name;
}

function rec(overrides: Partial<_Record> = {}, value = '1'): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: 'h1' }],
    MeasureName: 'stats',
    MeasureValueType: 'MULTI',
    MeasureValues: [{ Name: 'v', Type: 'DOUBLE', Value: value }],
    Time: String(NOW - 60_000),
    TimeUnit: 'MILLISECONDS',
    Version: 1,
    ...overrides,
  };
}

const write = (input: Partial<WriteRecordsCommandInput> & { TableName: string }) =>
  client.send(new WriteRecordsCommand({ DatabaseName: DB, Records: [rec()], ...input }));

async function rejectionsOf(t: string, records: _Record[]) {
  const error = await write({ TableName: t, Records: records }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RejectedRecordsException);
  expect((error as RejectedRecordsException).$metadata.httpStatusCode).toBe(419);
  return (error as RejectedRecordsException).RejectedRecords ?? [];
}

describe('Class: FakeTimestream', () => {
  it('stores a valid call and answers RecordsIngested', async () => {
    const t = table();
    const out = await write({
      TableName: t,
      Records: [rec(), rec({ Dimensions: [{ Name: 'host', Value: 'h2' }] })],
    });
    expect(out.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
    expect(fake.stored(DB, t)).toHaveLength(2);
  });

  it('refuses more than 100 records with a ValidationException, storing nothing', async () => {
    const t = table();
    const records = Array.from({ length: 101 }, (_, i) =>
      rec({ Dimensions: [{ Name: 'i', Value: String(i) }] }),
    );
    const error = await write({ TableName: t, Records: records }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toContain('less than or equal to 100');
    expect(fake.stored(DB, t)).toEqual([]);
  });

  it('refuses a dimension name over 60 bytes and CommonAttributes dimensions that a record repeats', async () => {
    const t = table();
    await expect(
      write({ TableName: t, Records: [rec({ Dimensions: [{ Name: 'x'.repeat(61), Value: 'v' }] })] }),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      write({
        TableName: t,
        CommonAttributes: { Dimensions: [{ Name: 'host', Value: 'c' }] },
        Records: [rec()],
      }),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('answers ResourceNotFoundException for an unknown table or database', async () => {
    const error = await write({ TableName: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe('The table nope does not exist.');
    await expect(
      client.send(new WriteRecordsCommand({ DatabaseName: 'nodb', TableName: 'x', Records: [rec()] })),
    ).rejects.toThrow('The database nodb does not exist.');
  });

  it('rejects records that break a rule and stores the others of the call', async () => {
    const t = table();
    const rejected = await rejectionsOf(t, [
      rec({ Dimensions: [{ Name: 'time', Value: 'x' }] }),
      rec({ Dimensions: [{ Name: 'a:b', Value: 'x' }] }),
      rec({ Dimensions: [{ Name: 'TS_x', Value: 'x' }] }),
      rec({ Dimensions: [{ Name: 'host', Value: '' }] }),
      rec({ Dimensions: [{ Name: 'host', Value: 'x'.repeat(2045) }] }),
      rec({ MeasureValues: [{ Name: 'v', Type: 'VARCHAR', Value: 'x'.repeat(2040) }] }),
      rec({ MeasureValues: [{ Name: 'measure_value::double', Type: 'DOUBLE', Value: '1' }] }),
      rec({ MeasureValues: [{ Name: 'host', Type: 'DOUBLE', Value: '1' }] }),
      rec({ Dimensions: [{ Name: 'ok', Value: 'stored' }] }),
    ]);
    expect(rejected.map((r) => r.RecordIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rejected.map((r) => r.Reason)).toEqual([
      expect.stringContaining('reserved'),
      expect.stringContaining('":"'),
      expect.stringContaining('reserved prefix'),
      expect.stringContaining('empty value'),
      expect.stringContaining('per series'),
      expect.stringContaining('maximum record size'),
      expect.stringContaining('":"'),
      expect.stringContaining('is a dimension'),
    ]);
    expect(fake.stored(DB, t).map((r) => r.dimensions)).toEqual([{ ok: 'stored' }]);
  });

  it('keeps a measure at the type of its first write and a table at 128 dimension names', async () => {
    const t = table();
    await write({ TableName: t });
    const [typeMismatch] = await rejectionsOf(t, [
      rec({ MeasureValues: [{ Name: 'v', Type: 'BIGINT', Value: '1' }] }),
    ]);
    expect(typeMismatch?.Reason).toContain('has type BIGINT, but the table has it as DOUBLE');

    const wide = (from: number) =>
      rec({ Dimensions: Array.from({ length: 100 }, (_, i) => ({ Name: `d${from + i}`, Value: 'v' })) });
    await write({ TableName: t, Records: [wide(0)] });
    const [tooMany] = await rejectionsOf(t, [wide(100)]);
    expect(tooMany?.Reason).toContain('over the 128 allowed per table');
  });

  it('rejects times outside the memory store with the range in the reason', async () => {
    const t = table({ memoryStoreRetentionMs: 3_600_000 });
    const [old] = await rejectionsOf(t, [rec({ Time: String(NOW - 7_200_000) })]);
    expect(old?.Reason).toBe(
      'The record timestamp is outside the time range [2023-11-14T21:13:20.000Z, 2023-11-14T22:28:20.000Z) of the memory store.',
    );
    const [future] = await rejectionsOf(t, [rec({ Time: String(NOW + 16 * 60_000) })]);
    expect(future?.Reason).toContain('outside the time range');
  });

  it('keys records by dimensions, measure name and time, and applies versions', async () => {
    const t = table();
    const twoDims = [
      { Name: 'host', Value: 'h1' },
      { Name: 'az', Value: 'a' },
    ];
    const rec2 = (version: number, value: string, dims = twoDims) =>
      rec({ Version: version, Dimensions: dims }, value);
    await write({ TableName: t, Records: [rec2(2, '1')] });
    // same values, same version: idempotent
    await write({ TableName: t, Records: [rec2(2, '1')] });
    // same key in another dimension order is the same record
    await write({
      TableName: t,
      Records: [rec2(2, '1', [...twoDims].reverse())],
    });
    const [equal] = await rejectionsOf(t, [rec2(2, '5')]);
    expect(equal).toEqual({
      RecordIndex: 0,
      Reason:
        'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
      ExistingVersion: 2,
    });
    const [lower] = await rejectionsOf(t, [rec2(1, '1')]);
    expect(lower).toEqual({
      RecordIndex: 0,
      Reason:
        'The record version 1 is lower than the existing version 2. A higher version is required to update the measure value.',
      ExistingVersion: 2,
    });
    await write({ TableName: t, Records: [rec2(3, '9')] });
    expect(fake.stored(DB, t)).toEqual([
      expect.objectContaining({ version: 3, measures: { v: { type: 'DOUBLE', value: '9' } } }),
    ]);
  });

  it('injects throttling and 500s the SDK reads as ThrottlingException and InternalServerException', async () => {
    const t = table();
    fake.throttleNext(1);
    fake.failNext(1, { kind: 'internal' });
    await expect(write({ TableName: t })).rejects.toBeInstanceOf(ThrottlingException);
    await expect(write({ TableName: t })).rejects.toMatchObject({
      name: 'InternalServerException',
      $fault: 'server',
    });
    await write({ TableName: t });
    expect(fake.calls.filter((c) => c.table === t).map((c) => c.status)).toEqual([400, 500, 200]);
  });
});
