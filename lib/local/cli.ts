/**
 * `npx windrow …`: windrow from a terminal, against a running stack (local or deployed).
 *
 *   npx windrow query --metric NAME [--tier 1h|auto] [--since 6h | --from T --to T] [--window tumbling]
 *                     [--attr K=V]… [--resource K=V]… [--by K1,K2]… [--stats count,avg,p99] [--url URL] [--json]
 *   npx windrow metrics [--url URL]
 *   npx windrow demo [--url URL] [--interval 5s] [--duration 2m]
 *
 * `--url` defaults to $WINDROW_URL or http://127.0.0.1:4318; `--api-key` (or $WINDROW_API_KEY) is
 * sent as a bearer token when the deployment has auth on.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../core/window/duration.js';
import { startDemoTraffic } from './demo-sdk.js';
import { formatNumber, textTable } from './table.js';

export const CLI_USAGE = `usage:
  npx windrow query --metric NAME [--tier auto|1m|1h|1d] [--since 6h | --from T --to T]
                    [--window tumbling|sliding|session] [--attr K=V]... [--resource K=V]...
                    [--by K1,K2]... [--stats count,avg,p99] [--json] [--url URL] [--api-key KEY]
  npx windrow metrics [--url URL] [--api-key KEY]
  npx windrow demo [--url URL] [--api-key KEY] [--interval 5s] [--duration 2m]
T is RFC 3339 or epoch milliseconds; --url defaults to $WINDROW_URL or http://127.0.0.1:4318;
--api-key to $WINDROW_API_KEY (needed where auth is on: npm start -- --auth, and in AWS).
--by merges the series that share the keys, per window (by= of GET /v1/query): K is attr.K,
resource.K or a bare K (= attr.K); one --by is a comma-separated list, several --by give one key
each; --by '' merges every matching series into one. Not with --window session.`;

const DEFAULT_STATS = ['count', 'avg', 'min', 'max', 'p50', 'p99', 'sum', 'last'];

interface QuerySeries {
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
  points: Record<string, unknown>[];
  /** With `by`: how many series this group merged. */
  merged?: number;
}

/** An attribute value as a table cell shows it. */
function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The series column of the table: every attribute as `k=v`; for a grouped answer (`by`, normalized
 * keys) only the group's keys, in `by`'s order, as the dashboard shows them (`attr.K` as `K`), with
 * `(none)` for a group without the key, and `(all series)` for `by=`.
 *
 * @example seriesLabel({ resource: { 'service.name': 'shop' }, attributes: {}, points: [] }, ['resource.service.name']) // 'resource.service.name=shop'
 */
export function seriesLabel(series: QuerySeries, by?: readonly string[]): string {
  if (by === undefined) {
    return Object.entries({ ...series.resource, ...series.attributes })
      .map(([k, v]) => `${k}=${valueText(v)}`)
      .join(' ');
  }
  if (by.length === 0) return '(all series)';
  return by
    .map((key) => {
      const resource = key.startsWith('resource.');
      const name = resource ? key.slice('resource.'.length) : key.replace(/^attr\./, '');
      const value = (resource ? series.resource : series.attributes)[name];
      return `${resource ? key : name}=${value === undefined ? '(none)' : valueText(value)}`;
    })
    .join(' ');
}

