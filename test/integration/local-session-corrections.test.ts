/**
 * Late points for session windows on the local stack (issue 11, item 3): sessions are emitted, then
 * points arrive late (within the correction horizon) and the re-close of their first-tier window
 * re-emits the session they belong to — with a higher version and their stats; when the late point
 * moves a session's start, or bridges two emitted sessions, the results it replaces are gone from
 * `/v1/query` and from the DynamoDB results table; a late point near no session makes its own,
 * emitted once its gap has passed. The clock runs ahead of real time on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_ATTR } from '#adapters/dynamodb/results-keys.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, RESULTS_TABLE, startLocalStack } from '#local/stack.js';
import { scanAll } from '../support/local-store.js';
import { exactSum } from '../support/oracles.js';

const config = parseConfig({
  tiers: ['1s', '10s'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sessions: [{ match: 'checkout.*', gap: '2s' }],
  sink: 'dynamodb',
});
const GAP = 2_000;
const METRIC = 'checkout.ms';

/** A clock that moves only when the test moves it: what is late, and what has closed, is exact. */
let nowMs = Math.ceil(Date.now() / 1_000) * 1_000;
const clock = { nowMs: () => nowMs };
let stack: LocalStack;
const lines: string[] = [];

interface Point {
  readonly t: number;
  readonly value: number;
  readonly host: string;
}

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock, log: (l) => lines.push(l) });
  await stack.closer.tick();
});
afterAll(() => stack?.stop());

