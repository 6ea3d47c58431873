import { createHash } from 'node:crypto';
import type { AggregateOptions } from '../core/aggregate/contract.js';
import { kindForPoint } from '../core/aggregate/registry.js';
import type { WindrowConfig } from '../core/config/config.js';
import { decodeOtlpJson } from '../core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '../core/otlp/decode-protobuf.js';
import type { PointSink } from '../core/otlp/normalize.js';
import { decodeSimplePoints } from '../core/otlp/simple-points.js';
import {
  DEFAULT_NORMALIZE_LIMITS,
  type DecodeResult,
  type NormalizeOptions,
  RejectReason,
  reject,
} from '../core/point.js';
import { packStatesChunked } from '../core/preaggregate/partial-codec.js';
import { PreAggregator, type SeriesWindowState } from '../core/preaggregate/preaggregate.js';
import type { SeriesIdCache } from '../core/series/id.js';
import { regroupByLayout } from '../core/window/shard-layout.js';
import { windowStart } from '../core/window/window.js';
import { DeploymentState } from './deployment-state.js';
import type { IngestFormat, IngestRequest, IngestResult } from './ingest-types.js';
import { knownCheckpointsOf } from './known-checkpoints.js';
import type {
  Clock,
  CorrectionMark,
  PartialWrite,
  SeriesBudget,
  SeriesCatalog,
  SeriesMeta,
  WindowStore,
} from './ports.js';

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
  /** The shard layout (warm across requests); none: the configured `shards` since the beginning. */
  readonly deployment?: DeploymentState;
}

/** DynamoDB items are limited to 400 KB; keys and attribute names need a little of that. */
export const MAX_PARTIAL_CHUNK_BYTES = 350_000;

/**
 * How far the planner's clock may be ahead of ours. Lambda clocks are NTP-synchronized to within
 * milliseconds; one second is a generous bound that costs at most a spare correction mark.
 */
export const CLOCK_SKEW_MARGIN_MS = 1_000;

/**
 * Longest series identity (canonical resource + scope + metric + attributes) accepted: its catalog
 * item must stay under DynamoDB's 400 KB item limit with room for the JSON encoding.
 */
export const MAX_SERIES_IDENTITY_CHARS = 200_000;

/**
 * An unpaired UTF-16 surrogate as `JSON.stringify` writes it in canonical keys (`\ud800`, after an
 * even run of backslashes): OTLP/JSON and `/v1/points` can carry one, but it is not Unicode text and
 * DynamoDB (UTF-8) cannot store it faithfully, so such series are refused.
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

/** Partials stay one day past the correction horizon, then DynamoDB TTL removes them for free. */
const PARTIAL_RETENTION_AFTER_HORIZON_MS = 86_400_000;

const DECODERS: Record<
  IngestFormat,
  (body: Uint8Array, o: NormalizeOptions, sink: PointSink) => DecodeResult
> = {
  'otlp-protobuf': decodeOtlpProtobuf,
  'otlp-json': decodeOtlpJson,
  points: decodeSimplePoints,
};

