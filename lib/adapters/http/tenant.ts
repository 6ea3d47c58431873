/**
 * The tenant of a request, from the API Gateway Lambda authorizer's context: the same for ingest and
 * query routes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
// Type only: the query function's bundle needs no gRPC status table.
import type { EdgeProblem } from './problem.js';

/** The tenant when no authorizer ran (auth off). */
export const DEFAULT_TENANT = 'default';

/**
 * Tenants end up in DynamoDB keys (`#` separated), Timestream dimensions and log lines: the same rule
 * as `isValidTenant` in lib/adapters/dynamodb/keys.ts, checked here so a bad authorizer output is a
 * 403 rather than an adapter failure.
 */
const TENANT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The tenant from a Lambda authorizer's context (`requestContext.authorizer.lambda.tenant`);
 * {@link DEFAULT_TENANT} when no authorizer ran. An authorizer that ran but gave no valid tenant is a
 * 403: falling back to the default tenant there would mix one tenant's data into another's.
 */
export function tenantOf(event: APIGatewayProxyEventV2): string | EdgeProblem {
  const authorizer = (event.requestContext as { authorizer?: unknown } | undefined)?.authorizer;
  if (authorizer === undefined || authorizer === null) return DEFAULT_TENANT;
  const lambda = (authorizer as { lambda?: unknown }).lambda;
  const tenant =
    typeof lambda === 'object' && lambda !== null ? (lambda as { tenant?: unknown }).tenant : undefined;
  if (typeof tenant === 'string' && TENANT_PATTERN.test(tenant)) return tenant;
  return { status: 403, message: 'the authorizer gave no valid tenant (1–64 of A–Z a–z 0–9 . _ -)' };
}
