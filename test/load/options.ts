/**
 * Options of the load test (`npm run loadtest -- --duration 20s --clients 16`): parsed, bounded and
 * checked once. The target is always the stack this process starts, on a loopback address; any
 * other host is refused, so the load test can never be pointed at someone else's machine.
 */

export interface LoadTestOptions {
  /** How long the clients send (ms). */
  readonly durationMs: number;
  /** Concurrent OTLP clients. */
  readonly clients: number;
  /** Stop once this many requests were started across all clients (undefined: only the duration). */
  readonly maxRequests: number | undefined;
  /** Series per metric per client: each request carries one point per series of two metrics. */
  readonly series: number;
  /** Tier sizes of the stack (`1s,10s,1m`). */
  readonly tiers: readonly string[];
  readonly lateness: string;
  readonly shards: number | undefined;
  /** The stack's closer runs every `tickMs` while the load runs (0: only after it). */
  readonly tickMs: number;
  /** Loopback address the stack listens on. */
  readonly host: string;
  /** Bound on the closing phase (ms). */
  readonly closeTimeoutMs: number;
  /** Seed of the values the clients send. */
  readonly seed: number;
  /** Also write the report as JSON to this file. */
  readonly jsonFile: string | undefined;
}

export const DEFAULT_OPTIONS: LoadTestOptions = {
  durationMs: 60_000,
  clients: 32,
  maxRequests: undefined,
  series: 25,
  tiers: ['1s', '10s', '1m'],
  lateness: '1s',
  shards: undefined,
  tickMs: 1_000,
  host: '127.0.0.1',
  closeTimeoutMs: 300_000,
  seed: 1,
  jsonFile: undefined,
};

/** Hard bounds: the load test is a bounded tool, not a soak test. */
export const LIMITS = {
  maxDurationMs: 30 * 60_000,
  maxClients: 512,
  maxSeries: 1_000,
  maxCloseTimeoutMs: 30 * 60_000,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run loadtest -- [options]

  --duration D        how long the clients send (default 60s; e.g. 10s, 2m, 1500ms; at most 30m)
  --clients N         concurrent OTLP clients (default 32, at most ${LIMITS.maxClients})
  --max-requests N    stop after N requests in all (default: only the duration bounds it)
  --series N          series per metric per client, one point each per request (default 25)
  --tiers LIST        tiers of the stack (default 1s,10s,1m)
  --lateness D        allowed lateness (default 1s)
  --shards N          shards (default: the configuration's default)
  --tick D            the closer runs every D during the load; 0: only after it (default 1s)
  --host ADDR         loopback address the stack listens on (default 127.0.0.1; nothing else)
  --close-timeout D   bound on closing every window after the load (default 5m)
  --seed N            seed of the values sent (default 1)
  --json FILE         also write the report as JSON
  --help              this text`;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `1500ms`, `20s`, `2m`, `1h`; a bare number is seconds. */
export function parseDurationMs(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`${what}: not a duration: ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000);
  if (!Number.isFinite(ms)) throw new UsageError(`${what}: not a duration: ${JSON.stringify(text)}`);
  return Math.round(ms);
}

function parseCount(text: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`${what}: not a whole number: ${JSON.stringify(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${what}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: the only addresses the load test will use. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4?.slice(1).every((part) => Number(part) <= 255) === true;
}

/** Throws unless `url` is http(s) on a loopback host. */
export function assertLoopbackUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  if (!isLoopback(parsed.hostname)) {
    throw new UsageError(
      `refusing a non-loopback target ${parsed.hostname}: the load test only runs on loopback`,
    );
  }
}

/** Parses `argv` (after the script name); `undefined` for `--help`. Throws `UsageError`. */
export function parseArgs(argv: readonly string[]): LoadTestOptions | undefined {
  const o = { ...DEFAULT_OPTIONS } as { -readonly [K in keyof LoadTestOptions]: LoadTestOptions[K] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return undefined;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    const take = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag}: needs a value`);
      i++;
      value = next;
      return next;
    };
    switch (flag) {
      case '--duration':
        o.durationMs = parseDurationMs(take(), flag);
        if (o.durationMs < 1 || o.durationMs > LIMITS.maxDurationMs) {
          throw new UsageError(`${flag}: must be between 1ms and 30m`);
        }
        break;
      case '--clients':
        o.clients = parseCount(take(), flag, 1, LIMITS.maxClients);
        break;
      case '--max-requests':
        o.maxRequests = parseCount(take(), flag, 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--series':
        o.series = parseCount(take(), flag, 1, LIMITS.maxSeries);
        break;
      case '--tiers':
        o.tiers = take()
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        if (o.tiers.length === 0) throw new UsageError(`${flag}: needs at least one tier`);
        break;
      case '--lateness':
        o.lateness = take();
        break;
      case '--shards':
        o.shards = parseCount(take(), flag, 1, 1_000);
        break;
      case '--tick':
        o.tickMs = parseDurationMs(take(), flag);
        break;
      case '--host':
        o.host = take();
        if (!isLoopback(o.host)) {
          throw new UsageError(`--host: refusing ${o.host}: the load test only runs on loopback`);
        }
        break;
      case '--close-timeout':
        o.closeTimeoutMs = parseDurationMs(take(), flag);
        if (o.closeTimeoutMs < 1 || o.closeTimeoutMs > LIMITS.maxCloseTimeoutMs) {
          throw new UsageError(`${flag}: must be between 1ms and 30m`);
        }
        break;
      case '--seed':
        o.seed = parseCount(take(), flag, 0, 2 ** 32 - 1);
        break;
      case '--json':
        o.jsonFile = take();
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return o;
}