/**
 * The ingest use case: decode and pre-aggregate one request, write one packed partial per
 * (first-tier window, shard, chunk) it touches, register new series, then look at the clock again
 * and mark windows that may already be closing (DESIGN.md §3, post-write lateness check).
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
  const { config, clock, ids } = deps;
  const tier = config.tiers[0];
  if (tier === undefined) throw new Error('configuration has no tiers');
  const nowMs = clock.nowMs();
  const aggregate: AggregateOptions = {
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    sketchMaxBuckets: 2048,
  };
  // How far back points are accepted, and the shard layout: from the deployment record (cached).
  const deployment = deps.deployment ?? new DeploymentState(config, clock);
  const horizonMs = await deployment.horizonMs();
  const pre = new PreAggregator({ tenant: request.tenant, tier, ids, aggregate, resolveKind: kindForPoint });
  let sunk = 0;
  const decoded = DECODERS[request.format](
    request.body,
    {
      nowMs,
      correctionHorizonMs: horizonMs,
      maxFutureMs: DEFAULT_NORMALIZE_LIMITS.maxFutureMs,
      maxAttributes: config.limits.maxAttributes,
      maxKeyLength: config.limits.maxKeyLength,
      maxValueLength: config.limits.maxValueLength,
      maxNameLength: config.limits.maxNameLength,
      maxUnitLength: config.limits.maxUnitLength,
    },
    (point) => {
      if (++sunk > config.limits.maxPointsPerRequest) return;
      pre.add(point);
    },
  );
  const overLimit = Math.max(0, sunk - config.limits.maxPointsPerRequest);
  if (overLimit > 0) {
    reject(
      decoded.rejections,
      RejectReason.pointLimit,
      `${overLimit} points past the limit of ${config.limits.maxPointsPerRequest} per request (send smaller batches)`,
      overLimit,
    );
  }
  const { groups: assumed, seriesWindows } = pre.result();
  // Shards as the deployment's layout has them for each window (the configured count but across a
  // change of `shards`; see core/window/shard-layout.ts).
  const layout = await deployment.current();
  const groups = regroupByLayout(assumed.values(), config.shards, layout);

  const partialId = partialIdOf(request);
  const expiresAtSec = (windowStartMs: number) =>
    Math.ceil(
      (windowStartMs + tier.sizeMs + config.correctionHorizonMs + PARTIAL_RETENTION_AFTER_HORIZON_MS) / 1000,
    );
  const series = new Map<string, SeriesMeta>();
  // A series whose identity cannot fit a catalog item (DynamoDB's 400 KB) is refused with its points:
  // the canonical keys' lengths bound the item's size at no cost per point.
  let oversizedPoints = 0;
  let oversizedSeries = 0;
  let invalidPoints = 0;
  let invalidSeries = 0;
  for (const group of groups) {
    for (const entry of group.series.values()) {
      if (entry.context.key.length + entry.attributes.key.length > MAX_SERIES_IDENTITY_CHARS) {
        oversizedPoints += entry.points;
        oversizedSeries++;
        group.series.delete(entry.seriesId);
        continue;
      }
      if (holdsLoneSurrogate(entry.context) || holdsLoneSurrogate(entry.attributes)) {
        invalidPoints += entry.points;
        invalidSeries++;
        group.series.delete(entry.seriesId);
        continue;
      }
      if (!series.has(entry.seriesId)) series.set(entry.seriesId, seriesMeta(entry));
    }
  }
  if (invalidPoints > 0) {
    reject(
      decoded.rejections,
      RejectReason.invalidField,
      `${invalidSeries} series refused: a name or attribute holds an unpaired UTF-16 surrogate (not valid Unicode text)`,
      invalidPoints,
    );
  }
  if (oversizedPoints > 0) {
    reject(
      decoded.rejections,
      RejectReason.attributeLimit,
      `${oversizedSeries} series refused: resource, scope, metric and attributes together longer than ${MAX_SERIES_IDENTITY_CHARS} characters`,
      oversizedPoints,
    );
  }

  // The cardinality guard: series new to the catalog count against the tenant's budget of new
  // series per first-tier window; past it, the newest ids are refused (deterministic) and taken back
  // out of the catalog, and their points are rejected in the partial success.
  let created: readonly SeriesMeta[] | undefined;
  let refusedPoints = 0;
  if (deps.budget !== undefined) {
    created = await deps.catalog.ensure([...series.values()]);
    if (created.length > 0) {
      const windowStartMs = windowStart(nowMs, tier);
      const granted = await deps.budget.reserve(
        request.tenant,
        windowStartMs,
        created.length,
        config.limits.maxNewSeriesPerWindow,
        Math.ceil((windowStartMs + tier.sizeMs + config.correctionHorizonMs) / 1000),
      );
      if (granted < created.length) {
        const byId = [...created].sort((a, b) => (a.seriesId < b.seriesId ? -1 : 1));
        const refused = byId.slice(granted);
        await deps.catalog.forget(refused);
        const refusedIds = new Set(refused.map((m) => m.seriesId));
        for (const group of groups) {
          for (const id of refusedIds) {
            const entry = group.series.get(id);
            if (entry === undefined) continue;
            refusedPoints += entry.points;
            group.series.delete(id);
          }
        }
        for (const id of refusedIds) series.delete(id);
        reject(
          decoded.rejections,
          RejectReason.seriesLimit,
          `${refused.length} new series refused: tenant ${request.tenant} may create ${config.limits.maxNewSeriesPerWindow} new series per ${tier.name} window`,
          refusedPoints,
        );
        created = byId.slice(0, granted);
      }
    }
  }

  const writes: PartialWrite[] = [];
  for (const group of groups) {
    if (group.series.size === 0) continue;
    const chunks = packStatesChunked(group.series.values(), MAX_PARTIAL_CHUNK_BYTES);
    for (const [chunk, data] of chunks.entries()) {
      writes.push({
        tier: 0,
        windowStartMs: group.windowStartMs,
        shard: group.shard,
        partialId,
        chunk,
        data,
        expiresAtSec: expiresAtSec(group.windowStartMs),
      });
    }
  }

  const [report, newSeries] = await Promise.all([
    deps.store.writePartials(writes),
    created === undefined ? deps.catalog.ensure([...series.values()]).then((c) => c.length) : created.length,
  ]);

  // Shards the planner has not started yet: it will start them at the latest due window, so every
  // window written to them is marked and closed from the mark whatever the planner's history. Asked
  // before the clock is read again: a checkpoint created after this answer makes the window late.
  const written = groups.filter((g) => g.series.size > 0);
  const notStarted = await knownCheckpointsOf(deps.store, clock).notStarted(written.map((g) => g.shard));
  // Post-write lateness check: the write may have landed after a close of its window started.
  const afterMs = clock.nowMs();
  const marks: CorrectionMark[] = [];
  let latePoints = 0;
  let lateWindows = 0;
  for (const group of written) {
    const closingAtMs = group.windowStartMs + tier.sizeMs + config.allowedLatenessMs - CLOCK_SKEW_MARGIN_MS;
    const late = afterMs >= closingAtMs;
    if (!late && !notStarted.has(group.shard)) continue;
    marks.push({
      tier: 0,
      windowStartMs: group.windowStartMs,
      shard: group.shard,
      // From the window, not the clock: a retried request rewrites the same mark byte for byte.
      expiresAtSec: expiresAtSec(group.windowStartMs),
      cause: partialId,
    });
    if (!late) continue;
    lateWindows++;
    for (const entry of group.series.values()) latePoints += entry.points;
  }
  const markReport = marks.length > 0 ? await deps.store.markCorrections(marks) : undefined;

  return {
    accepted: decoded.accepted - overLimit - oversizedPoints - invalidPoints - refusedPoints,
    rejected: decoded.rejections.total,
    rejections: decoded.rejections,
    seriesWindows,
    partials: report.items,
    bytes: report.bytes + (markReport?.bytes ?? 0),
    writeUnits: report.writeUnits + (markReport?.writeUnits ?? 0),
    itemSizes: report.itemSizes,
    latePoints,
    corrections: lateWindows,
    newSeries,
  };
}

/**
 * The content-derived id of a request's partials: SHA-256 of tenant, format and decoded body,
 * 128 bits in base64url (22 characters, short in every sort key). Gzip or not, the same body gives
 * the same id.
 */
export function partialIdOf(request: IngestRequest): string {
  return createHash('sha256')
    .update(request.tenant)
    .update('\u0000')
    .update(request.format)
    .update('\u0000')
    .update(request.body)
    .digest('base64url')
    .slice(0, 22);
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
