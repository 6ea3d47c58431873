/**
 * Rows of a Timestream `Query` answer (`SELECT *` over a results table) → what a result record is
 * made of. Columns are read by `ColumnInfo` name and type, never by position:
 *
 * - `time` (TIMESTAMP, `YYYY-MM-DD HH:MM:SS.fffffffff` in UTC) → the window start;
 * - BIGINT `count`, `window_end` (→ the window end), `overflow_count`, `buckets_omitted`, `superseded`
 *   (a session result another session replaced), and `version` should a table carry one; DOUBLE `sum` `min` `max` `avg` `stddev` `last` `rate` and percentiles
 *   (`p99_9` → `p99.9`); VARCHAR JSON `buckets` and `overflow_attributes` (see `measures.ts`);
 * - every other VARCHAR column is a dimension: `tenant`, `metric`, `unit`, `series_id`, point
 *   attributes, `resource.<key>`. Dimension columns are always VARCHAR, measures never collide with
 *   them by name (the namer keeps measure names out), so the split is unambiguous.
 *
 * `{NullValue: true}` is a column the record does not have (a measure of another kind, a dimension
 * of another series): left out. A value that does not parse as its type throws `StateCodecError`.
 */
import type { ColumnInfo, Datum, Row } from '@aws-sdk/client-timestream-query';
import type { FinalBuckets, FinalExpBuckets, FinalStats } from '../../core/aggregate/contract.js';
import { StateCodecError } from '../../core/errors.js';
import type { Attributes, AttributeValue } from '../../core/point.js';
import { FIXED_DIMENSIONS } from './attribute-policy.js';
import { RESOURCE_PREFIX } from './dimension-names.js';
import { MEASURES } from './measures.js';

/** One `stats` record as read back, before the series catalog names its attributes. */
export interface StatsRow {
  readonly seriesId: string;
  readonly tenant: string;
  readonly metric: string;
  /** `""` when the record has no `unit` dimension (the sink leaves empty values out). */
  readonly unit: string;
  readonly startMs: number;
  /** `window_end`, or undefined when the record has none. */
  readonly endMs: number | undefined;
  /** A `version` measure when the table has one, else undefined (Timestream does not return `Version`). */
  readonly version: number | undefined;
  readonly stats: FinalStats;
  /** Dimensions other than the fixed four, by column name. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** `overflow_attributes` decoded: attribute key (`resource.<key>` for resources) → original value. */
  readonly overflow: Readonly<Record<string, AttributeValue>>;
  /** `buckets_omitted` = 1: the record had buckets that did not fit. */
  readonly bucketsOmitted: boolean;
  /** `superseded` = 1: a session result another session replaced (readers leave it out). */
  readonly superseded: boolean;
}

const DOUBLE_STATS = {
  [MEASURES.sum]: 'sum',
  [MEASURES.min]: 'min',
  [MEASURES.max]: 'max',
  [MEASURES.avg]: 'avg',
  [MEASURES.stddev]: 'stddev',
  [MEASURES.last]: 'last',
  [MEASURES.rate]: 'rate',
} as const satisfies Record<string, keyof FinalStats>;

/** Percentile measure names (`p50`, `p99_9`), as `measures.ts` writes them. */
const PERCENTILE_MEASURE = /^p\d+(_\d+)*$/;

/** VARCHAR columns that are measures, not dimensions. */
const VARCHAR_MEASURES: ReadonlySet<string> = new Set([
  MEASURES.buckets,
  MEASURES.overflowAttributes,
  'measure_name',
]);

const FIXED: ReadonlySet<string> = new Set(Object.values(FIXED_DIMENSIONS));

/** The column `version`, read when a table has it as BIGINT (a dimension would be VARCHAR). */
export const VERSION_COLUMN = 'version';

/**
 * The percentile key of a percentile measure name: `_` back to `.`.
 *
 * @example percentileKey('p99_9') // 'p99.9'
 */
