/** Ingest step 1: decode the body and pre-aggregate its points per (series, first-tier window). */
import { aggregateOptionsOf } from '../../core/aggregate/contract.js';
import { kindForPoint } from '../../core/aggregate/registry.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { ViewRouter } from '../../core/group/views.js';
import { decodeOtlpJson } from '../../core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '../../core/otlp/decode-protobuf.js';
import type { PointSink } from '../../core/otlp/normalize.js';
import { decodeSimplePoints } from '../../core/otlp/simple-points.js';
import {
  DEFAULT_NORMALIZE_LIMITS,
  type DecodeResult,
  type NormalizeOptions,
  type Rejections,
  RejectReason,
  reject,
} from '../../core/point.js';
import { PreAggregator, type WindowShardGroup } from '../../core/preaggregate/preaggregate.js';
import { cutText } from '../../core/series/canonical.js';
import type { SeriesIdCache } from '../../core/series/id.js';
import type { Tier } from '../../core/window/tiers.js';
import type { IngestFormat, IngestRequest } from '../ingest-types.js';

const DECODERS: Record<
  IngestFormat,
  (body: Uint8Array, o: NormalizeOptions, sink: PointSink) => DecodeResult
> = {
  'otlp-protobuf': decodeOtlpProtobuf,
  'otlp-json': decodeOtlpJson,
  points: decodeSimplePoints,
};

export interface Decoded {
  /** Pre-aggregated states by (window, shard under the configured count). */
  readonly groups: Iterable<WindowShardGroup>;
  readonly seriesWindows: number;
  /** Points accepted by the decoder and within `limits.maxPointsPerRequest`. */
  readonly accepted: number;
  /** The decoder's refusals and the points past the request limit; later steps add theirs. */
  readonly rejections: Rejections;
  /** Said to the sender without refusing anything (points a view could not pool). */
  readonly warnings: string[];
}

/**
 * Decodes `request` (refusing points per the limits, older than `horizonMs` or too far ahead) and
 * folds each accepted point into its series-window state as it is decoded.
 *
 * @throws DecodeError when the body cannot be decoded at all
 */
export function decodeRequest(
  request: IngestRequest,
  config: WindrowConfig,
  tier: Tier,
  ids: SeriesIdCache,
  nowMs: number,
  horizonMs: number,
): Decoded {
  const aggregate = aggregateOptionsOf(config);
  const pre = new PreAggregator({ tenant: request.tenant, tier, ids, aggregate, resolveKind: kindForPoint });
  const max = config.limits.maxPointsPerRequest;
  const views = config.views.length > 0 ? new ViewRouter(config.views) : undefined;
  const notPooled = new Map<string, number>();
  let refusedViewName = 0;
  let refusedView: string | undefined;
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
      if (++sunk > max) return;
      if (views === undefined) {
        pre.add(point);
        return;
      }
      // Views (README "Views at ingest"): the view's points beside (or instead of) the source's.
      const routed = views.route(point);
      switch (routed.kind) {
        case 'source':
          pre.add(point);
          return;
        case 'refused':
          refusedViewName++;
          refusedView ??= routed.view;
          return;
        case 'viewed':
          if (routed.keepSource) pre.add(point);
          for (const p of routed.points) pre.add(p);
          for (const view of routed.notPooled) notPooled.set(view, (notPooled.get(view) ?? 0) + 1);
      }
    },
  );
  const overLimit = Math.max(0, sunk - max);
  if (overLimit > 0) {
    reject(
      decoded.rejections,
      RejectReason.pointLimit,
      `${overLimit} points past the limit of ${max} per request (send smaller batches)`,
      overLimit,
    );
  }
  if (refusedView !== undefined) {
    reject(
      decoded.rejections,
      RejectReason.viewName,
      `${refusedViewName} ${refusedViewName === 1 ? 'point' : 'points'} of metric "${cutText(refusedView, 128)}", the name of a view: only windrow writes a view's series`,
      refusedViewName,
    );
  }
  const { groups, seriesWindows } = pre.result();
  return {
    groups: groups.values(),
    seriesWindows,
    accepted: decoded.accepted - overLimit - refusedViewName,
    rejections: decoded.rejections,
    warnings: [...notPooled].map(
      ([view, n]) =>
        `${n} cumulative ${n === 1 ? 'point' : 'points'} not pooled into view "${cutText(view, 128)}" (stored as the source series; send delta temporality to have them in the view)`,
    ),
  };
}
