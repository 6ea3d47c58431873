/**
 * Late points for session windows across a change of `shards` (issue 11): a shrink 4 → 2 retires
 * shards 2 and 3 at the recorded boundary B, and the series move to their new shard, where the first
 * close of B takes over their open sessions. Late points for windows before B are re-closed in the
 * old shard, after that handover:
 *
 * (a) a late point near no session makes a session whose gap has not passed: it waits as a pending
 *     session, which must be emitted although its pane's shard may close no window any more;
 * (b) a late point belongs to a session that is open across B (still open in the new shard, or
 *     emitted by it already; the late point may move its start): the results must equal the sessions
 *     of all the points at once — one session, not two, nothing counted twice.
 *
 * Nothing is left open or pending afterwards. The clock moves only when the test moves it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStateStore } from '#adapters/dynamodb/deployment-state-store.js';
import { DeploymentState } from '#app/deployment-state.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { shardOf } from '#core/series/id.js';
import { type LocalStack, STATE_TABLE, startLocalStack } from '#local/stack.js';
import { scanAll } from '../support/local-store.js';

const base = {
  tiers: ['10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '1h',
  sessions: [{ match: 'session.*', gap: '30s' }],
  sink: 'dynamodb' as const,
};
const GAP = 30_000;
const METRIC = 'session.test';
const dir = mkdtempSync(join(tmpdir(), 'windrow-shards-sessions-'));
let nowMs = Math.ceil(Date.now() / 60_000) * 60_000 + 2_000;
const clock = { nowMs: () => nowMs };
let stack: LocalStack | undefined;
/** The recorded epoch boundary: 4 shards before it, 2 from it on. */
let B = 0;

interface Point {
  readonly host: string;
  readonly t: number;
  readonly value: number;
}

/**
 * Four kinds of host (by index mod 4), offsets from B: [on-time points], late point, when it is sent.
 * - alone: only a late point, 3 s before B, sent once the new shards closed B — (a);
 * - ended: a session across B, emitted before its late point arrives — (b);
 * - open: a session across B, still open in the new shard when its late point arrives — (b);
 * - moved: a session across B, emitted, then a late point 20 s before its start moves it — (b).
 */
const KINDS = {
  alone: { onTime: [], late: -3_000, sendAt: 15_000 },
  ended: { onTime: [-25_000, 5_000, 15_000], late: -5_000, sendAt: 60_000 },
  open: { onTime: [-25_000, 5_000, 15_000, 35_000], late: -5_000, sendAt: 20_000 },
  moved: { onTime: [-15_000, 5_000], late: -35_000, sendAt: 60_000 },
} as const;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];
const HOSTS = Array.from({ length: 24 }, (_, i) => `h${i}`);
const kindOf = (host: string): Kind => KIND_NAMES[Number(host.slice(1)) % KIND_NAMES.length] as Kind;

const sent: Point[] = [];

