/**
 * The planner as a factory: a scheduled handler (EventBridge Scheduler every minute in AWS, a timer
 * every `--tick` locally) that runs `planCloses` and reports what it enqueued. middy with Powertools
 * logger and EMF metrics: jobs per tier, corrections per tier, how far each tier is behind.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { PlanReport } from '../../app/plan-closes.js';

export const PLANNER_SERVICE = 'windrow-planner';

export interface PlannerOptions {
  readonly plan: () => Promise<PlanReport>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export type PlannerHandler = MiddyfiedHandler<unknown, PlanReport, Error, Context>;

/** @example export const handler = createPlannerHandler({ plan: composePlanner(environment, { dynamo, queue }) }); */
export function createPlannerHandler(options: PlannerOptions): PlannerHandler {
  const logger = options.logger ?? new Logger({ serviceName: PLANNER_SERVICE });
  const metrics =
    options.metrics ?? new Metrics({ namespace: 'windrow', serviceName: PLANNER_SERVICE, logger });
  const serve = async (): Promise<PlanReport> => {
    const report = await options.plan();
    logger.info('planned', { ...report });
    // Per tier, published at once (publishing clears the dimension for the next tier).
    for (const [tier, jobs] of Object.entries(report.closes)) {
      metrics.addDimension('tier', tier);
      metrics.addMetric('ClosesEnqueued', MetricUnit.Count, jobs);
      metrics.addMetric('CorrectionsEnqueued', MetricUnit.Count, report.corrections[tier] ?? 0);
      metrics.addMetric('Behind', MetricUnit.Milliseconds, report.behindMs[tier] ?? 0);
      metrics.publishStoredMetrics();
    }
    metrics.addMetric('JobsEnqueued', MetricUnit.Count, report.jobs);
    return report;
  };
  return middy<unknown, PlanReport, Error, Context>(serve)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
