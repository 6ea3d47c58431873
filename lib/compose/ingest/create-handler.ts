/**
 * The ingest Lambda as a factory, so tests and the local runner build it with a fake or real use case
 * and no AWS: middy with Powertools `injectLambdaContext` (request id, cold start in every log line)
 * around {@link handleIngestEvent}. One log line per request and no CloudWatch metric (./telemetry.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleIngestEvent, type IngestFn, internalErrorMessage } from '../../adapters/http/ingest-edge.js';
import { problemResponse } from '../../adapters/http/ingest-response.js';
import { problem } from '../../adapters/http/problem.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { asError, INGEST_SERVICE, recordOutcome } from './telemetry.js';

export interface IngestHandlerOptions {
  /** The use case with its dependencies bound. */
  readonly ingest: IngestFn;
  /** Only `limits` is read here; the use case has its own copy. */
  readonly config: WindrowConfig;
  readonly logger?: Logger;
  /** Milliseconds on a monotonic clock, for the logged duration (default `performance.now`). */
  readonly now?: () => number;
}

export type IngestHttpHandler = MiddyfiedHandler<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
>;

/**
 * Builds the ingest handler for API Gateway HTTP API (payload v2) events.
 *
 * @example
 * export const handler = createIngestHandler({ ingest: (r) => ingest(r, deps), config });
 */
export function createIngestHandler(options: IngestHandlerOptions): IngestHttpHandler {
  const logger = options.logger ?? new Logger({ serviceName: INGEST_SERVICE });
  const now = options.now ?? (() => performance.now());
  const deps = { ingest: options.ingest, limits: options.config.limits };

  const serve = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const started = now();
    const outcome = await handleIngestEvent(event, deps, requestIdOf(event, context));
    try {
      recordOutcome(outcome, now() - started, { logger });
    } catch (error) {
      // Telemetry must not turn an answered request into a failure (the points are already written).
      logger.error('ingest telemetry failed', { error: asError(error) });
    }
    return outcome.response;
  };

  // `use` order is `before` order; `after`/`onError` run in reverse, so the last resort goes first.
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(serve)
    .use(lastResort(logger))
    .use(injectLambdaContext(logger));
}

/**
 * If anything escapes (a middleware failing), answer a generic 500 instead of letting Lambda return
 * its own error body. `handleIngestEvent` itself never throws.
 */
function lastResort(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    onError: (request) => {
      logger.error('ingest handler failed', { error: asError(request.error) });
      const message = internalErrorMessage(requestIdOf(request.event, request.context));
      request.response = problemResponse('points', problem(500, message));
    },
  };
}

/** The Lambda request id (in every Powertools log line), else API Gateway's. */
function requestIdOf(event: APIGatewayProxyEventV2, context: Context | undefined): string {
  const id = context?.awsRequestId ?? event?.requestContext?.requestId;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}
