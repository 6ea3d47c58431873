/**
 * What one ingest request leaves behind: one structured log line (INFO when ingested, WARN when
 * refused or throttled, ERROR with the error when it was our bug), and no CloudWatch metric.
 *
 * windrow's only custom metrics are the close worker's three (lib/compose/close-worker/telemetry.ts:
 * CloseLag, Corrections, JobsFailed — issue 15, each metric stream costs $0.30 a month). Everything
 * ingest once emitted as EMF is a field of its log line, for Logs Insights: `bytes` (request bytes),
 * `accepted`, `rejected` and `rejectedByReason`, `writeUnits`, `partials`, `latePoints`, `newSeries`;
 * a request error is a WARN or ERROR line with its `status`; `cold_start` is on every line. The tenant
 * and format are fields too (no dimension ever multiplied by tenants).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { IngestEdgeOutcome } from '../../adapters/http/ingest-edge.js';

export const INGEST_SERVICE = 'ingest';

export interface Telemetry {
  readonly logger: Logger;
}

/** Logs the request: one line with every figure of it. */
export function recordOutcome(outcome: IngestEdgeOutcome, durationMs: number, { logger }: Telemetry): void {
  const base = {
    tenant: outcome.tenant,
    format: outcome.format,
    status: outcome.response.statusCode,
    bytes: outcome.wireBytes,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };

  switch (outcome.kind) {
    case 'ingested': {
      const r = outcome.result;
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
      logger.warn('request refused', { ...base, reason: outcome.problem.message });
      return;
    case 'failed':
      logger.error('ingest failed', { ...base, error: asError(outcome.error) });
      return;
  }
}

/** Logs want an Error (Powertools formats its name, message, stack and cause); a thrown non-Error is wrapped. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`non-Error thrown: ${String(error).slice(0, 200)}`);
}
