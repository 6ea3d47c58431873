/**
 * Timestream for LiveAnalytics write limits, as documented (developer guide "Quotas"
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html, and the API reference
 * of `Record`, `Dimension`, `MeasureValue`, `RejectedRecord`). One place, so the rule checker, the
 * attribute policy and the record builder agree on every number. Sizes are UTF-8 bytes.
 */

/** Records per WriteRecords call (API reference: `Records`, 1–100 items). */
export const MAX_RECORDS_PER_WRITE = 100;

/** Dimension name length: 1–60 bytes (quotas: "Dimension name length"). */
export const MAX_DIMENSION_NAME_BYTES = 60;

/** Dimensions per record (API reference: `Record.Dimensions`, at most 128) and per table (quotas). */
export const MAX_DIMENSIONS = 128;

/** Dimension names plus values of one series, summed (quotas: "Dimension name dimension value pair size per series"). */
export const MAX_DIMENSION_PAIRS_BYTES = 2048;

/**
 * Maximum record size (quotas: "Maximum record size", 2 KB), counted as the metering guide sizes an
 * event: 8 bytes of time, dimension names and values, the measure name, measure value names, and
 * each value as 8 bytes (BIGINT, DOUBLE, TIMESTAMP), 1 byte (BOOLEAN) or its UTF-8 bytes (VARCHAR).
 */
export const MAX_RECORD_BYTES = 2048;

/** Measure name length, also of the names inside a multi-measure record: 1–256 bytes. */
export const MAX_MEASURE_NAME_BYTES = 256;

/** `MeasureValue.Value`: 1–2048 characters. */
export const MAX_MEASURE_VALUE_LENGTH = 2048;

/** Measures per multi-measure record. */
export const MAX_MEASURES_PER_RECORD = 256;

/** Timestream takes data up to 15 minutes ahead of its clock (quotas: "Future ingestion period"). */
export const MAX_FUTURE_MS = 15 * 60_000;

/**
 * Names no dimension or measure may take (system columns of every table). Compared case-insensitively
 * here, which is stricter than Timestream, so a `Time` attribute can never shadow `time` in SQL.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['measure_name', 'measure_value', 'time']);

/** Prefixes no dimension or measure name may start with (`ts_…` system identifiers, `measure_value::…`). */
export const RESERVED_PREFIXES: readonly string[] = ['ts_', 'measure_value'];

/** Multi-measure value types WriteRecords accepts. */
export const MEASURE_VALUE_TYPES: ReadonlySet<string> = new Set([
  'DOUBLE',
  'BIGINT',
  'VARCHAR',
  'BOOLEAN',
  'TIMESTAMP',
]);

/** UTF-8 byte length of a string (what every Timestream size limit counts). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
