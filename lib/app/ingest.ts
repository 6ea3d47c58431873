import type { WindrowConfig } from '../core/config/config.js';
import { ConfigError } from '../core/errors.js';
import type { SeriesIdCache } from '../core/series/id.js';
import { regroupByLayout } from '../core/window/shard-layout.js';
import { DeploymentState } from './deployment-state.js';
import { admitSeries } from './ingest/admit-series.js';
import { decodeRequest } from './ingest/decode.js';
import { guardCardinality } from './ingest/guard-cardinality.js';
import { markWindows } from './ingest/mark-windows.js';
import { partialExpiry, partialIdOf, partialWrites } from './ingest/partial-writes.js';
import type { IngestRequest, IngestResult } from './ingest-types.js';
import type { Clock, SeriesBudget, SeriesCatalog, WindowStore } from './ports.js';

export type { IngestFormat, IngestRequest, IngestResult } from './ingest-types.js';

export interface IngestDeps {
  readonly store: WindowStore;
  readonly catalog: SeriesCatalog;
  readonly clock: Clock;
  readonly config: WindrowConfig;
  /** Warm across requests (module scope in a Lambda). */
  readonly ids: SeriesIdCache;
  /** The cardinality guard (limits.maxNewSeriesPerWindow); none: no guard. */
  readonly budget?: SeriesBudget;
  /** The deployment record (warm across requests); none: the configuration since the beginning. */
  readonly deployment?: DeploymentState;
}

/**
 * The ingest use case, in its steps (lib/app/ingest/): decode and pre-aggregate the request, place
 * its series-windows in their shards, admit the series, guard cardinality, write one packed partial
 * per (first-tier window, shard, chunk) while registering new series, then mark the windows a close
 * may not read (late ones, and those of shards the planner has not started; DESIGN.md §5).
 *
 * Idempotent: `partialId` is a hash of the tenant, format and decoded body, and chunking is
 * deterministic, so a retried request overwrites its own items instead of adding to them.
 *
 * @example
 * const result = await ingest({ tenant: 'default', format: 'otlp-protobuf', body }, deps);
 * // → { accepted: 12, rejected: 0, partials: 3, writeUnits: 3, … }
 * @throws DecodeError when the body cannot be decoded at all (nothing is written)
 * @throws StoreUnavailableError when the store stays throttled or down (safe to retry)
 */
export async function ingest(request: IngestRequest, deps: IngestDeps): Promise<IngestResult> {
  const { config, clock } = deps;
  const tier = config.tiers[0];
  if (tier === undefined) throw new ConfigError('configuration has no tiers');
  const nowMs = clock.nowMs();
  // How far back points are accepted and the shard layout: from the deployment record (cached).
  const deployment = deps.deployment ?? new DeploymentState(config, clock);
  const horizonMs = await deployment.horizonMs();

  const decoded = decodeRequest(request, config, tier, deps.ids, nowMs, horizonMs);
  const groups = regroupByLayout(decoded.groups, config.shards, await deployment.current());
  const admitted = admitSeries(groups, decoded.rejections);
  const guarded =
    deps.budget === undefined
      ? undefined
      : await guardCardinality(
          { catalog: deps.catalog, budget: deps.budget },
          request.tenant,
          admitted.series,
          groups,
          decoded.rejections,
          config,
          tier,
          nowMs,
        );

  const partialId = partialIdOf(request);
  const expiresAtSec = partialExpiry(config, tier);
  const [report, newSeries] = await Promise.all([
    deps.store.writePartials(partialWrites(groups, partialId, expiresAtSec)),
    guarded?.created.length ?? deps.catalog.ensure([...admitted.series.values()]).then((c) => c.length),
  ]);
  const written = groups.filter((g) => g.series.size > 0);
  const marked = await markWindows(deps.store, clock, config, tier, written, partialId, expiresAtSec);

  return {
    accepted: decoded.accepted - admitted.refusedPoints - (guarded?.refusedPoints ?? 0),
    rejected: decoded.rejections.total,
    rejections: decoded.rejections,
    seriesWindows: decoded.seriesWindows,
    partials: report.items,
    bytes: report.bytes + (marked.report?.bytes ?? 0),
    writeUnits: report.writeUnits + (marked.report?.writeUnits ?? 0),
    itemSizes: report.itemSizes,
    latePoints: marked.latePoints,
    corrections: marked.lateWindows,
    newSeries,
    ...(decoded.warnings.length > 0 ? { warnings: decoded.warnings } : {}),
  };
}
