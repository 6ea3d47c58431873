/**
 * The query function as a factory: the HTTP edge's query routes (lib/adapters/http/query-edge.ts)
 * wrapped in middy with Powertools logger and metrics, like the other functions: one `Requests`
 * count per request, `QueryPoints` and a log line per query, the error logged when one failed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleQueryEvent, type QueryEdgeDeps } from '../../adapters/http/query-edge.js';

export const QUERY_SERVICE = 'windrow-query';

export interface QueryHandlerOptions extends QueryEdgeDeps {
  readonly logger?: Logger;
  readonly emf?: Metrics;
}

export type QueryHttpHandler = MiddyfiedHandler<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
>;

/** @example export const handler = createQueryHandler(composeQuery(environment, { dynamo }, { dashboard })); */
export function createQueryHandler(options: QueryHandlerOptions): QueryHttpHandler {
  const logger = options.logger ?? new Logger({ serviceName: QUERY_SERVICE });
  const emf = options.emf ?? new Metrics({ namespace: 'windrow', serviceName: QUERY_SERVICE, logger });

  const serve = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    emf.addMetric('Requests', MetricUnit.Count, 1);
    const outcome = await handleQueryEvent(event, options);
    if (outcome.kind === 'queried') {
      emf.addMetric('QueryPoints', MetricUnit.Count, outcome.log.points);
      logger.info('query', { ...outcome.log });
    } else if (outcome.kind === 'failed') {
      logger.error('query failed', { error: outcome.error as Error });
    }
    return outcome.response;
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(serve)
    .use(injectLambdaContext(logger))
    .use(logMetrics(emf));
}
