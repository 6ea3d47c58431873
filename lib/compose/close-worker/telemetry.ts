/**
 * What the close worker tells operators about each job: one structured log line, and — the only
 * CloudWatch custom metrics windrow emits (issue 15: each metric stream costs $0.30 a month) — three
 * EMF metrics (Powertools Metrics, namespace `windrow`), with no dimension but Powertools' default
 * `service` (one value for this function, so one stream each):
 *
 * - `CloseLag` (Milliseconds), per first close: how late the close finished after the window became
 *   due — is closing keeping up? Watch its Maximum.
 * - `Corrections` (Count), per re-close: the late-data rate; each one costs a re-close (and cascades
 *   to every tier above).
 * - `JobsFailed` (Count), per failed job (not a not-ready one): the step before dead letters (the
 *   dead-letter queue's own `ApproximateNumberOfMessagesVisible` is alarmed on in infra/stack.ts).
 *
 * The tier is EMF metadata on those blobs (`stats max(CloseLag) by tier` in Logs Insights), never a
 * dimension. Everything else is in the log lines only, for Logs Insights: 'window closed' has the
 * tier, status, series closed, sink records rejected, uncataloged series, close lag and receive count
 * (> 1: a retry); 'close job not ready' (INFO) and 'close job failed' (ERROR) have the job and the
 * receive count; each job gets exactly one of those lines, so counting them counts jobs processed.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { WindowNotReadyError } from '../../app/close-errors.js';
import type { CloseJob } from '../../app/close-ports.js';
import type { CloseOutcome } from '../../app/close-window.js';

export const CLOSE_SERVICE = 'windrow-close-worker';
export const METRICS_NAMESPACE = 'windrow';

/** Every CloudWatch metric windrow emits (all from the close worker), with its unit. */
export const CLOSE_METRICS = {
  CloseLag: MetricUnit.Milliseconds,
  Corrections: MetricUnit.Count,
  JobsFailed: MetricUnit.Count,
} as const;

export interface CloseTelemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tierNames: readonly string[];
}

/**
 * One job's metric, published at once as its own EMF blob with the tier as metadata (publishing clears
 * the metadata again for the next job). Nothing is published, and nothing logged, for a job without a
 * metric: Powertools warns when asked to publish none.
 */
function publish(
  t: CloseTelemetry,
  tier: number | undefined,
  name: keyof typeof CLOSE_METRICS,
  value: number,
): void {
  t.metrics.addMetric(name, CLOSE_METRICS[name], value);
  t.metrics.addMetadata('tier', tier === undefined ? 'malformed' : (t.tierNames[tier] ?? String(tier)));
  t.metrics.publishStoredMetrics();
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
  if (outcome.status === 'closed') publish(t, job.tier, 'CloseLag', outcome.closeLagMs);
  else if (outcome.status === 'reclosed') publish(t, job.tier, 'Corrections', 1);
}

export function recordFailed(
  t: CloseTelemetry,
  job: CloseJob | undefined,
  error: unknown,
  receiveCount: number,
): void {
  const context = {
    tier: job === undefined ? undefined : t.tierNames[job.tier],
    windowStart: job === undefined ? undefined : new Date(job.windowStartMs).toISOString(),
    shard: job?.shard,
    correction: job?.correction,
    receiveCount,
  };
  if (error instanceof WindowNotReadyError) {
    // Expected while a lower tier or the previous window is still closing: a log line, no metric.
    t.logger.info('close job not ready, will be retried', { ...context, reason: error.message });
    return;
  }
  t.logger.error('close job failed, will be retried', { ...context, error: error as Error });
  publish(t, job?.tier, 'JobsFailed', 1);
}
