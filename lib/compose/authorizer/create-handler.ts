/**
 * The HTTP API's Lambda authorizer (payload 2.0, simple responses): `Authorization: Bearer <key>`
 * → `{ isAuthorized, context: { tenant } }`. API Gateway answers 401 itself when the header is
 * missing (it is the identity source) and 403 when `isAuthorized` is false; it caches decisions per
 * header value. The ingest and query functions read the tenant from `requestContext.authorizer.lambda`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import type { Authorizer } from '../../app/auth/authorize.js';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<{ tenant: string }>;
export type AuthorizerHandler = MiddyfiedHandler<
  APIGatewayRequestAuthorizerEventV2,
  AuthorizerResult,
  Error,
  Context
>;

export function createAuthorizerHandler(options: {
  authorizer: Authorizer;
  logger?: Logger;
}): AuthorizerHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'windrow-authorizer' });
  const serve = async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const header = event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0];
    const decision = await options.authorizer.authorize(header);
    if (decision.ok) return { isAuthorized: true, context: { tenant: decision.tenant } };
    logger.info('refused', {
      reason: decision.reason,
      route: event.routeKey,
      ip: event.requestContext?.http?.sourceIp,
    });
    return { isAuthorized: false, context: { tenant: '' } };
  };
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult, Error, Context>(serve).use(
    injectLambdaContext(logger),
  );
}
