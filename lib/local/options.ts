/**
 * Command-line options of the local stack (`npm start -- …`): configuration per DESIGN.md §10 from
 * `--config FILE` and flags (flags win), validated once with the same schema as the CDK app.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ConfigInput, parseConfig, type WindrowConfig } from '../core/config/config.js';
import { ConfigError } from '../core/errors.js';
import { parseDuration } from '../core/window/duration.js';

export interface LocalOptions {
  readonly host: string;
  readonly port: number;
  /** Keep dynalite's data on disk here; in memory when undefined. */
  readonly dataDir: string | undefined;
  /** How often the scheduled functions run locally. */
  readonly tickMs: number;
  readonly config: WindrowConfig;
  /** Also run demo traffic (the real OpenTelemetry SDK) against the stack. */
  readonly demo: boolean;
  /** Require API keys (`npm run keys -- create --tenant NAME`). */
  readonly auth: boolean;
  /** dynalite's port, where `npm run keys` finds the local table (default 4319). */
  readonly dynamoPort: number;
  /**
   * The PostgreSQL sink's URL (`--sink postgres`): `--postgres-url`, else `WINDROW_POSTGRES_URL`, else
   * `"postgres": {"url": …}` in the configuration file. Undefined for the other sinks.
   */
  readonly postgresUrl: string | undefined;
}

export const LOCAL_USAGE = `usage: npm start -- [options]
  --port N           HTTP port (default 4318, the OTLP/HTTP port)
  --host ADDR        bind address (default 127.0.0.1)
  --data-dir DIR     keep dynalite's data on disk in DIR (default: in memory)
  --config FILE      JSON configuration (DESIGN.md §10); flags below override it
  --tiers LIST       e.g. 1m,1h,1d
  --lateness DUR     allowed lateness, e.g. 30s
  --horizon DUR      correction horizon, e.g. 24h
  --shards N         shards per tier
  --tick DUR         how often the scheduled functions run locally (default 5s)
  --sink NAME        dynamodb (default locally) or postgres (timestream runs only in AWS)
  --postgres-url URL the PostgreSQL sink's database, postgres://user:password@host:5432/db
                     (else WINDROW_POSTGRES_URL, else "postgres": {"url": …} in the --config file)
  --demo             also send demo traffic (three services through the OpenTelemetry SDK)
  --auth             require API keys (Authorization: Bearer <key>; npm run keys -- create --tenant NAME)
  --dynamo-port N    dynalite's port, for npm run keys (default 4319)`;

/**
 * Parses argv into options. Unknown flags, unknown config keys and bad values throw ConfigError with
 * a message naming them.
 */
export function parseLocalOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): LocalOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        tiers: { type: 'string' },
        lateness: { type: 'string' },
        horizon: { type: 'string' },
        shards: { type: 'string' },
        tick: { type: 'string' },
        sink: { type: 'string' },
        'postgres-url': { type: 'string' },
        demo: { type: 'boolean' },
        auth: { type: 'boolean' },
        'dynamo-port': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    throw new ConfigError((error as Error).message, { cause: error });
  }
  let input: ConfigInput & Record<string, unknown> = { sink: 'dynamodb' };
  const file = values.config as string | undefined;
  const text = (name: string): string | undefined => values[name] as string | undefined;
  if (file !== undefined) {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`--config: cannot read ${file}`, { cause: error });
    }
    try {
      input = { ...input, ...(JSON.parse(content) as Record<string, unknown>) };
    } catch (error) {
      throw new ConfigError(`--config: ${file} is not valid JSON`, { cause: error });
    }
  }
  const tiers = text('tiers');
  if (tiers !== undefined) input.tiers = tiers.split(',').map((t) => t.trim());
  if (text('lateness') !== undefined) input.allowedLateness = text('lateness');
  if (text('horizon') !== undefined) input.correctionHorizon = text('horizon');
  if (text('shards') !== undefined) input.shards = Number(text('shards'));
  if (text('sink') !== undefined) input.sink = text('sink') as 'dynamodb';
  // `postgres` is the local runner's (a URL may hold a password): never part of the configuration.
  const { postgres: filePostgres, ...configInput } = input;
  const config = parseConfig(configInput);
  const postgresUrl = postgresUrlOf(text('postgres-url'), env.WINDROW_POSTGRES_URL, filePostgres);
  if (config.sink === 'postgres' && postgresUrl === undefined) {
    throw new ConfigError(
      'the postgres sink needs a database: --postgres-url URL, WINDROW_POSTGRES_URL, or "postgres": {"url": …} in the --config file',
    );
  }
  const port = text('port') === undefined ? 4318 : Number(text('port'));
  const dynamoPort = text('dynamo-port') === undefined ? 4319 : Number(text('dynamo-port'));
  if (!Number.isInteger(dynamoPort) || dynamoPort < 0 || dynamoPort > 65535)
    throw new ConfigError(`--dynamo-port: "${text('dynamo-port')}" is not a port`);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: "${text('port')}" is not a port`);
  return {
    host: text('host') ?? '127.0.0.1',
    port,
    dataDir: text('data-dir'),
    tickMs: parseDuration(text('tick') ?? '5s', '--tick'),
    config,
    demo: values.demo === true,
    auth: values.auth === true,
    dynamoPort,
    postgresUrl: config.sink === 'postgres' ? postgresUrl : undefined,
  };
}

/** The flag wins over the variable, the variable over the file; blank counts as unset. */
function postgresUrlOf(
  flag: string | undefined,
  variable: string | undefined,
  file: unknown,
): string | undefined {
  let fromFile: string | undefined;
  if (file !== undefined) {
    const url = (file as { url?: unknown } | null)?.url;
    if (typeof file !== 'object' || file === null || Array.isArray(file) || typeof url !== 'string') {
      throw new ConfigError('--config: "postgres" must be {"url": "postgres://…"}');
    }
    const extra = Object.keys(file).filter((k) => k !== 'url');
    if (extra.length > 0) throw new ConfigError(`--config: postgres: unknown key "${extra[0]}"`);
    fromFile = url;
  }
  for (const url of [flag, variable, fromFile]) {
    if (url === undefined || url.trim() === '') continue;
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigError('the PostgreSQL URL must start with postgres:// or postgresql://');
    }
    return url;
  }
  return undefined;
}
