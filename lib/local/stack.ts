/**
 * The local stack: the same handlers AWS runs, in one Node process, composed as the Lambdas compose
 * them (lib/compose) with dynalite's client. dynalite serves the DynamoDB API on loopback (in memory,
 * or on disk with a data directory); a node:http server turns each request into an API Gateway v2
 * event for the function that owns its route (DESIGN.md §1).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoApiKeyStore } from '../adapters/dynamodb/api-keys.js';
import { createResultsTable, createWindowStateTable } from '../adapters/dynamodb/table.js';
import { apiFor, isPublicPath } from '../adapters/http/routes.js';
import { PostgresDatabase, redactUrl } from '../adapters/postgres/connection.js';
import { IncompatibleConfigError } from '../app/deployment-state.js';
import type { Clock } from '../app/ports.js';
import { systemClock } from '../app/ports.js';
import type { ResultReader } from '../app/results.js';
import { composeAuthorizer } from '../compose/authorizer/compose.js';
import { composeIngest } from '../compose/ingest/compose.js';
import { createIngestHandler } from '../compose/ingest/create-handler.js';
import { checkDeployment } from '../compose/planner/compose.js';
import { composeQuery } from '../compose/query/compose.js';
import { createQueryHandler } from '../compose/query/create-handler.js';
import type { SinkSettings } from '../compose/sinks/settings.js';
import type { WindrowConfig } from '../core/config/config.js';
import { ConfigError, WindrowError } from '../core/errors.js';
import type { DashboardAssets } from '../dashboard/assets.js';
import { buildDashboard } from '../dashboard/build.js';
import { lambdaContext, readBody, requestUrl, toApiGatewayEvent, writeResult } from './apigw-bridge.js';
import { LocalCloser } from './closer.js';
import { type Dynalite, startDynalite } from './dynalite.js';

export const STATE_TABLE = 'windrow-state';
export const RESULTS_TABLE = 'windrow-results';

/**
 * A port the local stack listens on is taken. `server` says which: dynalite's (`--dynamo-port` of
 * `npm start`) or the HTTP API's (`--port`), so the message can name the flag that picks another.
 */
export class PortInUseError extends WindrowError {
  readonly server: 'dynalite' | 'http';
  readonly port: number;

  constructor(server: 'dynalite' | 'http', port: number, options?: { cause?: unknown }) {
    super(`${server === 'dynalite' ? "dynalite's" : 'the HTTP'} port ${port} is in use`, options);
    this.server = server;
    this.port = port;
  }
}

/** `error` as a {@link PortInUseError} when it is EADDRINUSE, as it is otherwise. */
function inUseAs(server: 'dynalite' | 'http', port: number): (error: unknown) => never {
  return (error) => {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
      throw new PortInUseError(server, port, { cause: error });
    }
    throw error;
  };
}

export interface LocalStackOptions {
  readonly config: WindrowConfig;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly dataDir?: string;
  /** dynalite's port (0 or unset: a free one); `npm start` uses 4319 so `npm run keys` finds it. */
  readonly dynamoPort?: number;
  /** Require API keys (`Authorization: Bearer <key>`) on every route but the dashboard page. */
  readonly auth?: boolean;
  readonly clock?: Clock;
  /** Silence the handlers' structured logs (tests). */
  readonly quiet?: boolean;
  /** Run the planner and close worker every `tickMs` (0 or unset: only when `closer.tick()` is called). */
  readonly tickMs?: number;
  /**
   * The dashboard served at `/` (see lib/dashboard). Default: built from lib/dashboard with esbuild
   * on the first request for it, so the page always matches the source.
   */
  readonly dashboard?: DashboardAssets;
  /** Status lines and dead letters of the scheduled side. */
  readonly log?: (line: string) => void;
  /** The database of `sink: 'postgres'` (window state stays in dynalite). */
  readonly postgresUrl?: string;
}