export function percentileKey(measureName: string): string {
  return measureName.replaceAll('_', '.');
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * A Timestream TIMESTAMP (`2020-06-05 15:15:51.000000000`, UTC, nanoseconds) → epoch milliseconds
 * (sub-millisecond digits dropped, as `from_milliseconds` never writes them).
 *
 * @example parseTimestamp('2023-11-14 22:14:00.000000000') // 1700000040000
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  // Date.UTC maps years 0–99 to 1900–1999; Timestream times are after 1970, so refuse those.
  if (Number(y) < 1970) return undefined;
  return ms + Number(frac.padEnd(3, '0').slice(0, 3));
}

function bigint(text: string, column: string): number {
  if (!/^-?\d+$/.test(text))
    throw new StateCodecError(`column ${column}: ${JSON.stringify(text)} is not a BIGINT`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new StateCodecError(`column ${column}: ${text} is beyond a safe integer`);
  }
  return value;
}

function double(text: string, column: string): number | undefined {
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    if (text === 'NaN') return undefined;
    throw new StateCodecError(`column ${column}: ${JSON.stringify(text)} is not a DOUBLE`);
  }
  // FinalStats never holds non-finite numbers: ±Infinity is left out like NaN.
  return Number.isFinite(value) ? value : undefined;
}

function json(text: string, column: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateCodecError(`column ${column} is not JSON`, { cause: error });
  }
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number' && Number.isFinite(n));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expSide(value: unknown): { offset: number; counts: number[] } | undefined {
  if (!isRecord(value) || typeof value.offset !== 'number' || !isNumberArray(value.counts)) return undefined;
  return { offset: value.offset, counts: value.counts };
}

/** The `buckets` measure back into `FinalStats` fields (see `bucketsJson`). */
export function parseBuckets(text: string): { buckets: FinalBuckets } | { expBuckets: FinalExpBuckets } {
  const value = json(text, MEASURES.buckets);
  if (isRecord(value)) {
    if (isNumberArray(value.bounds) && isNumberArray(value.counts)) {
      return { buckets: { bounds: value.bounds, counts: value.counts } };
    }
    const positive = expSide(value.positive);
    const negative = expSide(value.negative);
    if (
      typeof value.scale === 'number' &&
      typeof value.zeroCount === 'number' &&
      positive !== undefined &&
      negative !== undefined
    ) {
      return { expBuckets: { scale: value.scale, zeroCount: value.zeroCount, positive, negative } };
    }
  }
  throw new StateCodecError(`column ${MEASURES.buckets} is neither explicit nor exponential buckets`);
}

function isAttributeValue(value: unknown): value is AttributeValue {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isAttributeValue);
  if (isRecord(value)) return Object.values(value).every(isAttributeValue);
  return false;
}

function parseOverflow(text: string): Record<string, AttributeValue> {
  const value = json(text, MEASURES.overflowAttributes);
  if (!isRecord(value) || !isAttributeValue(value)) {
    throw new StateCodecError(`column ${MEASURES.overflowAttributes} is not a JSON object of attributes`);
  }
  return value as Record<string, AttributeValue>;
}

/** The scalar type of a column, or undefined for complex types (arrays, rows, time series). */
function scalarType(column: ColumnInfo): string | undefined {
  return column.Type?.ScalarType;
}

/**
 * The `stats` rows of one page. Columns are matched to `columns` by position, as Timestream sends them.
 *
 * @throws StateCodecError for a row that lacks `time` or `series_id`, or holds a value its type cannot
 * be read as (the table was not written by `TimestreamSink`)
 */
export function parseRows(columns: readonly ColumnInfo[], rows: readonly Row[]): StatsRow[] {
  return rows.map((row, index) => parseRow(columns, row, index));
}

