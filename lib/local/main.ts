/**
 * `npm start`: windrow on a laptop. dynalite in memory (or on disk with --data-dir), the ingest
 * handler behind http://127.0.0.1:4318, the configuration printed at start; Ctrl-C stops it cleanly.
 */
import { redactUrl } from '../adapters/postgres/connection.js';
import { IncompatibleConfigError, LAYOUT_LEAD_MS } from '../app/deployment-state.js';
import { describeConfig } from '../core/config/config.js';
import { WindrowError } from '../core/errors.js';
import { startDemoTraffic } from './demo-sdk.js';
import { LOCAL_USAGE, parseLocalOptions } from './options.js';
import { PortInUseError, startLocalStack } from './stack.js';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(LOCAL_USAGE);
    return;
  }
  const options = parseLocalOptions(argv);
  // EMF lines are for CloudWatch; on a laptop the status line per tick says the same. Set
  // POWERTOOLS_METRICS_DISABLED=false to see them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stack = await startLocalStack({
    config: options.config,
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    tickMs: options.tickMs,
    auth: options.auth,
    dynamoPort: options.dynamoPort,
    postgresUrl: options.postgresUrl,
    log: (line) => console.log(line),
  });
  const url = stack.url;
  console.log(`windrow is running (local stack: dynalite ${options.dataDir === undefined ? 'in memory' : `on disk in ${options.dataDir}`}, sink ${options.config.sink})

  OTLP/HTTP metrics   POST ${url}/v1/metrics   (application/x-protobuf or application/json; gzip, zstd or deflate ok)
  simple points       POST ${url}/v1/points    (application/json)
  dashboard           ${url}/

  point an OpenTelemetry SDK at it:
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=${url}/v1/metrics OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/protobuf

  ${
    options.auth
      ? `auth: ON — send Authorization: Bearer <key>; create one: npm run keys -- create --tenant NAME`
      : `auth: OFF — ANYONE who can reach ${url} writes and reads as tenant "default" (npm start -- --auth to require API keys)`
  }
  configuration: ${JSON.stringify(describeConfig(options.config))}${
    stack.shardsInForce === options.config.shards
      ? ''
      : `
  shards: ${stack.shardsInForce} in force in this data directory; ${options.config.shards} take effect from the first ${options.config.tiers.at(-1)?.name ?? ''} window start at least ${Math.round(LAYOUT_LEAD_MS / 60_000)} minutes after the planner's next run (see "Changing the configuration" in the README)`
  }
  planner and close worker every ${options.tickMs / 1000}s; results in ${
    options.postgresUrl === undefined
      ? 'the DynamoDB table windrow-results'
      : `PostgreSQL ${redactUrl(options.postgresUrl)} (view windrow_results)`
  }
  status per tick: points in | windows closed per tier | close lag | corrections | queued | dead letters
  query:  curl '${url}/v1/query?metric=NAME&since=1h'   or   npx windrow query --metric NAME --since 1h

Ctrl-C to stop.`);
  const demo = options.demo ? startDemoTraffic({ url, log: (line) => console.log(line) }) : undefined;
  if (demo !== undefined) {
    console.log(
      'demo traffic: 3 services (checkout, cart, payments) through the OpenTelemetry SDK, every 5s',
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    Promise.resolve(demo?.stop())
      .then(() => stack.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('windrow: stop failed', error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof PortInUseError) {
    // Regression: a taken dynalite port (4319) was answered with "Use --port", the HTTP port's flag.
    const flag = error.server === 'dynalite' ? '--dynamo-port' : '--port';
    console.error(`windrow: ${error.message} — is windrow already running? Use ${flag} to pick another.`);
    process.exit(2);
  }
  if (error instanceof WindrowError) {
    // A configuration the data directory cannot follow is not a usage error: no usage text after it.
    const usage = error.cause instanceof IncompatibleConfigError ? '' : `\n\n${LOCAL_USAGE}`;
    console.error(`windrow: ${error.message}${usage}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
