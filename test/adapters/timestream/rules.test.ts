/** The pure checker of Timestream's documented write rules, rule by rule. */
import type { _Record } from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { checkRecord, mergeCommonAttributes, nameProblem, recordBytes } from '#adapters/timestream/rules.js';

/** A valid multi-measure record; `overrides` replace fields. */
function record(overrides: Partial<_Record> = {}): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
    MeasureName: 'stats',
    MeasureValueType: 'MULTI',
    MeasureValues: [
      { Name: 'count', Type: 'BIGINT', Value: '3' },
      { Name: 'avg', Type: 'DOUBLE', Value: '1.5' },
    ],
    Time: '1700000040000',
    TimeUnit: 'MILLISECONDS',
    Version: 1,
    ...overrides,
  };
}

const dims = (...pairs: [string, string][]) => pairs.map(([Name, Value]) => ({ Name, Value }));

describe('Function: nameProblem', () => {
  it.each([
    ['host.name', undefined],
    ['a', undefined],
    ['x'.repeat(60), undefined],
    ['', 'is empty'],
    ['x'.repeat(61), 'is 61 bytes, over 60'],
    ['é'.repeat(31), 'is 62 bytes, over 60'],
    ['k8s:pod', 'contains ":"'],
    ['measure_value::double', 'contains ":"'],
    ['time', 'is reserved'],
    ['Time', 'is reserved'],
    ['measure_name', 'is reserved'],
    ['measure_value', 'is reserved'],
    ['ts_shard', 'starts with reserved prefix "ts_"'],
    ['TS_x', 'starts with reserved prefix "ts_"'],
    ['measure_values', 'starts with reserved prefix "measure_value"'],
  ])('%j → %s', (name, problem) => {
    expect(nameProblem(name, 60)).toBe(problem);
  });
});

describe('Function: recordBytes', () => {
  it('meters time (8), names and values, BIGINT/DOUBLE as 8 bytes, VARCHAR as its UTF-8 bytes', () => {
    const r = record({
      Dimensions: dims(['host', 'h1']),
      MeasureValues: [
        { Name: 'count', Type: 'BIGINT', Value: '123456' },
        { Name: 'b', Type: 'VARCHAR', Value: 'é' },
        { Name: 'ok', Type: 'BOOLEAN', Value: 'true' },
      ],
    });
    expect(recordBytes(r)).toBe(8 + 5 + (4 + 2) + (5 + 8) + (1 + 2) + (2 + 1));
  });
});

describe('Function: checkRecord', () => {
  it('passes a valid record', () => {
    expect(checkRecord(record())).toEqual([]);
  });

  it('refuses more than 128 dimensions', () => {
    const many = Array.from({ length: 129 }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
    expect(checkRecord(record({ Dimensions: many }))).toContain('129 dimensions, over 128');
  });

  it('refuses bad dimension names, repeated names and empty values', () => {
    const problems = checkRecord(
      record({ Dimensions: dims(['a:b', 'v'], ['time', 'v'], ['ts_x', 'v'], ['ok', ''], ['ok', 'v']) }),
    );
    expect(problems).toEqual([
      'dimension name "a:b" contains ":"',
      'dimension name "time" is reserved',
      'dimension name "ts_x" starts with reserved prefix "ts_"',
      'dimension "ok" has an empty value',
      'dimension "ok" appears twice',
    ]);
  });

  it('refuses more than 2 KB of dimension names and values', () => {
    const problems = checkRecord(
      record({ Dimensions: dims(['a', 'x'.repeat(1500)], ['b', 'y'.repeat(600)]) }),
    );
    expect(problems).toContain('dimension names and values are 2102 bytes, over 2048');
  });

  it('refuses records over 2 KB', () => {
    const problems = checkRecord(
      record({
        MeasureValues: [
          { Name: 'count', Type: 'BIGINT', Value: '1' },
          { Name: 'big', Type: 'VARCHAR', Value: 'z'.repeat(2030) },
        ],
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/^record is \d+ bytes, over 2048$/)]);
  });

  it('refuses measure values that are empty, too long, of the wrong shape, or clash with a dimension', () => {
    const problems = checkRecord(
      record({
        MeasureValues: [
          { Name: 'a', Type: 'DOUBLE', Value: 'NaN' },
          { Name: 'b', Type: 'BIGINT', Value: '1.5' },
          { Name: 'c', Type: 'BIGINT', Value: '9223372036854775808' },
          { Name: 'd', Type: 'BOOLEAN', Value: 'yes' },
          { Name: 'e', Type: 'VARCHAR', Value: '' },
          { Name: 'host', Type: 'DOUBLE', Value: '1' },
          { Name: 'a', Type: 'DOUBLE', Value: '1' },
          { Name: 'ts_f', Type: 'DOUBLE', Value: '1' },
        ],
      }),
    );
    expect(problems).toEqual([
      'measure value "a" "NaN" is not a finite DOUBLE',
      'measure value "b" "1.5" is not an integer',
      'measure value "c" "9223372036854775808" is outside int64',
      'measure value "d" "yes" is not a BOOLEAN',
      'measure value "e" is empty',
      '"host" is both a dimension and a measure value',
      'measure value "a" appears twice',
      'measure value name "ts_f" starts with reserved prefix "ts_"',
    ]);
  });

  it('refuses a non-MULTI record, a missing measure list, Version 0 and a bad Time', () => {
    expect(
      checkRecord(record({ MeasureValueType: 'DOUBLE', MeasureValues: [], Version: 0, Time: '1.5' })),
    ).toEqual([
      'MeasureValueType is DOUBLE, not MULTI',
      'no MeasureValues',
      'Version 0 is not an integer ≥ 1',
      'Time "1.5" is not a non-negative integer',
    ]);
  });

  it('refuses a time more than 15 minutes ahead of now, when now is given', () => {
    const r = record({ Time: String(1_000_000 + 15 * 60_000 + 1) });
    expect(checkRecord(r)).toEqual([]);
    expect(checkRecord(r, 1_000_000)).toEqual([expect.stringContaining('more than 15 minutes ahead')]);
    expect(checkRecord(record({ Time: String(1_000_000 + 15 * 60_000) }), 1_000_000)).toEqual([]);
  });
});

describe('Function: mergeCommonAttributes', () => {
  it('puts the common dimensions first and lets the record override scalar fields', () => {
    const merged = mergeCommonAttributes(
      { MeasureName: 'stats', MeasureValueType: 'MULTI', Dimensions: dims(['tenant', 't']) },
      { Dimensions: dims(['host', 'h']), MeasureValues: [], Time: '1' },
    );
    expect(merged).toEqual({
      MeasureName: 'stats',
      MeasureValueType: 'MULTI',
      Dimensions: dims(['tenant', 't'], ['host', 'h']),
      MeasureValues: [],
      Time: '1',
    });
  });
});
