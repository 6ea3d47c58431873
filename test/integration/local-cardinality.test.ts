/**
 * The cardinality guard on the local stack: a tenant may create `limits.maxNewSeriesPerWindow` new
 * series per first-tier window; past it, new series are refused with their points counted in the
 * partial success (reason series_limit) and nothing of them stored, while series already known keep
 * being accepted, other tenants are unaffected, and a refused series gets in once a new window's
 * budget allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { storedSeries } from '../support/local-store.js';

const config = parseConfig({
  tiers: ['1m'],
  shards: 2,
  sink: 'dynamodb',
  limits: { maxNewSeriesPerWindow: 10 },
});
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock });
});
afterAll(() => stack?.stop());

async function send(hosts: string[], points = 1) {
  const t = clock.nowMs();
  const response = await fetch(`${stack.url}/v1/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      points: hosts.flatMap((host) =>
        Array.from({ length: points }, (_, i) => ({
          metric: 'card',
          timestamp: t - i,
          value: 1,
          attributes: { host },
        })),
      ),
    }),
  });
  return (await response.json()) as { accepted: number; rejected: number; errors: string[] };
}

describe('Cardinality guard', () => {
  it('refuses new series past the limit per window, keeps known ones, and admits in the next window', async () => {
    const first = await send(
      Array.from({ length: 8 }, (_, i) => `h${i}`),
      2,
    );
    expect(first).toMatchObject({ accepted: 16, rejected: 0 });
    // 8 known + 6 new, of which 2 fit: 4 new series refused, 2 points each.
    const second = await send(
      Array.from({ length: 14 }, (_, i) => `h${i}`),
      2,
    );
    expect(second).toMatchObject({ accepted: 20, rejected: 8 });
    expect(second.errors.join(' ')).toMatch(/new series refused/);
    const stored = new Set((await storedSeries(stack.db.client)).map((s) => s.attributes.host));
    expect(stored.size).toBe(10);
    // Known series keep going in the same window.
    expect(await send(['h0', 'h1'])).toMatchObject({ accepted: 2, rejected: 0 });
    // The next window has a fresh budget: the refused series get in.
    offsetMs += 60_000;
    const later = await send(Array.from({ length: 14 }, (_, i) => `h${i}`));
    expect(later).toMatchObject({ accepted: 14, rejected: 0 });
    const metrics = (await (await fetch(`${stack.url}/v1/metrics`)).json()) as {
      metrics: { series: number }[];
    };
    expect(metrics.metrics[0]?.series).toBe(14);
  });
});
