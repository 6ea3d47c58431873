/** ResultRecord → Timestream record: measures, table names, and the 2 KB budget. */
import { describe, expect, it } from 'vitest';
import {
  bigintText,
  bucketsJson,
  isMeasureName,
  percentileMeasureName,
  statsMeasures,
} from '#adapters/timestream/measures.js';
import { buildTimestreamRecord } from '#adapters/timestream/record-builder.js';
import { recordBytes } from '#adapters/timestream/rules.js';
import { timestreamTableName } from '#adapters/timestream/table-name.js';
import { resultRecord, WINDOW_START } from './results.js';

describe('Function: timestreamTableName', () => {
  it.each([
    ['1m', 'tier', 'tier_1m'],
    ['1h', 'tier', 'tier_1h'],
    ['5m/1m', 'sliding', 'sliding_5m_1m'],
    ['session:5m', 'session', 'session_5m'],
    ['30s', 'session', 'session_30s'],
  ] as const)('%s (%s) → %s', (window, kind, table) => {
    expect(timestreamTableName(window, kind)).toBe(table);
  });
});

describe('Function: statsMeasures', () => {
  it('writes count and window_end as BIGINT, the rest as DOUBLE, percentiles in numeric order', () => {
    const values = statsMeasures({ count: 2, max: 1e21, percentiles: { 'p99.9': 3, p9: 1, p50: 2 } }, 60_000);
    expect(values).toEqual([
      { Name: 'count', Type: 'BIGINT', Value: '2' },
      { Name: 'max', Type: 'DOUBLE', Value: '1e+21' },
      { Name: 'p9', Type: 'DOUBLE', Value: '1' },
      { Name: 'p50', Type: 'DOUBLE', Value: '2' },
      { Name: 'p99_9', Type: 'DOUBLE', Value: '3' },
      { Name: 'window_end', Type: 'BIGINT', Value: '60000' },
    ]);
  });

  it('leaves out non-finite doubles and a count that is not an integer', () => {
    expect(statsMeasures({ count: 0.5, sum: Number.NaN, min: Number.POSITIVE_INFINITY }, 1)).toEqual([
      { Name: 'window_end', Type: 'BIGINT', Value: '1' },
    ]);
  });

  it('writes counts beyond 2^53 as exact decimals', () => {
    expect(bigintText(2 ** 60)).toBe('1152921504606846976');
    expect(bigintText(1e21)).toBe('1000000000000000000000');
  });
});

describe('Function: percentileMeasureName / isMeasureName', () => {
  it('maps p99.9 to p99_9 and knows every name windrow measures use', () => {
    expect(percentileMeasureName('p99.9')).toBe('p99_9');
    for (const name of ['count', 'window_end', 'overflow_attributes', 'buckets_omitted', 'p50', 'p99_9']) {
      expect(isMeasureName(name)).toBe(true);
    }
    expect(isMeasureName('host')).toBe(false);
    expect(isMeasureName('p')).toBe(false);
  });
});

describe('Function: bucketsJson', () => {
  it('is undefined without buckets', () => {
    expect(bucketsJson({ count: 1 })).toBeUndefined();
  });
});

describe('Function: buildTimestreamRecord', () => {
  it('sets Time to the window start, Version to the result version', () => {
    const built = buildTimestreamRecord(resultRecord({ version: 9 }));
    expect(built.ok && built.record).toMatchObject({ Time: String(WINDOW_START), Version: 9 });
  });

  it('keeps every record within 2 KB: overflow JSON shrinks to what fits, whole entries only', () => {
    const attributes = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`key${i}`, 'v'.repeat(100)]));
    const built = buildTimestreamRecord(resultRecord({ attributes }));
    if (!built.ok) throw new Error(built.problems.join());
    expect(recordBytes({ ...built.record, MeasureName: 'stats' })).toBeLessThanOrEqual(2048);
    const values = Object.fromEntries((built.record.MeasureValues ?? []).map((m) => [m.Name, m.Value]));
    const overflow = JSON.parse(values.overflow_attributes ?? '') as Record<string, string>;
    expect(Object.keys(overflow).length).toBe(built.notes.overflowKept);
    expect(built.notes.overflowKept).toBeGreaterThan(0);
    expect(built.notes.overflowKept).toBeLessThan(built.notes.overflowAttributes);
    expect(values.overflow_count).toBe(String(built.notes.overflowAttributes));
  });

  it('gives a re-close the same dimensions whatever its stats (buckets or not)', () => {
    const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, 'v'.repeat(40)]));
    const small = buildTimestreamRecord(
      resultRecord({ seriesId: 'a'.repeat(32), attributes, stats: { count: 1 } }),
    );
    const counts = Array.from({ length: 300 }, () => 7);
    const big = buildTimestreamRecord(
      resultRecord({
        seriesId: 'a'.repeat(32),
        attributes,
        version: 2,
        stats: { count: 2100, buckets: { bounds: counts.slice(1).map((_, i) => i), counts } },
      }),
    );
    if (!small.ok || !big.ok) throw new Error('not built');
    expect(big.record.Dimensions).toEqual(small.record.Dimensions);
    expect(big.notes.bucketsOmitted).toBe(true);
  });
});
