/** The authorizer Lambda: API keys looked up by hash in the window-state table (built at cold start). */

import { DynamoApiKeyStore } from '../../lib/adapters/dynamodb/api-keys.js';
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { createAuthorizer } from '../../lib/app/auth/authorize.js';
import { systemClock } from '../../lib/app/ports.js';
import { requireEnv } from '../shared/environment.js';
import { createAuthorizerHandler } from './create-handler.js';

const store = new DynamoApiKeyStore({
  client: createDynamoClient({ maxAttempts: 2 }),
  tableName: requireEnv(process.env, 'WINDROW_STATE_TABLE'),
});

export const handler = createAuthorizerHandler({ authorizer: createAuthorizer(store, systemClock) });
