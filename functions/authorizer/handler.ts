/** The authorizer Lambda: API keys looked up by hash in the window-state table (built at cold start). */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { composeAuthorizer, readAuthorizerEnvironment } from '../../lib/compose/authorizer/compose.js';
import { createAuthorizerHandler } from '../../lib/compose/authorizer/create-handler.js';
import { LAMBDA_SDK_MAX_ATTEMPTS } from '../../lib/compose/environment.js';

const environment = readAuthorizerEnvironment(process.env);

export const handler = createAuthorizerHandler({
  authorizer: composeAuthorizer(environment, {
    dynamo: createDynamoClient({ maxAttempts: LAMBDA_SDK_MAX_ATTEMPTS }),
  }),
});
