/**
 * `npx windrow` against the local stack over loopback: metrics, query as a table and as JSON,
 * filters, grouping (`--by`), and usage errors; and what `--by` sends and prints, against a
 * canned answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { CliError, runCli, seriesLabel } from '#local/cli.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';

const config = parseConfig({ tiers: ['1s', '10s'], allowedLateness: '1s', shards: 2, sink: 'dynamodb' });
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
let t0 = 0;

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock });
  await stack.closer.tick();
  t0 = Math.ceil((clock.nowMs() + 1_000) / 10_000) * 10_000;
  offsetMs = t0 - Date.now();
  const points = Array.from({ length: 12 }, (_, i) => ({
    metric: 'cpu.temp',
    timestamp: t0 + i * 500,
    value: i - 3.5,
    attributes: { host: i % 2 === 0 ? 'a' : 'b' },
  }));
  const response = await fetch(`${stack.url}/v1/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ points }),
  });
  expect(response.status).toBe(200);
  while (clock.nowMs() < t0 + 23_000) {
    offsetMs += 1_000;
    await stack.closer.tick();
  }
});
afterAll(() => stack?.stop());

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (t) => lines.push(t), fetch, env: {} });
  return { code, out: lines.join('\n') };
}

describe('npx windrow', () => {
  it('metrics lists what was sent', async () => {
    const { code, out } = await run('metrics', '--url', stack.url);
    expect(code).toBe(0);
    expect(out).toMatch(/cpu\.temp\s+gauge\s+2/);
  });

  it('query prints one row per closed window and series, with the chosen stats', async () => {
    const { code, out } = await run(
      'query',
      '--url',
      stack.url,
      '--metric',
      'cpu.temp',
      '--tier',
      '1s',
      '--from',
      String(t0),
      '--to',
      String(t0 + 10_000),
      '--stats',
      'count,min,max',
    );
    expect(code).toBe(0);
    const rows = out.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} /.test(l));
    expect(rows).toHaveLength(12); // 6 seconds × 2 hosts, one point each
    expect(out).toContain('host=a');
    const filtered = await run(
      'query',
      '--url',
      stack.url,
      '--metric',
      'cpu.temp',
      '--tier',
      '10s',
      '--from',
      String(t0),
      '--to',
      String(t0 + 10_000),
      '--attr',
      'host=b',
      '--json',
    );
    const body = JSON.parse(filtered.out) as { series: { points: { count: number; min: number }[] }[] };
    expect(body.series).toHaveLength(1);
    expect(body.series[0]?.points[0]).toMatchObject({ count: 6, min: -2.5 });
  });

  it('query --by merges series per window and prints the group keys and merged counts', async () => {
    const range = ['--tier', '1s', '--from', String(t0), '--to', String(t0 + 10_000)];
    const all = await run(
      'query',
      '--url',
      stack.url,
      '--metric',
      'cpu.temp',
      ...range,
      '--by',
      '',
      '--json',
    );
    const merged = JSON.parse(all.out) as {
      by: string[];
      series: { merged: number; attributes: object; points: { count: number; series: number }[] }[];
    };
    expect(merged.by).toEqual([]);
    expect(merged.series).toHaveLength(1);
    expect(merged.series[0]).toMatchObject({ merged: 2, attributes: {} });
    expect(merged.series[0]?.points).toHaveLength(6); // one window per second, both hosts in each
    expect(merged.series[0]?.points.every((p) => p.count === 2 && p.series === 2)).toBe(true);

    const byHost = await run('query', '--url', stack.url, '--metric', 'cpu.temp', ...range, '--by', 'host');
    expect(byHost.code).toBe(0);
    expect(byHost.out).toContain('· by attr.host');
    expect(byHost.out).toMatch(/^start\s+tier\s+series\s+merged\s+count/m);
    const rows = byHost.out.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} /.test(l));
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => /host=[ab]\s+1\s/.test(r))).toBe(true);

    await expect(
      run('query', '--url', stack.url, '--metric', 'cpu.temp', '--window', 'session', '--by', 'host'),
    ).rejects.toThrow(/400: (by|window)/);
  });

  it('refuses bad usage with a message naming the problem', async () => {
    await expect(run('query', '--url', stack.url)).rejects.toThrow(/--metric is required/);
    await expect(run('query', '--url', stack.url, '--metric', 'cpu.temp', '--tier', '7m')).rejects.toThrow(
      /400: tier/,
    );
    await expect(run('query', '--url', stack.url, '--metric', 'x', '--attr', 'nokey')).rejects.toThrow(
      CliError,
    );
    await expect(run('frobnicate')).rejects.toThrow(/unknown command/);
    await expect(run('metrics', '--url', 'http://127.0.0.1:9')).rejects.toThrow(/cannot reach/);
    expect((await run()).code).toBe(2);
  });
});

describe('npx windrow query --by (against a canned answer)', () => {
  const answer = {
    metric: 'http.server.request.duration',
    tier: '1m',
    tiers: ['1m'],
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-01T01:00:00.000Z',
    by: ['attr.http.route', 'resource.service.name'],
    leftOut: 3,
    groupedFrom: '2026-01-01T00:30:00.000Z',
    series: [
      {
        resource: { 'service.name': 'payments' },
        attributes: { 'http.route': '/api/pay' },
        unit: 'ms',
        type: 'histogram',
        merged: 12,
        points: [{ start: '2026-01-01T00:31:00.000Z', series: 11, count: 412, p99: 687.5 }],
      },
    ],
    truncated: false,
  };

  async function sent(...by: string[]): Promise<{ query: URLSearchParams; out: string }> {
    let url = '';
    const lines: string[] = [];
    const fetch = (async (input: string) => {
      url = input;
      return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    await runCli(
      ['query', '--url', 'http://windrow.test', '--metric', 'm', ...by.flatMap((b) => ['--by', b])],
      {
        out: (t) => lines.push(t),
        fetch,
        env: {},
      },
    );
    return { query: new URL(url).searchParams, out: lines.join('\n') };
  }

  it('passes --by through as the API reads it: a comma list, repeated keys, or empty for all', async () => {
    expect((await sent()).query.has('by')).toBe(false);
    expect((await sent('http.route,resource.service.name')).query.getAll('by')).toEqual([
      'http.route,resource.service.name',
    ]);
    expect((await sent('a', 'resource.b')).query.getAll('by')).toEqual(['a', 'resource.b']);
    expect((await sent('')).query.getAll('by')).toEqual(['']);
  });

  it('prints the grouping, what was left out, and per row the group keys and merged count', async () => {
    const { out } = await sent('http.route,resource.service.name');
    expect(out).toContain('· by attr.http.route, resource.service.name');
    expect(out).toContain('3 results without state');
    expect(out).toContain('grouped data from 2026-01-01T00:30:00.000Z');
    const [header, , row] = out.split('\n').slice(-3);
    expect(header?.split(/\s+/).slice(0, 5)).toEqual(['start', 'tier', 'series', 'merged', 'count']);
    expect(row).toMatch(/http\.route=\/api\/pay resource\.service\.name=payments\s+12\s+412\b/);
  });

  it('labels a group by its keys only, (none) for an absent key, (all series) for by=', () => {
    const s = {
      resource: { 'service.name': 'shop', 'host.name': 'h' },
      attributes: { route: '/a', code: 200 },
      points: [],
    };
    expect(seriesLabel(s)).toBe('service.name=shop host.name=h route=/a code=200');
    expect(seriesLabel(s, ['attr.code', 'resource.service.name'])).toBe(
      'code=200 resource.service.name=shop',
    );
    expect(seriesLabel(s, ['attr.missing'])).toBe('missing=(none)');
    expect(seriesLabel(s, [])).toBe('(all series)');
  });
});
