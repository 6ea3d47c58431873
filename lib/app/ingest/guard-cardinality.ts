/**
 * Ingest step 3, the cardinality guard (`limits.maxNewSeriesPerWindow`): series new to the catalog
 * count against the tenant's budget of new series per first-tier window; past it, the newest ids are
 * refused (deterministically, by id), taken back out of the catalog, and their points rejected.
 */
import type { WindrowConfig } from '../../core/config/config.js';
import { type Rejections, RejectReason, reject } from '../../core/point.js';
import type { SeriesWindowState } from '../../core/preaggregate/preaggregate.js';
import type { ShardGroup } from '../../core/window/shard-layout.js';
import type { Tier } from '../../core/window/tiers.js';
import { windowStart } from '../../core/window/window.js';
import type { SeriesBudget, SeriesCatalog, SeriesMeta } from '../ports.js';

export interface Guarded {
  /** Series the catalog did not hold before this request (granted ones only). */
  readonly created: readonly SeriesMeta[];
  readonly refusedPoints: number;
}

/**
 * Registers `series` in the catalog and reserves budget for the new ones; refused series are removed
 * from `series` and `groups`, their points added to `rejections`.
 */
export async function guardCardinality(
  deps: { readonly catalog: SeriesCatalog; readonly budget: SeriesBudget },
  tenant: string,
  series: Map<string, SeriesMeta>,
  groups: readonly ShardGroup<SeriesWindowState>[],
  rejections: Rejections,
  config: WindrowConfig,
  tier: Tier,
  nowMs: number,
): Promise<Guarded> {
  const created = await deps.catalog.ensure([...series.values()]);
  if (created.length === 0) return { created, refusedPoints: 0 };
  const windowStartMs = windowStart(nowMs, tier);
  const max = config.limits.maxNewSeriesPerWindow;
  const granted = await deps.budget.reserve(
    tenant,
    windowStartMs,
    created.length,
    max,
    Math.ceil((windowStartMs + tier.sizeMs + config.correctionHorizonMs) / 1000),
  );
  if (granted >= created.length) return { created, refusedPoints: 0 };
  const byId = [...created].sort((a, b) => (a.seriesId < b.seriesId ? -1 : 1));
  const refused = byId.slice(granted);
  await deps.catalog.forget(refused);
  let refusedPoints = 0;
  for (const { seriesId } of refused) {
    series.delete(seriesId);
    for (const group of groups) {
      const entry = group.series.get(seriesId);
      if (entry === undefined) continue;
      refusedPoints += entry.points;
      group.series.delete(seriesId);
    }
  }
  reject(
    rejections,
    RejectReason.seriesLimit,
    `${refused.length} new series refused: tenant ${tenant} may create ${max} new series per ${tier.name} window`,
    refusedPoints,
  );
  return { created: byId.slice(0, granted), refusedPoints };
}
