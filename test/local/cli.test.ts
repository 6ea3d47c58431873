/**
 * `npx windrow` against the local stack over loopback: metrics, query as a table and as JSON,
 * filters, and usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { CliError, runCli } from '#local/cli.js';
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
