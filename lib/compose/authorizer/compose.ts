/**
 * The authorizer's use case, composed once per Lambda container (and once per local stack): API keys
 * looked up by hash in the state table, decisions cached per key.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoApiKeyStore } from '../../adapters/dynamodb/api-keys.js';
import { type Authorizer, createAuthorizer } from '../../app/auth/authorize.js';
import { type Clock, systemClock } from '../../app/ports.js';
import { type Environment, requireEnv } from '../environment.js';

export interface AuthorizerEnvironment {
  /** `WINDROW_STATE_TABLE`: where the API keys are. */
  readonly tableName: string;
}

/** @throws {ConfigError} when `WINDROW_STATE_TABLE` is not set */
export function readAuthorizerEnvironment(env: Environment): AuthorizerEnvironment {
  return { tableName: requireEnv(env, 'WINDROW_STATE_TABLE') };
}

export interface AuthorizerClients {
  readonly dynamo: DynamoDBClient;
}

export interface AuthorizerOptions {
  readonly clock?: Clock;
  /** How long a decision is kept (default: `createAuthorizer`'s minute; 0 locally, so revoking is immediate). */
  readonly cacheMs?: number;
}

/** @example export const handler = createAuthorizerHandler({ authorizer: composeAuthorizer(environment, { dynamo }) }); */
export function composeAuthorizer(
  environment: AuthorizerEnvironment,
  clients: AuthorizerClients,
  options: AuthorizerOptions = {},
): Authorizer {
  const store = new DynamoApiKeyStore({ client: clients.dynamo, tableName: environment.tableName });
  return createAuthorizer(store, options.clock ?? systemClock, options.cacheMs);
}
