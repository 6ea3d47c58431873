/**
 * One `ResultRecord` → one Timestream multi-measure record, within the record's 2 KB: the
 * dimensions of the attribute policy first (they never depend on the stats), then the stats, then
 * the buckets if they still fit (else `buckets_omitted` = 1), then `overflow_attributes` with as
 * many dropped attributes as fit. The result is checked against the documented rules; a record that
 * breaks one is returned with its problems instead (the sink reports it, it is never sent).
 */
import type { _Record, MeasureValue } from '@aws-sdk/client-timestream-write';
import type { ResultRecord } from '../../app/results.js';
import { DEFAULT_DIMENSION_POLICY, type DimensionPolicy, policyDimensions } from './attribute-policy.js';
import { canonicalJson } from './dimension-values.js';
import { MAX_MEASURE_VALUE_LENGTH, MAX_RECORD_BYTES, utf8Bytes } from './limits.js';
import { bucketsJson, isMeasureName, MEASURES, STATS_MEASURE, statsMeasures } from './measures.js';
import { checkRecord, measureValueBytes, mergeCommonAttributes } from './rules.js';

/** What every record of a call shares: sent once per call as `CommonAttributes`. */
export const COMMON_ATTRIBUTES: _Record = {
  MeasureName: STATS_MEASURE,
  MeasureValueType: 'MULTI',
  TimeUnit: 'MILLISECONDS',
};

/** What the policy did to one record, for the sink's report. */
export interface BuildNotes {
  /** Attributes that are not dimensions (`overflow_count`). */
  readonly overflowAttributes: number;
  /** Of those, how many are in `overflow_attributes`. */
  readonly overflowKept: number;
  readonly cutValues: number;
  readonly bucketsOmitted: boolean;
}

export type BuildResult =
  | { readonly ok: true; readonly record: _Record; readonly notes: BuildNotes }
  | { readonly ok: false; readonly problems: readonly string[] };

export interface BuildOptions {
  readonly policy?: DimensionPolicy;
  /** When set, records more than 15 minutes ahead of it are refused (Timestream would). */
  readonly nowMs?: number;
  /**
   * A superseded result (`ResultSink.supersede`): the record that replaces it at its key, with
   * `superseded` = 1 (readers leave it out) and no stats but a `count` of 0.
   */
  readonly superseded?: boolean;
}

function measureBytes(m: MeasureValue): number {
  return utf8Bytes(m.Name ?? '') + measureValueBytes(m.Type, m.Value ?? '');
}

/**
 * Builds the record Timestream gets for `result` (without the `COMMON_ATTRIBUTES`, sent per call).
 *
 * @example
 * const built = buildTimestreamRecord(result);
 * if (built.ok) send([built.record]); else report(built.problems);
 */
export function buildTimestreamRecord(result: ResultRecord, options: BuildOptions = {}): BuildResult {
  const dims = policyDimensions(result, isMeasureName, options.policy ?? DEFAULT_DIMENSION_POLICY);
  const values = statsMeasures(
    options.superseded ? { count: 0 } : result.stats,
    result.endMs,
    result.version,
  );
  if (options.superseded) values.push({ Name: MEASURES.superseded, Type: 'BIGINT', Value: '1' });
  let size = 8 + utf8Bytes(STATS_MEASURE) + dims.bytes;
  for (const m of values) size += measureBytes(m);
  const fits = (m: MeasureValue) => size + measureBytes(m) <= MAX_RECORD_BYTES;
  const add = (m: MeasureValue) => {
    values.push(m);
    size += measureBytes(m);
  };

  const overflowCount = dims.overflow.length;
  if (overflowCount > 0) add({ Name: MEASURES.overflowCount, Type: 'BIGINT', Value: String(overflowCount) });

  let bucketsOmitted = false;
  const buckets = options.superseded ? undefined : bucketsJson(result.stats);
  if (buckets !== undefined) {
    const measure: MeasureValue = { Name: MEASURES.buckets, Type: 'VARCHAR', Value: buckets };
    if (buckets.length <= MAX_MEASURE_VALUE_LENGTH && fits(measure)) {
      add(measure);
    } else {
      bucketsOmitted = true;
      add({ Name: MEASURES.bucketsOmitted, Type: 'BIGINT', Value: '1' });
    }
  }

  let overflowKept = 0;
  if (overflowCount > 0) {
    const room =
      Math.min(MAX_RECORD_BYTES - size - utf8Bytes(MEASURES.overflowAttributes), MAX_MEASURE_VALUE_LENGTH) -
      2;
    const entries: string[] = [];
    let used = 0;
    for (const { key, value } of dims.overflow) {
      const entry = `${JSON.stringify(key)}:${canonicalJson(value)}`;
      const cost = utf8Bytes(entry) + (entries.length > 0 ? 1 : 0);
      if (used + cost > room) continue;
      entries.push(entry);
      used += cost;
    }
    if (entries.length > 0) {
      overflowKept = entries.length;
      add({ Name: MEASURES.overflowAttributes, Type: 'VARCHAR', Value: `{${entries.join(',')}}` });
    }
  }

  const record: _Record = {
    Dimensions: dims.dimensions,
    MeasureValues: values,
    Time: String(result.startMs),
    Version: result.version,
  };
  const problems = checkRecord(mergeCommonAttributes(COMMON_ATTRIBUTES, record), options.nowMs);
  if (!values.some((m) => m.Name === MEASURES.count)) {
    problems.unshift(`count ${result.stats.count} is not an integer`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    record,
    notes: { overflowAttributes: overflowCount, overflowKept, cutValues: dims.cutValues, bucketsOmitted },
  };
}
