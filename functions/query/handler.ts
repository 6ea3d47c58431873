/**
 * The query Lambda: `GET /v1/metrics`, `GET /v1/query` and the dashboard (`GET /`, `/dashboard.js`)
 * behind the HTTP API. Built once at cold start from `WINDROW_STATE_TABLE` (checkpoints, the metric
 * index, the series catalog), `WINDROW_CONFIG`, and the sink's store: `WINDROW_RESULTS_TABLE` for
 * `dynamodb`, `WINDROW_TIMESTREAM_DATABASE` for `timestream`. A missing or bad variable fails the
 * init, not every request. The dashboard comes from the module `npm run build:dashboard` generates,
 * so the function carries two strings and no esbuild.
 */
import { createDynamoClient } from '../../lib/adapters/dynamodb/client.js';
import { DynamoCloseStore } from '../../lib/adapters/dynamodb/close-store.js';
import { DynamoMetricCatalog } from '../../lib/adapters/dynamodb/metric-index.js';
import { DynamoResultsReader } from '../../lib/adapters/dynamodb/results-reader.js';
import { DynamoSeriesLookup } from '../../lib/adapters/dynamodb/series-lookup.js';
import { createTimestreamQueryClient, TimestreamReader } from '../../lib/adapters/timestream/reader.js';
import type { ResultReader } from '../../lib/app/results.js';
import { configureDashboard } from '../../lib/dashboard/assets.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from '../../lib/dashboard/generated/assets.js';
import { configFromEnv, requireEnv } from '../shared/environment.js';
import { createQueryHandler } from './create-handler.js';

const config = configFromEnv(process.env);
const stateTable = requireEnv(process.env, 'WINDROW_STATE_TABLE');
// The adapters run their own bounded backoff; two SDK attempts absorb a stale connection.
const SDK_MAX_ATTEMPTS = 2;
const client = createDynamoClient({ maxAttempts: SDK_MAX_ATTEMPTS });

const reader: ResultReader =
  config.sink === 'dynamodb'
    ? new DynamoResultsReader({ client, tableName: requireEnv(process.env, 'WINDROW_RESULTS_TABLE') })
    : new TimestreamReader({
        client: createTimestreamQueryClient({ maxAttempts: SDK_MAX_ATTEMPTS }),
        databaseName: requireEnv(process.env, 'WINDROW_TIMESTREAM_DATABASE'),
        // Exact attributes from the catalog: the sink may have renamed or cut dimensions.
        lookup: new DynamoSeriesLookup({ client, tableName: stateTable }),
      });

export const handler = createQueryHandler({
  config,
  deps: {
    reader,
    checkpoints: new DynamoCloseStore({ client, tableName: stateTable }),
  },
  metrics: new DynamoMetricCatalog({ client, tableName: stateTable }),
  dashboard: configureDashboard({ html: DASHBOARD_HTML, js: DASHBOARD_JS }, config),
});