async function post(points: readonly Point[]) {
  const response = await fetch(`${stack.url}/v1/points`, {
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
  expect(response.status).toBe(200);
  expect(((await response.json()) as { rejected?: number }).rejected ?? 0).toBe(0);
}

async function runTo(toMs: number) {
  while (nowMs < toMs) {
    nowMs = Math.min(toMs, nowMs + 1_000);
    await stack.closer.tick();
  }
}

/** The planner and the worker a few times, the clock where it is: the re-closes run. */
async function settle() {
  for (let i = 0; i < 3; i++) await stack.closer.tick();
}

async function sessionsOf(host: string): Promise<ResultRecord[]> {
  const all = await stack.results.read({
    tenant: 'default',
    metric: METRIC,
    window: 'session:2s',
    fromMs: t0 - 60_000,
    toMs: t0 + 120_000,
    where: { host },
  });
  return all.sort((a, b) => a.startMs - b.startMs);
}

/** What `/v1/query` answers for one host's sessions: [start, end, count, version] per point. */
async function queried(host: string): Promise<[number, number, number, number][]> {
  const response = await fetch(
    `${stack.url}/v1/query?metric=${METRIC}&window=session&tier=session:2s&from=${t0 - 60_000}&to=${t0 + 120_000}&attr.host=${host}`,
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    series: { points: { start: string; end: string; count: number; version: number }[] }[];
  };
  return body.series.flatMap((s) =>
    s.points.map(
      (p) => [Date.parse(p.start), Date.parse(p.end), p.count, p.version] as [number, number, number, number],
    ),
  );
}

/** Session result items of the raw DynamoDB results table, by window start. */
async function storedStarts(seriesId: string): Promise<number[]> {
  const items = await scanAll(stack.db.client, RESULTS_TABLE);
  return items
    .filter((item) => item.PK?.S === `default#session:2s#${METRIC}` && item.SK?.S?.includes(`#${seriesId}#`))
    .filter((item) => item[RESULT_ATTR.version] !== undefined)
    .map((item) => Number(item.SK?.S?.slice(0, 13)))
    .sort((a, b) => a - b);
}

/** Sessions of one host's points: split where the silence exceeds the gap. */
function oracle(points: readonly Point[]): { start: number; end: number; values: number[] }[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const out: { start: number; end: number; values: number[] }[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const p of sorted) {
    const current = out.at(-1);
    if (current !== undefined && p.t - last <= GAP) {
      current.values.push(p.value);
      current.end = p.t + GAP;
    } else {
      out.push({ start: p.t, end: p.t + GAP, values: [p.value] });
    }
    last = p.t;
  }
  return out;
}

function expectSessions(got: readonly ResultRecord[], points: readonly Point[], what: string) {
  const want = oracle(points);
  expect(
    got.map((r) => [r.startMs, r.endMs]),
    what,
  ).toEqual(want.map((w) => [w.start, w.end]));
  for (const [i, w] of want.entries()) {
    const s = got[i]?.stats;
    expect(s?.count, what).toBe(w.values.length);
    expect(s?.sum, what).toBe(exactSum(w.values));
    expect(s?.min, what).toBe(Math.min(...w.values));
    expect(s?.max, what).toBe(Math.max(...w.values));
  }
}

let t0 = 0;
const sent = new Map<string, Point[]>();

function pointsOf(host: string, offsets: readonly number[], base: number): Point[] {
  return offsets.map((o, i) => ({ t: t0 + o, value: base + i, host }));
}

describe('Local stack: late points re-emit their session', () => {
  beforeAll(async () => {
    t0 = Math.ceil((clock.nowMs() + 2_000) / 10_000) * 10_000;
    const plan: [string, number[]][] = [
      ['inside', [100, 700, 1_500, 2_300]],
      ['before', [5_000, 5_400, 6_000]],
      ['bridge', [10_000, 10_500, 13_000, 13_400]], // two sessions: 2.5 s of silence
      ['alone', [1_000]],
    ];
    for (const [host, offsets] of plan) sent.set(host, pointsOf(host, offsets, host.length * 10));
    await post([...sent.values()].flat());
    await runTo(t0 + 20_000);
    for (const [host, points] of sent) expectSessions(await sessionsOf(host), points, `${host} on time`);
    expect((await sessionsOf('bridge')).length).toBe(2);
  });

  it('(a) a late point inside an emitted session re-emits it with a higher version and its stats', async () => {
    const [before] = await sessionsOf('inside');
    const late: Point = { t: t0 + 1_200, value: 9_999, host: 'inside' };
    await post([late]);
    await settle();
    sent.get('inside')?.push(late);
    const after = await sessionsOf('inside');
    expectSessions(after, sent.get('inside') ?? [], 'inside after the late point');
    expect(after[0]?.stats.max).toBe(9_999);
    expect(after[0]?.version ?? 0).toBeGreaterThan(before?.version ?? Number.POSITIVE_INFINITY);
    expect(after[0]?.startMs).toBe(before?.startMs);
    expect(await queried('inside')).toEqual([[t0 + 100, t0 + 2_300 + GAP, 5, after[0]?.version ?? 0]]);
  });

  it('(b) a late point just before a session (within the gap) moves its start: the old result is gone', async () => {
    const [before] = await sessionsOf('before');
    const seriesId = before?.seriesId ?? '';
    expect(await storedStarts(seriesId)).toEqual([t0 + 5_000]);
    const late: Point = { t: t0 + 3_500, value: -5, host: 'before' };
    await post([late]);
    await settle();
    sent.get('before')?.push(late);
    const after = await sessionsOf('before');
    expectSessions(after, sent.get('before') ?? [], 'before after the late point');
    expect(after.map((r) => r.startMs)).toEqual([t0 + 3_500]);
    expect(after[0]?.version ?? 0).toBeGreaterThan(before?.version ?? Number.POSITIVE_INFINITY);
    expect(await queried('before')).toEqual([[t0 + 3_500, t0 + 6_000 + GAP, 4, after[0]?.version ?? 0]]);
    // Not hidden: deleted from the results table.
    expect(await storedStarts(seriesId)).toEqual([t0 + 3_500]);
  });

  it('(c) a late point bridging two emitted sessions merges them into one; both old results are gone', async () => {
    const before = await sessionsOf('bridge');
    expect(before.map((r) => r.startMs)).toEqual([t0 + 10_000, t0 + 13_000]);
    const seriesId = before[0]?.seriesId ?? '';
    const late: Point = { t: t0 + 11_800, value: 777, host: 'bridge' };
    await post([late]);
    await settle();
    sent.get('bridge')?.push(late);
    const after = await sessionsOf('bridge');
    expectSessions(after, sent.get('bridge') ?? [], 'bridge after the late point');
    expect(after.map((r) => [r.startMs, r.endMs, r.stats.count])).toEqual([
      [t0 + 10_000, t0 + 13_400 + GAP, 5],
    ]);
    const newest = Math.max(...before.map((r) => r.version));
    expect(after[0]?.version ?? 0).toBeGreaterThan(newest);
    expect(await queried('bridge')).toEqual([[t0 + 10_000, t0 + 13_400 + GAP, 5, after[0]?.version ?? 0]]);
    expect(await storedStarts(seriesId)).toEqual([t0 + 10_000]);
  });

  it('a late point near no session makes its own, emitted once its gap has passed', async () => {
    // Late (its window is closed), but its gap has not passed at the last closed window.
    const now = clock.nowMs();
    const late: Point = { t: now - 2_100, value: 1, host: 'alone' };
    await post([late]);
    await settle();
    expectSessions(await sessionsOf('alone'), sent.get('alone') ?? [], 'alone, gap not passed');
    sent.get('alone')?.push(late);
    await runTo(now + 3_000);
    expectSessions(await sessionsOf('alone'), sent.get('alone') ?? [], 'alone after the gap');
    // And a point that moves the start of that session, made of a late point only.
    const before = await sessionsOf('alone');
    const again: Point = { t: late.t - 1_500, value: 3, host: 'alone' };
    await post([again]);
    await settle();
    sent.get('alone')?.push(again);
    const after = await sessionsOf('alone');
    expectSessions(after, sent.get('alone') ?? [], 'alone after one more');
    expect(after.at(-1)?.version ?? 0).toBeGreaterThan(before.at(-1)?.version ?? Number.POSITIVE_INFINITY);
    expect(await storedStarts(after.at(-1)?.seriesId ?? '')).toEqual(after.map((r) => r.startMs));
    expect(lines).toEqual([]);
  });
});
