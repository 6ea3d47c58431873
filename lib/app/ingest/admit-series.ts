/**
 * Ingest step 2: admit the series the catalog can hold. A series whose identity is too long for a
 * catalog item (DynamoDB's 400 KB) or holds an unpaired UTF-16 surrogate (not Unicode text; DynamoDB
 * stores UTF-8) is refused with its points; the others are described for the catalog.
 */
import { type Rejections, RejectReason, reject } from '../../core/point.js';
import type { SeriesWindowState } from '../../core/preaggregate/preaggregate.js';
import type { ShardGroup } from '../../core/window/shard-layout.js';
import type { SeriesMeta } from '../ports.js';

/**
 * Longest series identity (canonical resource + scope + metric + attributes) accepted: its catalog
 * item must stay under DynamoDB's 400 KB item limit with room for the JSON encoding.
 */
export const MAX_SERIES_IDENTITY_CHARS = 200_000;

/**
 * An unpaired UTF-16 surrogate as `JSON.stringify` writes it in canonical keys (`\ud800`, after an
 * even run of backslashes).
 */
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/**
 * Whether a context's or attribute set's canonical key holds an unpaired surrogate, decided once per
 * object: decoders hand out the same interned objects for repeated data (and warm Lambdas keep
 * them), so the scan does not run for every series of every request.
 */
const surrogateVerdicts = new WeakMap<{ readonly key: string }, boolean>();
function holdsLoneSurrogate(keyed: { readonly key: string }): boolean {
  let verdict = surrogateVerdicts.get(keyed);
  if (verdict === undefined) {
    verdict = LONE_SURROGATE_ESCAPE.test(keyed.key);
    surrogateVerdicts.set(keyed, verdict);
  }
  return verdict;
}

/**
 * Removes refused series from `groups` (their points go to `rejections`) and returns the admitted
 * series' catalog entries with the number of points refused.
 */
export function admitSeries(
  groups: readonly ShardGroup<SeriesWindowState>[],
  rejections: Rejections,
): { series: Map<string, SeriesMeta>; refusedPoints: number } {
  const series = new Map<string, SeriesMeta>();
  const oversized = { points: 0, series: 0 };
  const invalid = { points: 0, series: 0 };
  for (const group of groups) {
    for (const entry of group.series.values()) {
      const refusal =
        entry.context.key.length + entry.attributes.key.length > MAX_SERIES_IDENTITY_CHARS
          ? oversized
          : holdsLoneSurrogate(entry.context) || holdsLoneSurrogate(entry.attributes)
            ? invalid
            : undefined;
      if (refusal !== undefined) {
        refusal.points += entry.points;
        refusal.series++;
        group.series.delete(entry.seriesId);
        continue;
      }
      if (!series.has(entry.seriesId)) series.set(entry.seriesId, seriesMeta(entry));
    }
  }
  if (invalid.points > 0) {
    reject(
      rejections,
      RejectReason.invalidField,
      `${invalid.series} series refused: a name or attribute holds an unpaired UTF-16 surrogate (not valid Unicode text)`,
      invalid.points,
    );
  }
  if (oversized.points > 0) {
    reject(
      rejections,
      RejectReason.attributeLimit,
      `${oversized.series} series refused: resource, scope, metric and attributes together longer than ${MAX_SERIES_IDENTITY_CHARS} characters`,
      oversized.points,
    );
  }
  return { series, refusedPoints: oversized.points + invalid.points };
}

function seriesMeta(entry: SeriesWindowState): SeriesMeta {
  return {
    tenant: entry.tenant,
    seriesId: entry.seriesId,
    // Descriptions arrive already cut to MAX_DESCRIPTION_LENGTH (core/series/canonical.ts).
    metric: entry.context.metric,
    resource: entry.context.resource.attributes,
    scope: entry.context.scope,
    attributes: entry.attributes.attributes,
  };
}
