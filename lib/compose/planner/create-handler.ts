/**
 * The planner as a factory: a scheduled handler (EventBridge Scheduler every minute in AWS, a timer
 * every `--tick` locally) that runs `planCloses` and reports what it enqueued in one 'planned' log
 * line (middy with Powertools Logger).
 *
 * No CloudWatch metric: windrow's only custom metrics are the close worker's three
 * (lib/compose/close-worker/telemetry.ts — issue 15, each metric stream costs $0.30 a month). What the
 * planner once emitted as EMF is in its log line, for Logs Insights: `jobs` (jobs enqueued), and per
 * tier `closes` (close jobs enqueued, re-closes included), `corrections` (re-closes enqueued) and
 * `behindMs` (how far the tier is behind; a tier not behind is left out). Whether closing keeps up is
 * the close worker's `CloseLag`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { PlanReport } from '../../app/plan-closes.js';

export const PLANNER_SERVICE = 'windrow-planner';

export interface PlannerOptions {
  readonly plan: () => Promise<PlanReport>;
  readonly logger?: Logger;
}

export type PlannerHandler = MiddyfiedHandler<unknown, PlanReport, Error, Context>;

/** @example export const handler = createPlannerHandler({ plan: composePlanner(environment, { dynamo, queue }) }); */
export function createPlannerHandler(options: PlannerOptions): PlannerHandler {
  const logger = options.logger ?? new Logger({ serviceName: PLANNER_SERVICE });
  const serve = async (): Promise<PlanReport> => {
    const report = await options.plan();
    logger.info('planned', { ...report });
    return report;
  };
  return middy<unknown, PlanReport, Error, Context>(serve).use(injectLambdaContext(logger));
}
