/**
 * Changing `shards` on a running deployment loses nothing and counts nothing twice. Regression
 * (issue 11): with `--tiers 10s,1m --shards 2`, 20 series sent a point each; a restart within the same
 * minute with `--shards 4` and the same 20 series again left the closed 1m window with 33 of 40
 * points (series that moved shard kept one side only). Now the new count takes effect from an epoch
 * boundary recorded in the table (the next 1m window start at least LAYOUT_LEAD_MS ahead); windows
 * on both sides, the sliding windows straddling it and the 1m rollups all equal the raw points.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStateStore } from '#adapters/dynamodb/deployment-state-store.js';
import { LAYOUT_LEAD_MS } from '#app/deployment-state.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, STATE_TABLE, startLocalStack } from '#local/stack.js';

const base = {
  tiers: ['10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '1h',
  sliding: [{ size: '30s', slide: '10s' }],
  sessions: [{ match: 'session.*', gap: '30s' }],
  sink: 'dynamodb' as const,
};
const dir = mkdtempSync(join(tmpdir(), 'windrow-shards-'));
// Start 2 s into a minute, so both sends below land in one 1m window.
let offsetMs = Math.ceil(Date.now() / 60_000) * 60_000 + 2_000 - Date.now();
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function restart(shards: number): Promise<LocalStack> {
  await stack?.stop();
  stack = await startLocalStack({
    config: parseConfig({ ...base, shards }),
    port: 0,
    quiet: true,
    clock,
    dataDir: dir,
  });
  await stack.closer.tick();
  return stack;
}

/** Every point sent, for the oracle. */
const sent: { host: string; t: number; value: number }[] = [];

async function send(s: LocalStack, t: number, value: (i: number) => number) {
  const points = Array.from({ length: 20 }, (_, i) => ({ host: `h${i}`, t, value: value(i) }));
  const response = await fetch(`${s.url}/v1/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      points: ['shards.test', 'session.test'].flatMap((metric) =>
        points.map((p) => ({ metric, timestamp: p.t, value: p.value, attributes: { host: p.host } })),
      ),
    }),
  });
  expect(await response.json()).toMatchObject({ accepted: 40, rejected: 0 });
  sent.push(...points);
}

async function runTo(s: LocalStack, toMs: number) {
  while (clock.nowMs() < toMs) {
    offsetMs += Math.min(10_000, toMs - clock.nowMs());
    await s.closer.tick();
  }
  await s.closer.tick();
  await s.closer.tick();
}

/** count and sum per (window start, host) from the results, and from the points sent. */
async function compare(
  s: LocalStack,
  window: string,
  sizeMs: number,
  slideMs: number,
  fromMs: number,
  toMs: number,
) {
  const records = await s.results.read({ tenant: 'default', metric: 'shards.test', window, fromMs, toMs });
  const got = new Map<string, { count: number; sum: number }>();
  for (const r of records) {
    const key = `${r.startMs} ${r.attributes.host}`;
    expect(got.has(key), `one result per series and window: ${key}`).toBe(false);
    got.set(key, { count: r.stats.count ?? 0, sum: r.stats.sum ?? 0 });
  }
  const want = new Map<string, { count: number; sum: number }>();
  for (const p of sent) {
    for (let start = Math.floor(p.t / slideMs) * slideMs; start > p.t - sizeMs; start -= slideMs) {
      if (start < fromMs || start >= toMs) continue;
      const key = `${start} ${p.host}`;
      const w = want.get(key) ?? { count: 0, sum: 0 };
      want.set(key, { count: w.count + 1, sum: w.sum + p.value });
    }
  }
  expect(new Map([...got].sort())).toEqual(new Map([...want].sort()));
}

describe('Local stack: changing shards on a running deployment', () => {
  it('keeps every point when restarted with another shard count inside a window, and across the boundary', async () => {
    const minute = Math.floor(clock.nowMs() / 60_000) * 60_000;
    let s = await restart(2);
    await send(s, clock.nowMs(), (i) => i + 1);
    s = await restart(4);
    await send(s, clock.nowMs(), (i) => 100 + i);
    await runTo(s, minute + 60_000 + 2_000);
    await compare(s, '1m', 60_000, 60_000, minute, minute + 60_000);
    const [total] = await s.results.read({
      tenant: 'default',
      metric: 'shards.test',
      window: '1m',
      fromMs: minute,
      toMs: minute + 1,
    });
    expect(total).toBeDefined();

    // Past the recorded boundary: points on both sides of it, in windows and sliding windows across it.
    const stored = await new DynamoDeploymentStateStore({
      client: s.db.client,
      tableName: STATE_TABLE,
    }).read();
    expect(stored?.epochs).toHaveLength(2);
    const boundary = stored?.epochs[1]?.fromMs ?? 0;
    expect(stored?.epochs[1]).toEqual({ fromMs: boundary, shards: 4 });
    // The next 1m window start at least LAYOUT_LEAD_MS after the restart.
    expect(boundary % 60_000).toBe(0);
    expect(boundary).toBeGreaterThanOrEqual(minute + LAYOUT_LEAD_MS);
    expect(boundary).toBeLessThan(minute + LAYOUT_LEAD_MS + 2 * 60_000);
    await runTo(s, boundary - 25_000);
    await send(s, boundary - 25_000, (i) => 1_000 + i);
    await send(s, boundary - 5_000, (i) => 2_000 + i);
    await runTo(s, boundary + 5_000);
    await send(s, boundary + 5_000, (i) => 3_000 + i);
    await send(s, boundary + 15_000, (i) => 4_000 + i);
    await runTo(s, boundary + 80_000);
    const from = minute;
    const to = boundary + 60_000;
    await compare(s, '10s', 10_000, 10_000, from, to);
    await compare(s, '1m', 60_000, 60_000, from, to);
    await compare(s, '30s/10s', 30_000, 10_000, from, to);

    // Sessions (gap 30 s): per host one of the two first sends, one from boundary − 25 s to + 15 s,
    // carried across the boundary although its series may have moved shard.
    const sessions = await s.results.read({
      tenant: 'default',
      metric: 'session.test',
      window: 'session:30s',
      fromMs: from,
      toMs: to,
    });
    const got = sessions
      .map((r) => `${r.attributes.host} ${r.startMs - minute} ${r.stats.count} ${r.stats.sum}`)
      .sort();
    const want: string[] = [];
    for (let i = 0; i < 20; i++) {
      const host = sent.filter((p) => p.host === `h${i}`).sort((a, b) => a.t - b.t);
      const early = host.slice(0, 2);
      const late = host.slice(2);
      for (const run of [early, late]) {
        want.push(`h${i} ${(run[0]?.t ?? 0) - minute} ${run.length} ${run.reduce((a, p) => a + p.value, 0)}`);
      }
    }
    expect(got).toEqual(want.sort());
  }, 120_000);
});