afterAll(async () => {
  await stack?.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** The stack on the same data directory with another shard count, recorded as the planner does. */
async function restart(shards: number): Promise<LocalStack> {
  await stack?.stop();
  const config = parseConfig({ ...base, shards });
  stack = await startLocalStack({ config, port: 0, quiet: true, clock, dataDir: dir });
  await new DeploymentState(
    config,
    clock,
    new DynamoDeploymentStateStore({ client: stack.db.client, tableName: STATE_TABLE }),
  ).reconcile();
  return stack;
}

async function send(s: LocalStack, points: readonly Point[]) {
  if (points.length === 0) return;
  const response = await fetch(`${s.url}/v1/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      points: points.map((p) => ({
        metric: METRIC,
        timestamp: p.t,
        value: p.value,
        attributes: { host: p.host },
      })),
    }),
  });
  expect(await response.json()).toMatchObject({ accepted: points.length, rejected: 0 });
  sent.push(...points);
}

async function runTo(s: LocalStack, toMs: number, stepMs: number) {
  while (nowMs < toMs) {
    nowMs = Math.min(toMs, nowMs + stepMs);
    await s.closer.tick();
  }
}

/** Sessions of each host's points at once (gap 30 s): `host start end count sum`, offsets from B. */
function oracle(hosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const host of hosts) {
    const points = sent.filter((p) => p.host === host).sort((a, b) => a.t - b.t);
    let run: Point[] = [];
    const flush = () => {
      const first = run[0]?.t ?? 0;
      const last = run.at(-1)?.t ?? 0;
      const sum = run.reduce((a, p) => a + p.value, 0);
      out.push(`${host} ${first - B} ${last + GAP - B} ${run.length} ${sum}`);
    };
    for (const p of points) {
      if (run.length > 0 && p.t - (run.at(-1)?.t ?? 0) > GAP) {
        flush();
        run = [];
      }
      run.push(p);
    }
    if (run.length > 0) flush();
  }
  return out.sort();
}

let results: ResultRecord[] = [];

function got(hosts: readonly string[]): string[] {
  return results
    .filter((r) => hosts.includes(String(r.attributes.host)))
    .map((r) => `${r.attributes.host} ${r.startMs - B} ${r.endMs - B} ${r.stats.count} ${r.stats.sum}`)
    .sort();
}

/** Hosts of some kinds whose series were in a shard retired at B (2 or 3 of 4), and the others. */
function hostsOf(kinds: readonly Kind[]): { retired: string[]; kept: string[] } {
  const retired: string[] = [];
  const kept: string[] = [];
  for (const host of HOSTS.filter((h) => kinds.includes(kindOf(h)))) {
    const seriesId = results.find((r) => r.attributes.host === host)?.seriesId ?? '';
    (shardOf(seriesId, 4) >= 2 ? retired : kept).push(host);
  }
  return { retired, kept };
}

describe('Local stack: late points for sessions across a change of shards (4 → 2)', () => {
  beforeAll(async () => {
    let s = await restart(4);
    s = await restart(2);
    const stored = await new DynamoDeploymentStateStore({
      client: s.db.client,
      tableName: STATE_TABLE,
    }).read();
    expect(stored?.epochs.map((e) => e.shards)).toEqual([4, 2]);
    B = stored?.epochs[1]?.fromMs ?? 0;
    expect(B % 60_000).toBe(0);

    // No data before: the planner's first run starts every shard at the latest due window.
    nowMs = B - 60_000;
    await runTo(s, B - 30_000, 10_000);
    // Second by five seconds from B − 30 s to B + 120 s: on-time points as their time comes, late
    // points when their kind says (their window closed well before).
    for (let at = -25_000; at <= 120_000; at += 5_000) {
      await runTo(s, B + at, 5_000);
      const due: Point[] = [];
      for (const [i, host] of HOSTS.entries()) {
        const kind = KINDS[kindOf(host)];
        for (const [k, offset] of kind.onTime.entries()) {
          if (offset === at) due.push({ host, t: B + offset, value: 100 * i + k + 1 });
        }
        if (kind.sendAt === at) due.push({ host, t: B + kind.late, value: 10_000 + i });
      }
      await send(s, due);
    }
    for (let i = 0; i < 3; i++) await s.closer.tick();
    results = await s.results.read({
      tenant: 'default',
      metric: METRIC,
      window: 'session:30s',
      fromMs: B - 120_000,
      toMs: B + 180_000,
    });
  }, 60_000);

  it('(a) a pending session of a late point in a shard retired at B is emitted', async () => {
    const { retired } = hostsOf(['alone']);
    expect(retired.length, 'some of these series were in a retired shard').toBeGreaterThan(0);
    const hosts = HOSTS.filter((h) => kindOf(h) === 'alone');
    expect(got(hosts)).toEqual(oracle(hosts));
  });

  it('(b) a late point for a window before B joins its session open across B: one session, counted once', async () => {
    const { retired, kept } = hostsOf(['ended', 'open', 'moved']);
    expect(retired.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    const hosts = HOSTS.filter((h) => kindOf(h) !== 'alone');
    expect(got(hosts)).toEqual(oracle(hosts));
    expect(new Set(got(hosts).map((line) => line.split(' ')[0])).size).toBe(hosts.length);
  });

  it('leaves no session open or pending', async () => {
    const items = await scanAll((stack as LocalStack).db.client, STATE_TABLE);
    const left = items.map((i) => i.PK?.S ?? '').filter((pk) => pk.startsWith('O#') || pk.startsWith('OQ#'));
    expect(left).toEqual([]);
  });
});
