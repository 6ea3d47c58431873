/**
 * The query function as a factory: the HTTP edge's query routes (lib/adapters/http/query-edge.ts)
 * wrapped in middy with Powertools Logger, like the other functions: one log line per request — a
 * 'query' line per query (tenant, metric, tiers, series, points, duration), 'query failed' with the
 * error when one failed, 'answered' with the method, path and status for everything else (the
 * dashboard, the metric list, refusals).
 *
 * No CloudWatch metric: windrow's only custom metrics are the close worker's three
 * (lib/compose/close-worker/telemetry.ts — issue 15, each metric stream costs $0.30 a month). What the
 * query function once emitted as EMF is in its log lines, for Logs Insights: requests (one line
 * each) and the points a query returned (`points`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleQueryEvent, type QueryEdgeDeps } from '../../adapters/http/query-edge.js';

export const QUERY_SERVICE = 'windrow-query';

export interface QueryHandlerOptions extends QueryEdgeDeps {
  readonly logger?: Logger;
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

  const serve = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const outcome = await handleQueryEvent(event, options);
    if (outcome.kind === 'queried') {
      logger.info('query', { ...outcome.log });
    } else if (outcome.kind === 'failed') {
      logger.error('query failed', { error: outcome.error as Error });
    } else {
      logger.info('answered', {
        method: event.requestContext?.http?.method,
        path: event.rawPath,
        status: outcome.response.statusCode,
      });
    }
    return outcome.response;
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(serve).use(
    injectLambdaContext(logger),
  );
}
