/** Ingest step 1: decode the body and pre-aggregate its points per (series, first-tier window). */
import type { AggregateOptions } from '../../core/aggregate/contract.js';
import { kindForPoint } from '../../core/aggregate/registry.js';
import type { WindrowConfig } from '../../core/config/config.js';
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
  const aggregate: AggregateOptions = {
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    sketchMaxBuckets: 2048,
  };
  const pre = new PreAggregator({ tenant: request.tenant, tier, ids, aggregate, resolveKind: kindForPoint });
  const max = config.limits.maxPointsPerRequest;
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
      pre.add(point);
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
  const { groups, seriesWindows } = pre.result();
  return {
    groups: groups.values(),
    seriesWindows,
    accepted: decoded.accepted - overLimit,
    rejections: decoded.rejections,
  };
}