export interface LocalStack {
  /** `http://host:port` */
  readonly url: string;
  readonly db: Dynalite;
  /** The scheduled side: `closer.tick()` runs the planner and drains the close queue once. */
  readonly closer: LocalCloser;
  /** Reads what the close worker wrote to the results table. */
  readonly results: ResultReader;
  /** API keys (in the state table), for `npm run keys` and tests. */
  readonly keys: DynamoApiKeyStore;
  /**
   * The shard count in force in the data directory now: when it differs from the configured one,
   * the planner records the change on its next run, from an epoch boundary (README "Changing the
   * configuration").
   */
  readonly shardsInForce: number;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  if (options.quiet) {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  }
  const db = await startDynalite({
    path: options.dataDir,
    ...(options.dynamoPort === undefined ? {} : { port: options.dynamoPort }),
  }).catch(inUseAs('dynalite', options.dynamoPort ?? 0));
  if (options.config.sink === 'timestream') {
    await db.stop();
    throw new ConfigError(
      'Timestream runs only in AWS: locally use --sink dynamodb (dynalite) or --sink postgres',
    );
  }
  // The sink: the DynamoDB results table in dynalite, or PostgreSQL (window state stays in dynalite).
  let sink: SinkSettings = { kind: 'dynamodb', resultsTable: RESULTS_TABLE };
  let postgres: PostgresDatabase | undefined;
  try {
    await createWindowStateTable(db.client, STATE_TABLE);
    await createResultsTable(db.client, RESULTS_TABLE);
    if (options.config.sink === 'postgres') {
      const url = options.postgresUrl;
      if (url === undefined) throw new ConfigError('the postgres sink needs a database URL (--postgres-url)');
      sink = { kind: 'postgres', connection: { url } };
      postgres = new PostgresDatabase({ url, max: 4, connectTimeoutSeconds: 5 }, options.config);
      // Reached and migrated before serving: a database that is down is said at once, by its URL.
      await postgres.schema().catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ConfigError(
          reason.includes(redactUrl(url)) ? reason : `PostgreSQL at ${redactUrl(url)}: ${reason}`,
          { cause: error },
        );
      });
    }
  } catch (error) {
    await postgres?.close();
    await db.stop();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const state = { tableName: STATE_TABLE, config: options.config };
  const clients = { dynamo: db.client };
  // A configuration the data directory's stored state cannot follow is refused before serving.
  let shardsInForce: number;
  try {
    ({ shardsInForce } = await checkDeployment(state, clients, clock));
  } catch (error) {
    await postgres?.close();
    await db.stop();
    if (error instanceof IncompatibleConfigError) {
      throw new ConfigError(
        `${error.problems.join('\n')}\n(see "Changing the configuration" in the README)`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const closer = new LocalCloser({
    config: options.config,
    clock,
    client: db.client,
    stateTable: STATE_TABLE,
    resultsTable: RESULTS_TABLE,
    sink,
    postgres,
    log: options.log,
    logLevel: options.quiet ? 'SILENT' : 'WARN',
  });
  const ingest = composeIngest(state, clients, clock);
  const ingestHandler = createIngestHandler({
    config: options.config,
    ingest: async (request) => {
      const result = await ingest(request);
      closer.countPoints(result.accepted);
      return result;
    },
  });
  if (options.tickMs !== undefined && options.tickMs > 0) closer.start(options.tickMs);
  const query = composeQuery(
    { ...state, sink },
    { ...clients, postgres },
    {
      clock,
      dashboard: options.dashboard ?? buildDashboard,
    },
  );
  const queryHandler = createQueryHandler(query);

  // API keys, for `npm run keys` and tests.
  const keys = new DynamoApiKeyStore({ client: db.client, tableName: STATE_TABLE });
  // Locally a revocation takes effect at once (no decision cache).
  const authorizer = options.auth ? composeAuthorizer(state, clients, { clock, cacheMs: 0 }) : undefined;

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        let body: Buffer | undefined;
        try {
          body = await readBody(req);
        } catch {
          // The client went away before its body was complete (aborted, reset): no one to answer.
          res.destroy();
          return;
        }
        if (body === undefined) {
          writeResult(res, {
            statusCode: 413,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code: 3, message: 'request body larger than 10 MB' }),
          });
          return;
        }
        if (requestUrl(req.url) === undefined) {
          // `*`, `//[`, `http://[::1/…`: no path to route (API Gateway never passes such a target).
          writeResult(res, {
            statusCode: 400,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ error: 'the request target is not a path or an absolute URL' }),
          });
          return;
        }
        const event = toApiGatewayEvent(req, body);
        const path = event.rawPath;
        const method = event.requestContext.http.method;
        if (authorizer !== undefined && !isPublicPath(path)) {
          // As API Gateway does with the Lambda authorizer: 401 without a key, 403 with a bad one.
          const decision = await authorizer.authorize(event.headers.authorization);
          if (!decision.ok) {
            writeResult(res, {
              statusCode: decision.status,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                message: decision.status === 401 ? 'Unauthorized' : 'Forbidden',
                reason: decision.reason,
              }),
            });
            return;
          }
          (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
            lambda: { tenant: decision.tenant },
          };
        }
        // As API Gateway routes (lib/adapters/http/routes.ts), each function answering what it owns.
        const api = apiFor(method, path);
        if (api !== undefined) {
          const handler = api === 'ingest' ? ingestHandler : queryHandler;
          const context = lambdaContext(`windrow-${api}`, event.requestContext.requestId);
          writeResult(res, await handler(event, context));
          return;
        }
        writeResult(res, {
          statusCode: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: `no route for ${event.requestContext.http.method} ${path}` }),
        });
      } catch (error) {
        // The handler answers every input itself; reaching here is a bug in the bridge.
        console.error('windrow local: request failed', error);
        if (!res.headersSent) writeResult(res, { statusCode: 500, body: 'internal error' });
        else res.destroy();
      }
    })();
  });
  const port = options.port ?? 4318;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await closer.stop();
    await postgres?.close();
    await db.stop();
    inUseAs('http', port)(error);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    db,
    closer,
    results: query.deps.reader,
    keys,
    shardsInForce,
    stop() {
      stopped ??= (async () => {
        await closer.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await postgres?.close();
        await db.stop();
      })();
      return stopped;
    },
  };
}
