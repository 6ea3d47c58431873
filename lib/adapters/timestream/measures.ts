/**
 * Finalized stats → the values of one multi-measure record (`MeasureName` `stats`). A measure's
 * type is fixed per table by its first write, so each name always has the same type: `count`,
 * `window_end`, `version`, `overflow_count`, `buckets_omitted`, `superseded` BIGINT; `sum`, `min`, `max`, `avg`, `stddev`,
 * `last`, `rate` and the percentiles (`p50`, `p99_9` for `p99.9`) DOUBLE; `buckets` and
 * `overflow_attributes` VARCHAR (compact JSON). Stats a kind does not have are left out, never 0.
 */
import type { MeasureValue } from '@aws-sdk/client-timestream-write';
import type { FinalStats } from '../../core/aggregate/contract.js';

/** The one measure name of every result record. */
export const STATS_MEASURE = 'stats';

export const MEASURES = {
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  avg: 'avg',
  stddev: 'stddev',
  last: 'last',
  rate: 'rate',
  windowEnd: 'window_end',
  version: 'version',
  buckets: 'buckets',
  bucketsOmitted: 'buckets_omitted',
  overflowAttributes: 'overflow_attributes',
  overflowCount: 'overflow_count',
  /** 1 on a session result another session replaced (written again with a higher version). */
  superseded: 'superseded',
} as const;

const FIXED_MEASURE_NAMES: ReadonlySet<string> = new Set(Object.values(MEASURES));

/** `p50`, `p99_9`, …: the names percentile measures may take (any such name is kept from attributes). */
const PERCENTILE_NAME = /^p\d+(_\d+)*$/;

/**
 * True when windrow's measures use (or may use) `lowerCaseName`, so no dimension may take it.
 *
 * @example
 * isMeasureName('count'); // true
 * isMeasureName('p99_9'); // true
 * isMeasureName('host');  // false
 */
export function isMeasureName(lowerCaseName: string): boolean {
  return FIXED_MEASURE_NAMES.has(lowerCaseName) || PERCENTILE_NAME.test(lowerCaseName);
}

/**
 * The measure name of a percentile key: characters other than letters, digits and `_` become `_`.
 *
 * @example
 * percentileMeasureName('p99.9'); // 'p99_9'
 */
export function percentileMeasureName(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A BIGINT value: the exact decimal of an integer, or undefined for anything else. */
export function bigintText(value: number): string | undefined {
  if (!Number.isInteger(value)) return undefined;
  return BigInt(value).toString();
}

function double(name: string, value: number | undefined): MeasureValue[] {
  if (value === undefined || !Number.isFinite(value)) return [];
  return [{ Name: name, Type: 'DOUBLE', Value: String(value) }];
}

/**
 * The stats measures of a result (everything but buckets and overflow), in a fixed order.
 * A count that is not an integer is left out (the rule checker then refuses the record: `count` is
 * required), as are non-finite doubles (which `FinalStats` promises never to hold).
 */
export function statsMeasures(stats: FinalStats, windowEndMs: number, version?: number): MeasureValue[] {
  const values: MeasureValue[] = [];
  const count = bigintText(stats.count);
  if (count !== undefined) values.push({ Name: MEASURES.count, Type: 'BIGINT', Value: count });
  values.push(
    ...double(MEASURES.sum, stats.sum),
    ...double(MEASURES.min, stats.min),
    ...double(MEASURES.max, stats.max),
    ...double(MEASURES.avg, stats.avg),
    ...double(MEASURES.stddev, stats.stddev),
    ...double(MEASURES.last, stats.last),
    ...double(MEASURES.rate, stats.rate),
  );
  const percentiles = stats.percentiles ?? {};
  for (const key of Object.keys(percentiles).sort(comparePercentileKeys)) {
    values.push(...double(percentileMeasureName(key), percentiles[key]));
  }
  const end = bigintText(windowEndMs);
  if (end !== undefined) values.push({ Name: MEASURES.windowEnd, Type: 'BIGINT', Value: end });
  // Also a measure: Timestream keeps the record `Version` but never returns it to queries.
  const v = version === undefined ? undefined : bigintText(version);
  if (v !== undefined) values.push({ Name: MEASURES.version, Type: 'BIGINT', Value: v });
  return values;
}

/** `p50` < `p90` < `p99` < `p99.9`: by the number, then by the key. */
function comparePercentileKeys(a: string, b: string): number {
  const na = Number(a.slice(1));
  const nb = Number(b.slice(1));
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The histogram buckets of a result as compact JSON, or undefined when it has none:
 * `{"bounds":[…],"counts":[…]}` (explicit) or `{"scale":…,"zeroCount":…,"positive":{…},"negative":{…}}`
 * (exponential, OTLP layout).
 */
export function bucketsJson(stats: FinalStats): string | undefined {
  if (stats.buckets !== undefined) {
    return JSON.stringify({ bounds: stats.buckets.bounds, counts: stats.buckets.counts });
  }
  if (stats.expBuckets !== undefined) {
    const { scale, zeroCount, positive, negative } = stats.expBuckets;
    return JSON.stringify({
      scale,
      zeroCount,
      positive: { offset: positive.offset, counts: positive.counts },
      negative: { offset: negative.offset, counts: negative.counts },
    });
  }
  return undefined;
}
