/**
 * What the close worker tells operators about each job: one structured log line, and CloudWatch
 * metrics as EMF (Powertools Metrics) with the tier as a dimension — close lag, series closed,
 * corrections, sink records rejected, jobs retried, jobs not ready yet, failures.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { WindowNotReadyError } from '../../app/close-errors.js';
import type { CloseJob } from '../../app/close-ports.js';
import type { CloseOutcome } from '../../app/close-window.js';

export const CLOSE_SERVICE = 'windrow-close-worker';
export const METRICS_NAMESPACE = 'windrow';

export interface CloseTelemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tierNames: readonly string[];
}

/**
 * The per-job metrics with a `tier` dimension, published at once: `publishStoredMetrics` clears the
 * dimension again, so the invocation-wide metrics flushed by `logMetrics` carry none.
 * (`singleMetric()` does not fit: it emits on every `addMetric` and drops the dimension after the
 * first.)
 */
function withTier(t: CloseTelemetry, tier: number | undefined, add: (m: Metrics) => void): void {
  t.metrics.addDimension('tier', tier === undefined ? 'malformed' : (t.tierNames[tier] ?? String(tier)));
  add(t.metrics);
  if (t.metrics.hasStoredMetrics()) t.metrics.publishStoredMetrics();
  else t.metrics.clearDimensions();
}

export function recordClosed(t: CloseTelemetry, outcome: CloseOutcome, receiveCount: number): void {
  const { job } = outcome;
  t.logger.info('window closed', {
    tier: t.tierNames[job.tier],
    windowStart: new Date(job.windowStartMs).toISOString(),
    shard: job.shard,
    status: outcome.status,
    reason: outcome.reason,
    partials: outcome.partials,
    series: outcome.series,
    records: outcome.records,
    rejected: outcome.rejected,
    uncataloged: outcome.uncataloged,
    version: outcome.version,
    closeLagMs: outcome.closeLagMs,
    cascaded: outcome.cascaded,
    receiveCount,
  });
  if (outcome.status === 'skipped') return;
  withTier(t, job.tier, (m) => {
    if (outcome.status === 'closed') m.addMetric('CloseLag', MetricUnit.Milliseconds, outcome.closeLagMs);
    if (outcome.series > 0) m.addMetric('SeriesClosed', MetricUnit.Count, outcome.series);
    if (outcome.status === 'reclosed') m.addMetric('Corrections', MetricUnit.Count, 1);
    if (outcome.rejected > 0) m.addMetric('SinkRecordsRejected', MetricUnit.Count, outcome.rejected);
    if (outcome.uncataloged > 0) m.addMetric('UncatalogedSeries', MetricUnit.Count, outcome.uncataloged);
    if (receiveCount > 1) m.addMetric('JobsRetried', MetricUnit.Count, 1);
  });
}

export function recordFailed(
  t: CloseTelemetry,
  job: CloseJob | undefined,
  error: unknown,
  receiveCount: number,
): void {
  const notReady = error instanceof WindowNotReadyError;
  const context = {
    tier: job === undefined ? undefined : t.tierNames[job.tier],
    windowStart: job === undefined ? undefined : new Date(job.windowStartMs).toISOString(),
    shard: job?.shard,
    correction: job?.correction,
    receiveCount,
  };
  if (notReady)
    t.logger.info('close job not ready, will be retried', { ...context, reason: (error as Error).message });
  else t.logger.error('close job failed, will be retried', { ...context, error: error as Error });
  withTier(t, job?.tier, (m) => m.addMetric(notReady ? 'JobsNotReady' : 'JobsFailed', MetricUnit.Count, 1));
}
