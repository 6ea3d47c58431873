/**
 * Timestream's documented write rules as one pure checker (see `limits.ts` for the numbers and
 * sources). The sink runs every record it builds through `checkRecord` before sending it, so a record
 * Timestream would refuse is reported as a rejection up front instead of failing a whole call; the
 * property tests check that the attribute policy only ever produces records that pass.
 */
import type { _Record, MeasureValue } from '@aws-sdk/client-timestream-write';
import {
  MAX_DIMENSION_NAME_BYTES,
  MAX_DIMENSION_PAIRS_BYTES,
  MAX_DIMENSIONS,
  MAX_FUTURE_MS,
  MAX_MEASURE_NAME_BYTES,
  MAX_MEASURE_VALUE_LENGTH,
  MAX_MEASURES_PER_RECORD,
  MAX_RECORD_BYTES,
  MEASURE_VALUE_TYPES,
  RESERVED_NAMES,
  RESERVED_PREFIXES,
  utf8Bytes,
} from './limits.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Why `name` cannot name a dimension or a measure value, or undefined when it can: 1–`maxBytes`
 * bytes, no `:`, not a reserved name, no reserved prefix (both case-insensitive).
 *
 * @example
 * nameProblem('host.name', 60);    // undefined
 * nameProblem('ts_shard', 60);     // 'starts with reserved prefix "ts_"'
 */
export function nameProblem(name: string, maxBytes: number): string | undefined {
  const bytes = utf8Bytes(name);
  if (bytes === 0) return 'is empty';
  if (bytes > maxBytes) return `is ${bytes} bytes, over ${maxBytes}`;
  if (name.includes(':')) return 'contains ":"';
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.has(lower)) return 'is reserved';
  for (const prefix of RESERVED_PREFIXES) {
    if (lower.startsWith(prefix)) return `starts with reserved prefix "${prefix}"`;
  }
  return undefined;
}

/** Why `name` cannot name a dimension, or undefined. */
export function dimensionNameProblem(name: string): string | undefined {
  return nameProblem(name, MAX_DIMENSION_NAME_BYTES);
}

/** Why `name` cannot name a measure (or a value of a multi-measure record), or undefined. */
export function measureNameProblem(name: string): string | undefined {
  return nameProblem(name, MAX_MEASURE_NAME_BYTES);
}

/** Bytes a measure value counts for in the record size (see `MAX_RECORD_BYTES`). */
export function measureValueBytes(type: string | undefined, value: string): number {
  if (type === 'BOOLEAN') return 1;
  if (type === 'VARCHAR') return utf8Bytes(value);
  return 8;
}

/** A record's size as Timestream meters it (time, dimensions, measure name, measure values). */
export function recordBytes(record: _Record): number {
  let bytes = 8 + utf8Bytes(record.MeasureName ?? '');
  for (const d of record.Dimensions ?? []) bytes += utf8Bytes(d.Name ?? '') + utf8Bytes(d.Value ?? '');
  if (record.MeasureValues !== undefined) {
    for (const m of record.MeasureValues) {
      bytes += utf8Bytes(m.Name ?? '') + measureValueBytes(m.Type, m.Value ?? '');
    }
  } else if (record.MeasureValue !== undefined) {
    bytes += measureValueBytes(record.MeasureValueType, record.MeasureValue);
  }
  return bytes;
}

function valueProblem(m: MeasureValue): string | undefined {
  const value = m.Value ?? '';
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_MEASURE_VALUE_LENGTH)
    return `is ${value.length} characters, over ${MAX_MEASURE_VALUE_LENGTH}`;
  switch (m.Type) {
    case 'DOUBLE':
      return value.trim() !== '' && Number.isFinite(Number(value))
        ? undefined
        : `"${value}" is not a finite DOUBLE`;
    case 'BIGINT':
    case 'TIMESTAMP': {
      if (!/^-?\d+$/.test(value)) return `"${value}" is not an integer`;
      const n = BigInt(value);
      return n >= INT64_MIN && n <= INT64_MAX ? undefined : `"${value}" is outside int64`;
    }
    case 'BOOLEAN':
      return value === 'true' || value === 'false' ? undefined : `"${value}" is not a BOOLEAN`;
    case 'VARCHAR':
      return undefined;
    default:
      return `has type ${String(m.Type)}, not one of ${[...MEASURE_VALUE_TYPES].join(', ')}`;
  }
}