function parseRow(columns: readonly ColumnInfo[], row: Row, index: number): StatsRow {
  const data: readonly Datum[] = row.Data ?? [];
  if (data.length !== columns.length) {
    throw new StateCodecError(`row ${index} has ${data.length} values for ${columns.length} columns`);
  }
  let startMs: number | undefined;
  let endMs: number | undefined;
  let version: number | undefined;
  let count: number | undefined;
  let bucketsOmitted = false;
  let superseded = false;
  let overflow: Record<string, AttributeValue> = {};
  const stats: FinalStats = { count: 0 };
  const percentiles: Record<string, number> = {};
  const dimensions: Record<string, string> = {};
  const fixed: Record<string, string> = {};

  columns.forEach((column, i) => {
    const datum = data[i];
    const name = column.Name ?? '';
    if (datum === undefined || datum.NullValue === true || datum.ScalarValue === undefined) return;
    const text = datum.ScalarValue;
    const type = scalarType(column);
    if (type === 'TIMESTAMP') {
      if (name !== 'time') return;
      startMs = parseTimestamp(text);
      if (startMs === undefined) {
        throw new StateCodecError(`row ${index}: time ${JSON.stringify(text)} is not a Timestream TIMESTAMP`);
      }
    } else if (type === 'BIGINT') {
      if (name === MEASURES.count) count = bigint(text, name);
      else if (name === MEASURES.windowEnd) endMs = bigint(text, name);
      else if (name === MEASURES.bucketsOmitted) bucketsOmitted = bigint(text, name) !== 0;
      else if (name === MEASURES.superseded) superseded = bigint(text, name) !== 0;
      else if (name === VERSION_COLUMN) version = bigint(text, name);
    } else if (type === 'DOUBLE') {
      const stat = DOUBLE_STATS[name as keyof typeof DOUBLE_STATS];
      const value = double(text, name);
      if (value === undefined) return;
      if (stat !== undefined) stats[stat] = value;
      else if (PERCENTILE_MEASURE.test(name)) percentiles[percentileKey(name)] = value;
    } else if (type === 'VARCHAR') {
      if (name === MEASURES.buckets) Object.assign(stats, parseBuckets(text));
      else if (name === MEASURES.overflowAttributes) overflow = parseOverflow(text);
      else if (VARCHAR_MEASURES.has(name)) return;
      else if (FIXED.has(name)) fixed[name] = text;
      else dimensions[name] = text;
    }
  });

  const seriesId = fixed[FIXED_DIMENSIONS.seriesId];
  if (startMs === undefined || seriesId === undefined) {
    throw new StateCodecError(`row ${index} lacks ${startMs === undefined ? 'time' : 'series_id'}`);
  }
  if (count === undefined) throw new StateCodecError(`row ${index} (series ${seriesId}) lacks count`);
  stats.count = count;
  if (Object.keys(percentiles).length > 0) stats.percentiles = percentiles;
  return {
    seriesId,
    tenant: fixed[FIXED_DIMENSIONS.tenant] ?? '',
    metric: fixed[FIXED_DIMENSIONS.metric] ?? '',
    unit: fixed[FIXED_DIMENSIONS.unit] ?? '',
    startMs,
    endMs,
    version,
    stats,
    dimensions,
    overflow,
    bucketsOmitted,
    superseded,
  };
}

/**
 * Attributes and resource from a row's own dimensions (when the series catalog does not know the
 * series): `resource.<key>` columns are resource attributes, the others point attributes, plus the
 * attributes the policy kept in `overflow_attributes`. Names the sink rewrote (`http_route_1a2b3c4d`)
 * and values it cut (`…~1a2b3c4d`) stay as stored: only the catalog has the originals.
 */
export function attributesFromDimensions(row: StatsRow): { attributes: Attributes; resource: Attributes } {
  const attributes: Record<string, AttributeValue> = {};
  const resource: Record<string, AttributeValue> = {};
  const put = (key: string, value: AttributeValue) => {
    if (key.startsWith(RESOURCE_PREFIX)) resource[key.slice(RESOURCE_PREFIX.length)] = value;
    else attributes[key] = value;
  };
  for (const [name, value] of Object.entries(row.dimensions)) put(name, value);
  for (const [key, value] of Object.entries(row.overflow)) put(key, value);
  return { attributes, resource };
}
