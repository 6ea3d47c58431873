/**
 * Command-line options of the local stack (`npm start -- …`): configuration per DESIGN.md §4 from
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
}

export const LOCAL_USAGE = `usage: npm start -- [options]
  --port N           HTTP port (default 4318, the OTLP/HTTP port)
  --host ADDR        bind address (default 127.0.0.1)
  --data-dir DIR     keep dynalite's data on disk in DIR (default: in memory)
  --config FILE      JSON configuration (DESIGN.md §4); flags below override it
  --tiers LIST       e.g. 1m,1h,1d
  --lateness DUR     allowed lateness, e.g. 30s
  --horizon DUR      correction horizon, e.g. 24h
  --shards N         shards per tier
  --tick DUR         how often the scheduled functions run locally (default 5s)
  --sink NAME        dynamodb (default locally) or timestream`;

/**
 * Parses argv into options. Unknown flags, unknown config keys and bad values throw ConfigError with
 * a message naming them.
 */
export function parseLocalOptions(argv: readonly string[]): LocalOptions {
  let values: Record<string, string | undefined>;
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
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new ConfigError((error as Error).message, { cause: error });
  }
  let input: ConfigInput & Record<string, unknown> = { sink: 'dynamodb' };
  if (values.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.config, 'utf8');
    } catch (error) {
      throw new ConfigError(`--config: cannot read ${values.config}`, { cause: error });
    }
    try {
      input = { ...input, ...(JSON.parse(text) as Record<string, unknown>) };
    } catch (error) {
      throw new ConfigError(`--config: ${values.config} is not valid JSON`, { cause: error });
    }
  }
  if (values.tiers !== undefined) input.tiers = values.tiers.split(',').map((t) => t.trim());
  if (values.lateness !== undefined) input.allowedLateness = values.lateness;
  if (values.horizon !== undefined) input.correctionHorizon = values.horizon;
  if (values.shards !== undefined) input.shards = Number(values.shards);
  if (values.sink !== undefined) input.sink = values.sink as 'dynamodb';
  const config = parseConfig(input);
  const port = values.port === undefined ? 4318 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: "${values.port}" is not a port`);
  return {
    host: values.host ?? '127.0.0.1',
    port,
    dataDir: values['data-dir'],
    tickMs: parseDuration(values.tick ?? '5s', '--tick'),
    config,
  };
}