/**
 * Every documented rule a multi-measure record breaks (empty when it is valid): dimensions (count,
 * names, non-empty unique values, the per-series size), measure names and values, the record size,
 * `Version` ≥ 1, an integer `Time`, and, when `nowMs` is given, no time more than 15 minutes ahead.
 * `record` is what Timestream sees, i.e. the record merged with the call's CommonAttributes.
 *
 * @example
 * checkRecord({ Dimensions: [{ Name: 'time', Value: 'x' }], MeasureName: 'stats', ... });
 * // → ['dimension "time" is reserved', ...]
 */
export function checkRecord(record: _Record, nowMs?: number): string[] {
  const problems: string[] = [];
  const dimensions = record.Dimensions ?? [];
  if (dimensions.length > MAX_DIMENSIONS) {
    problems.push(`${dimensions.length} dimensions, over ${MAX_DIMENSIONS}`);
  }
  const dimensionNames = new Set<string>();
  let pairBytes = 0;
  for (const d of dimensions) {
    const name = d.Name ?? '';
    const problem = dimensionNameProblem(name);
    if (problem !== undefined) problems.push(`dimension name "${name}" ${problem}`);
    if (dimensionNames.has(name)) problems.push(`dimension "${name}" appears twice`);
    dimensionNames.add(name);
    if (d.DimensionValueType !== undefined && d.DimensionValueType !== 'VARCHAR') {
      problems.push(`dimension "${name}" has type ${d.DimensionValueType}, not VARCHAR`);
    }
    if ((d.Value ?? '') === '') problems.push(`dimension "${name}" has an empty value`);
    pairBytes += utf8Bytes(name) + utf8Bytes(d.Value ?? '');
  }
  if (pairBytes > MAX_DIMENSION_PAIRS_BYTES) {
    problems.push(`dimension names and values are ${pairBytes} bytes, over ${MAX_DIMENSION_PAIRS_BYTES}`);
  }

  const measureName = record.MeasureName ?? '';
  const measureProblem = measureNameProblem(measureName);
  if (measureProblem !== undefined) problems.push(`measure name "${measureName}" ${measureProblem}`);
  if (record.MeasureValueType !== 'MULTI') {
    problems.push(`MeasureValueType is ${String(record.MeasureValueType)}, not MULTI`);
  }
  if (record.MeasureValue !== undefined) problems.push('MeasureValue is set on a MULTI record');
  const values = record.MeasureValues ?? [];
  if (values.length === 0) problems.push('no MeasureValues');
  if (values.length > MAX_MEASURES_PER_RECORD) {
    problems.push(`${values.length} measure values, over ${MAX_MEASURES_PER_RECORD}`);
  }
  const valueNames = new Set<string>();
  for (const m of values) {
    const name = m.Name ?? '';
    const problem = measureNameProblem(name);
    if (problem !== undefined) problems.push(`measure value name "${name}" ${problem}`);
    if (valueNames.has(name)) problems.push(`measure value "${name}" appears twice`);
    if (dimensionNames.has(name)) problems.push(`"${name}" is both a dimension and a measure value`);
    valueNames.add(name);
    const vp = valueProblem(m);
    if (vp !== undefined) problems.push(`measure value "${name}" ${vp}`);
  }

  const size = recordBytes(record);
  if (size > MAX_RECORD_BYTES) problems.push(`record is ${size} bytes, over ${MAX_RECORD_BYTES}`);

  const version = record.Version;
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) {
    problems.push(`Version ${version} is not an integer ≥ 1`);
  }
  const time = record.Time ?? '';
  if (!/^\d+$/.test(time)) {
    problems.push(`Time "${time}" is not a non-negative integer`);
  } else if (
    nowMs !== undefined &&
    record.TimeUnit === 'MILLISECONDS' &&
    Number(time) > nowMs + MAX_FUTURE_MS
  ) {
    problems.push(`Time ${time} is more than 15 minutes ahead of now (${nowMs})`);
  }
  return problems;
}

/**
 * A record as Timestream sees it: `common` (a call's CommonAttributes) merged under `record`
 * (dimensions concatenated, the record's own fields winning).
 */
export function mergeCommonAttributes(common: _Record | undefined, record: _Record): _Record {
  if (common === undefined) return record;
  return {
    ...common,
    ...record,
    Dimensions: [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])],
    ...(common.MeasureValues !== undefined || record.MeasureValues !== undefined
      ? { MeasureValues: [...(common.MeasureValues ?? []), ...(record.MeasureValues ?? [])] }
      : {}),
  };
}
