/**
 * The query Lambda: `GET /v1/metrics`, `GET /v1/query` and the dashboard (`GET /`, `/dashboard.js`)
 * behind the HTTP API. Built once at cold start from `WINDROW_STATE_TABLE` (checkpoints, the metric
 * index, the series catalog), `WINDROW_CONFIG`, and the sink's store: `WINDROW_RESULTS_TABLE` for
 * `dynamodb`, `WINDROW_TIMESTREAM_DATABASE` for `timestream`, `WINDROW_POSTGRES_URL` for `postgres`. A missing or bad variable fails the
 * init, not every request. The dashboard comes from the module `npm run build:dashboard` generates,
 * so the function carries two strings and no esbuild.
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { createTimestreamQueryClient } from '../../lib/adapters/timestream/reader.js';
import { LAMBDA_SDK_MAX_ATTEMPTS } from '../../lib/compose/environment.js';
import { composeQuery, readQueryEnvironment } from '../../lib/compose/query/compose.js';
import { createQueryHandler } from '../../lib/compose/query/create-handler.js';
import { postgresClient } from '../../lib/compose/sinks/postgres-client.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from '../../lib/dashboard/generated/assets.js';

const environment = readQueryEnvironment(process.env);
const maxAttempts = LAMBDA_SDK_MAX_ATTEMPTS;

export const handler = createQueryHandler(
  composeQuery(
    environment,
    {
      dynamo: createDynamoClient({ maxAttempts }),
      timestreamQuery:
        environment.sink.kind === 'timestream' ? createTimestreamQueryClient({ maxAttempts }) : undefined,
      postgres: postgresClient(environment.sink, environment.config),
    },
    { dashboard: { html: DASHBOARD_HTML, js: DASHBOARD_JS } },
  ),
);