export class CliError extends Error {}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly fetch: typeof fetch;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Runs one CLI command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(CLI_USAGE);
    return command === undefined ? 2 : 0;
  }
  const { values } = parseArgs({
    args: [...rest],
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      metric: { type: 'string' },
      tier: { type: 'string' },
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      window: { type: 'string' },
      attr: { type: 'string', multiple: true },
      resource: { type: 'string', multiple: true },
      by: { type: 'string', multiple: true },
      stats: { type: 'string' },
      json: { type: 'boolean' },
      interval: { type: 'string' },
      duration: { type: 'string' },
    },
    strict: true,
  });
  const url = (values.url ?? io.env.WINDROW_URL ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const apiKey = values['api-key'] ?? io.env.WINDROW_API_KEY;
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const getJson = async (path: string): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await io.fetch(`${url}${path}`, { headers });
    } catch (error) {
      throw new CliError(
        `cannot reach ${url}: ${(error as Error).message} — is windrow running (npm start)?`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw new CliError(`${response.status}: ${String(body.error ?? response.statusText)}`);
    return body;
  };

  switch (command) {
    case 'metrics': {
      const body = await getJson('/v1/metrics');
      const metrics = (body.metrics ?? []) as { name: string; type: string; unit: string; series: number }[];
      io.out(
        textTable(
          ['metric', 'type', 'unit', 'series'],
          metrics.map((m) => [m.name, m.type, m.unit, String(m.series)]),
        ),
      );
      return 0;
    }
    case 'query': {
      if (values.metric === undefined) throw new CliError('query: --metric is required');
      const search = new URLSearchParams({ metric: values.metric });
      for (const key of ['tier', 'since', 'from', 'to', 'window'] as const) {
        const v = values[key];
        if (v !== undefined) search.set(key, v);
      }
      if (values.since === undefined && values.from === undefined) search.set('since', '1h');
      for (const [flag, prefix] of [
        ['attr', 'attr.'],
        ['resource', 'resource.'],
      ] as const) {
        for (const pair of values[flag] ?? []) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new CliError(`--${flag} takes K=V, got "${pair}"`);
          search.append(`${prefix}${pair.slice(0, eq)}`, pair.slice(eq + 1));
        }
      }
      // As given: the API splits a lone `by` at commas, and reads several as one key each.
      for (const by of values.by ?? []) search.append('by', by);
      const body = await getJson(`/v1/query?${search}`);
      if (values.json) {
        io.out(JSON.stringify(body, null, 2));
        return 0;
      }
      const stats = values.stats?.split(',').map((s) => s.trim()) ?? DEFAULT_STATS;
      const by = Array.isArray(body.by) ? (body.by as string[]) : undefined;
      const rows: string[][] = [];
      for (const series of (body.series ?? []) as QuerySeries[]) {
        const label = seriesLabel(series, by);
        for (const p of series.points) {
          rows.push([
            String(p.start).replace('T', ' ').replace('.000Z', 'Z'),
            String(p.tier ?? body.tier),
            label,
            ...(by === undefined ? [] : [String(series.merged ?? '')]),
            ...stats.map((s) => (typeof p[s] === 'number' ? formatNumber(p[s] as number) : '')),
          ]);
        }
      }
      const grouping =
        by === undefined ? '' : by.length === 0 ? ' · all series merged' : ` · by ${by.join(', ')}`;
      io.out(
        `${String(body.metric)} · tier ${String(body.tier)} (${(body.tiers as string[]).join(' + ')}) · ${String(body.from)} → ${String(body.to)}${grouping}`,
      );
      if (typeof body.leftOut === 'number' && body.leftOut > 0) {
        const from = body.groupedFrom === undefined ? '' : `; grouped data from ${String(body.groupedFrom)}`;
        io.out(`${body.leftOut} results without state (written before windrow kept it) left out${from}`);
      }
      io.out(
        rows.length === 0
          ? '(no closed windows in range)'
          : textTable(['start', 'tier', 'series', ...(by === undefined ? [] : ['merged']), ...stats], rows),
      );
      return 0;
    }
    case 'demo': {
      const intervalMs = parseDuration(values.interval ?? '5s', '--interval');
      const durationMs =
        values.duration === undefined ? undefined : parseDuration(values.duration, '--duration');
      const demo = startDemoTraffic({ url, intervalMs, log: io.out });
      io.out(
        `demo traffic → ${url} every ${intervalMs / 1000}s${durationMs ? ` for ${durationMs / 1000}s` : ' until Ctrl-C'}`,
      );
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        if (durationMs !== undefined) setTimeout(done, durationMs);
        process.once('SIGINT', done);
      });
      await demo.stop();
      io.out(`demo: sent ${demo.totals.requests.toLocaleString('en-US')} requests' worth of metrics`);
      return 0;
    }
    default:
      throw new CliError(`unknown command "${command}"\n${CLI_USAGE}`);
  }
}
