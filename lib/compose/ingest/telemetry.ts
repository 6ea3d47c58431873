/**
 * What one ingest request leaves behind: one structured log line (INFO when ingested, WARN when
 * refused or throttled, ERROR with the error when it was our bug) and EMF self-metrics, namespace
 * `windrow`, service `ingest`.
 *
 * Dimensions stay bounded: `service` on everything; `reason` (the six rejection reasons) on
 * PointsRejectedByReason; `status` (the eight error statuses) on RequestErrors. The tenant is EMF
 * metadata — searchable in Logs Insights, never a dimension, so tenants cannot multiply metrics.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IngestEdgeOutcome } from '../../adapters/http/ingest-edge.js';
import { RejectReason } from '../../core/point.js';

export const INGEST_METRICS_NAMESPACE = 'windrow';
export const INGEST_SERVICE = 'ingest';

export const IngestMetric = {
  requestBytes: 'RequestBytes',
  pointsAccepted: 'PointsAccepted',
  pointsRejected: 'PointsRejected',
  pointsRejectedByReason: 'PointsRejectedByReason',
  writeUnits: 'WriteUnits',
  partialsWritten: 'PartialsWritten',
  latePoints: 'LatePoints',
  newSeries: 'NewSeries',
  requestErrors: 'RequestErrors',
} as const;

const KNOWN_REASONS: ReadonlySet<string> = new Set(Object.values(RejectReason));

export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Logs the request and adds its metrics (published by the `logMetrics` middleware after the handler). */
export function recordOutcome(
  outcome: IngestEdgeOutcome,
  durationMs: number,
  { logger, metrics }: Telemetry,
): void {
  const base = {
    tenant: outcome.tenant,
    format: outcome.format,
    status: outcome.response.statusCode,
    bytes: outcome.wireBytes,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  metrics.addMetric(IngestMetric.requestBytes, MetricUnit.Bytes, outcome.wireBytes);
  metrics.addMetadata('format', outcome.format);
  if (outcome.tenant !== undefined) metrics.addMetadata('tenant', outcome.tenant);

  switch (outcome.kind) {
    case 'ingested': {
      const r = outcome.result;
      metrics.addMetric(IngestMetric.pointsAccepted, MetricUnit.Count, r.accepted);
      metrics.addMetric(IngestMetric.pointsRejected, MetricUnit.Count, r.rejected);
      metrics.addMetric(IngestMetric.writeUnits, MetricUnit.Count, r.writeUnits);
      metrics.addMetric(IngestMetric.partialsWritten, MetricUnit.Count, r.partials);
      metrics.addMetric(IngestMetric.latePoints, MetricUnit.Count, r.latePoints);
      metrics.addMetric(IngestMetric.newSeries, MetricUnit.Count, r.newSeries);
      for (const [reason, count] of Object.entries(r.rejections.byReason)) {
        if (count === undefined || count <= 0 || !KNOWN_REASONS.has(reason)) continue;
        metrics
          .singleMetric()
          .addDimension('reason', reason)
          .addMetric(IngestMetric.pointsRejectedByReason, MetricUnit.Count, count);
      }
      logger.info('ingested', {
        ...base,
        bodyBytes: outcome.bodyBytes,
        accepted: r.accepted,
        rejected: r.rejected,
        ...(r.rejected > 0 ? { rejectedByReason: r.rejections.byReason } : {}),
        writtenBytes: r.bytes,
        writeUnits: r.writeUnits,
        partials: r.partials,
        seriesWindows: r.seriesWindows,
        latePoints: r.latePoints,
        corrections: r.corrections,
        newSeries: r.newSeries,
      });
      return;
    }
    case 'refused':
      countError(metrics, outcome.problem.status);
      logger.warn('request refused', { ...base, reason: outcome.problem.message });
      return;
    case 'failed':
      countError(metrics, outcome.problem.status);
      logger.error('ingest failed', { ...base, error: asError(outcome.error) });
      return;
  }
}

function countError(metrics: Metrics, status: number): void {
  metrics
    .singleMetric()
    .addDimension('status', String(status))
    .addMetric(IngestMetric.requestErrors, MetricUnit.Count, 1);
}

/** Logs want an Error (Powertools formats its name, message, stack and cause); a thrown non-Error is wrapped. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`non-Error thrown: ${String(error).slice(0, 200)}`);
}
