/**
 * Acceptance of views at ingest (README "Across series: … views at ingest"), as oracle tests on the
 * local stack: a view's results are compared with the pooled raw points the test sent.
 *
 * Views configured (the configuration file's `views`):
 * - `v.latency.by_route`: `v.latency` by `http.route`, `resource.service.name`, source kept; also
 *   given session windows (`sessions` matching the view's name);
 * - `v.latency.no_instance`: `v.latency` without `resource.service.instance.id`, source kept;
 * - `v.duration.by_route`: `v.duration` (delta histograms from the OpenTelemetry JS SDK) by
 *   `http.route`, `keepSource: false` — the source has no series at all;
 * - `v.calls.by_route`: `v.calls` (delta counters from the SDK) by `http.route`, `keepSource: false`;
 * - `v.wide.by_host` / `v.wide2.by_host`: 100 new series each, sources not kept / kept, against a
 *   cardinality limit of 60 new series per window;
 * - `v.requests.by_service`: `v.requests`, a cumulative counter (SDK), `keepSource: false` — its points
 *   cannot be pooled: they are stored as their source series and the answer carries a warning.
 *
 * Checked: /v1/metrics lists each view with its source and keys and not a source that is not kept;
 * count, sum, min, max exact, avg/stddev to float round-off, percentiles within the sketch's 1% of
 * the pooled nearest rank (histograms: within the merged bucket), `last` the latest value of any
 * source, at every tier (1s, rolled up to 10s and 1m), `tier=auto`, the 3s/1s sliding window and a
 * session; `by` over a view's series; the cardinality guard counting stored series only; a late point
 * re-closes the view's windows with a higher version; a point named like a view
 * is refused (`view_name`); `npm start` refuses a configuration with a bad view, naming it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import {
  type AnswerPoint,
  type AnswerSeries,
  bucketCounts,
  byWindow,
  expectGaugePoint,
  expectHistogramPercentile,
  expectNear,
  gaugeWindow,
  groupIdentity,
  groupSamples,
  identityKey,
  PERCENTILES,
  parseKeys,
  quarter,
  type Sample,
  tumbling,
  type WindowSpec,
} from '../support/group-oracle.js';
import { exactSum, normalSample, seededRandom } from '../support/oracles.js';
import { type SdkProvider, sdkProvider } from '../support/sdk-exports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const VIEWS = [
  {
    name: 'v.latency.by_route',
    metric: 'v.latency',
    by: ['http.route', 'resource.service.name'],
    keepSource: true,
  },
  {
    name: 'v.latency.no_instance',
    metric: 'v.latency',
    without: ['resource.service.instance.id'],
    keepSource: true,
  },
  { name: 'v.duration.by_route', metric: 'v.duration', by: ['http.route'], keepSource: false },
  { name: 'v.calls.by_route', metric: 'v.calls', by: ['http.route'], keepSource: false },
  { name: 'v.requests.by_service', metric: 'v.requests', by: ['resource.service.name'], keepSource: false },
  // The cardinality guard counts stored series: 100 sources of a keepSource: false view do not count.
  { name: 'v.wide.by_host', metric: 'v.wide', by: ['host'], keepSource: false },
  { name: 'v.wide2.by_host', metric: 'v.wide2', by: ['host'], keepSource: true },
];
/** New series per tenant per first-tier (1 s) window: above what the other data makes in one. */
const MAX_NEW_SERIES = 60;
/** As `npm start -- --config FILE` reads it. */
const CONFIG_FILE = {
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  shards: 2,
  sliding: [{ size: '3s', slide: '1s' }],
  sessions: [{ match: 'v.latency.by_route', gap: '2s' }],
  sink: 'dynamodb',
  limits: { maxNewSeriesPerWindow: MAX_NEW_SERIES },
  views: VIEWS,
};
const TIERS: readonly [string, WindowSpec][] = [
  ['1s', tumbling(1_000)],
  ['10s', tumbling(10_000)],
  ['1m', tumbling(60_000)],
];
const SLIDING: WindowSpec = { sizeMs: 3_000, slideMs: 1_000 };
const BY_ROUTE = ['http.route', 'resource.service.name'];
/** Every key of the v.latency series but the dropped one. */
const NO_INSTANCE = ['resource.service.name', 'http.route', 'status'];

let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
let fromMs = 0;
let toMs = 0;

const latency: Sample[] = [];
const durations: Sample[] = [];
/** `v.calls`: delta counter points (SDK), as exported. */
const calls: Sample[] = [];
let bounds: number[] = [];
/** The last cumulative total per v.requests series (service|route), as the SDK exported it. */
const requestTotals = new Map<string, number>();
const sdkWarnings: string[] = [];
let rawCumulativeAnswer: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
/** The answers to 100 new series in one 1 s window: of a keepSource: false view's metric, of a kept one's. */
const wideAnswers: Record<string, unknown>[] = [];
let wideT = 0;

async function post(path: string, body: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function answer(query: string): Promise<{ body: Record<string, unknown>; series: AnswerSeries[] }> {
  const response = await fetch(`${stack.url}/v1/query?${query}`);
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, `${query} → ${JSON.stringify(body).slice(0, 600)}`).toBe(200);
  return { body, series: body.series as AnswerSeries[] };
}

const range = () => `from=${fromMs}&to=${toMs}`;
const enc = encodeURIComponent;

/** The view's answer at `tier` equals the pooled v.latency samples of each of its series. */
async function checkLatencyView(
  view: string,
  keys: readonly string[],
  tier: string,
  spec: WindowSpec,
  sliding = false,
) {
  const q = `metric=${view}&tier=${enc(tier)}&${range()}${sliding ? '&window=sliding' : ''}`;
  const { series } = await answer(q);
  const parsed = parseKeys(keys);
  const want = groupSamples(
    latency.filter((s) => s.t >= fromMs && s.t < toMs),
    parsed,
  );
  expect(
    series.map((s) => identityKey(s as never)).sort(),
    `${q}: the view's series (its keys only)`,
  ).toEqual([...want.keys()].sort());
  for (const s of series) {
    const samples = want.get(identityKey(s as never)) ?? [];
    const what = `${q} ${identityKey(s as never)}`;
    expect({ resource: s.resource, attributes: s.attributes }).toEqual(
      groupIdentity(samples[0] as Sample, parsed),
    );
    expect(s.unit, what).toBe('ms');
    const windows = byWindow(samples, spec);
    expect(
      s.points.map((p) => Date.parse(p.start)),
      `${what}: windows`,
    ).toEqual([...windows.keys()].sort((a, b) => a - b));
    for (const p of s.points) {
      const start = Date.parse(p.start);
      expect(Date.parse(p.end) - start, what).toBe(spec.sizeMs);
      // A view is one series: `last` is the latest value any source reported.
      expectGaugePoint(
        p,
        gaugeWindow(windows.get(start) ?? [], spec.sizeMs, 'latest'),
        `${what} @${p.start}`,
        {
          series: false,
        },
      );
    }
  }
  return series;
}

beforeAll(async () => {
  diag.setLogger(
    {
      error: () => {},
      warn: (...args: unknown[]) => sdkWarnings.push(args.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    } satisfies DiagLogger,
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  stack = await startLocalStack({ config: parseConfig(CONFIG_FILE), port: 0, quiet: true, clock });
  await stack.closer.tick();
  const tA = Math.ceil((Date.now() + 500) / 1_000) * 1_000;
  fromMs = Math.floor(tA / 60_000) * 60_000 - 60_000;

  // v.latency over /v1/points: 2 services × 3 instances × 2 routes × 2 statuses, unique timestamps.
  const random = seededRandom(41);
  const z = normalSample(320, 3);
  for (let i = 0; i < 300; i++) {
    const service = random() < 0.5 ? 'checkout' : 'cart';
    const instance = `i${1 + Math.floor(random() * 3)}`;
    const route = random() < 0.6 ? '/a' : '/b';
    const status = random() < 0.8 ? '200' : '500';
    latency.push({
      series: `${service}|${instance}|${route}|${status}`,
      t: tA + i * 19,
      value: quarter(Math.exp(Math.log(route === '/a' ? 30 : 120) + 0.8 * (z[i] ?? 0))),
      resource: { 'service.name': service, 'service.instance.id': instance },
      attributes: { 'http.route': route, status },
    });
  }
  const sent = await post('/v1/points', {
    points: latency.map((s) => ({
      metric: 'v.latency',
      timestamp: s.t,
      value: s.value,
      unit: 'ms',
      attributes: s.attributes,
      resource: s.resource,
    })),
  });
  expect(sent.body).toMatchObject({ accepted: latency.length, rejected: 0 });

  // v.duration: delta histograms through the SDK, 2 services × 2 instances, 4 exports.
  const providers: { sdk: SdkProvider; service: string; instance: string }[] = [];
  for (const service of ['checkout', 'cart'])
    for (const instance of ['i1', 'i2'])
      providers.push({
        sdk: sdkProvider({
          url: stack.url,
          resource: { 'service.name': service, 'service.instance.id': instance },
          temporality: 'delta',
        }),
        service,
        instance,
      });
  const histograms = providers.map((p) => p.sdk.meter.createHistogram('v.duration', { unit: 'ms' }));
  const callCounters = providers.map((p) => p.sdk.meter.createCounter('v.calls'));
  // v.requests: cumulative counters through the SDK (one provider per service), 2 exports.
  const counterProviders = ['checkout', 'cart'].map((service) => ({
    service,
    sdk: sdkProvider({ url: stack.url, resource: { 'service.name': service }, temporality: 'cumulative' }),
  }));
  const counters = counterProviders.map((p) => p.sdk.meter.createCounter('v.requests'));
  const draw = seededRandom(43);
  const dz = normalSample(400, 9);
  let k = 0;
  for (let round = 0; round < 4; round++) {
    if (round > 0) await sleep(1_100);
    const pending = new Map<string, Sample[]>();
    providers.forEach((p, i) => {
      for (const route of ['/a', '/b']) {
        const n = 1 + Math.floor(draw() * 6);
        for (let j = 0; j < n; j++) {
          // Half values: never on a bucket bound, sums exact in any order.
          const value =
            Math.floor(Math.exp(Math.log(route === '/a' ? 40 : 400) + 0.9 * (dz[k++ % 400] ?? 0))) + 0.5;
          histograms[i]?.record(value, { 'http.route': route });
          callCounters[i]?.add(1 + (k % 7), { 'http.route': route });
          const key = `${p.service}|${p.instance}|${route}`;
          pending.set(key, [
            ...(pending.get(key) ?? []),
            {
              series: key,
              t: 0,
              value,
              resource: { 'service.name': p.service, 'service.instance.id': p.instance },
              attributes: { 'http.route': route },
            },
          ]);
        }
      }
    });
    if (round < 2) {
      for (const [i, c] of counters.entries())
        c.add(3 + i + round, { 'http.route': round === 0 ? '/a' : '/b' });
    }
    const before = providers.map((p) => p.sdk.points.length);
    // One after the other, a few ms apart: no two exports stamp the same millisecond (a view's
    // `last` is the latest point of any source).
    for (const p of [...providers, ...counterProviders]) {
      await p.sdk.flush();
      await sleep(3);
    }
    // Each value takes the time the SDK stamped on the export that carried it.
    providers.forEach((p, i) => {
      for (const point of p.sdk.points.slice(before[i])) {
        if (point.metric === 'v.calls') {
          calls.push({
            series: `${p.service}|${p.instance}|${point.attributes['http.route']}`,
            t: point.t,
            value: point.value ?? Number.NaN,
            resource: point.resource,
            attributes: point.attributes,
          });
          continue;
        }
        const key = `${p.service}|${p.instance}|${point.attributes['http.route']}`;
        const values = pending.get(key) ?? [];
        expect(point.histogram?.count, key).toBe(values.length);
        bounds = [...(point.histogram?.bounds ?? [])];
        for (const v of values) durations.push({ ...v, t: point.t });
        pending.delete(key);
      }
    });
    expect(pending.size, 'every recorded value was exported').toBe(0);
  }
  await Promise.all([...providers, ...counterProviders].map((p) => p.sdk.shutdown()));
  for (const p of counterProviders)
    for (const point of p.sdk.points)
      requestTotals.set(`${p.service}|${point.attributes['http.route']}`, point.value ?? Number.NaN);

  // A cumulative sum over OTLP/JSON: its answer is read as is.
  const now = BigInt(Date.now()) * 1_000_000n;
  rawCumulativeAnswer = await post('/v1/metrics', {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: [
              {
                name: 'v.requests',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      startTimeUnixNano: String(now - 1_000_000_000n),
                      timeUnixNano: String(now),
                      asInt: '17',
                      attributes: [{ key: 'http.route', value: { stringValue: '/a' } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });

  // 100 new series in a 1 s window of their own each: v.wide (sources not stored) and v.wide2 (stored).
  wideT = Math.ceil(Math.max(Date.now() + 3_000, tA + 7_000) / 1_000) * 1_000; // past v.latency's points
  for (const [i, metric] of ['v.wide', 'v.wide2'].entries()) {
    const points = Array.from({ length: 100 }, (_, j) => ({
      metric,
      timestamp: wideT + i * 1_000 + j,
      value: j,
      attributes: { host: 'w', k: `k${j}` },
    }));
    wideAnswers.push((await post('/v1/points', { points })).body);
  }

  const lastT = Math.max(...[...latency, ...durations, ...calls].map((s) => s.t), Date.now(), wideT + 2_000);
  const endAll = Math.ceil((lastT + 1) / 60_000) * 60_000;
  toMs = endAll + 60_000;
  while (clock.nowMs() < endAll + 3_000) {
    offsetMs += Math.min(5_000, endAll + 3_000 - clock.nowMs());
    await stack.closer.tick();
  }
  for (let i = 0; i < 4; i++) await stack.closer.tick();
}, 60_000);

afterAll(async () => {
  diag.disable();
  await stack?.stop();
});

describe('views: what is stored and listed', () => {
  it('/v1/metrics lists each view with its source and keys; a source not kept is not listed', async () => {
    const response = await fetch(`${stack.url}/v1/metrics`);
    const { metrics } = (await response.json()) as { metrics: Record<string, unknown>[] };
    const byName = new Map(metrics.map((m) => [String(m.name), m]));
    const names = [...byName.keys()];
    expect(names, JSON.stringify(metrics)).toContain('v.latency');
    expect(names).not.toContain('v.duration');
    const expected: [string, string, readonly string[], number][] = [
      ['v.latency.by_route', 'v.latency', ['http.route', 'service.name'], 4],
      ['v.latency.no_instance', 'v.latency', ['service.instance.id'], 8],
      ['v.duration.by_route', 'v.duration', ['http.route'], 2],
    ];
    for (const [view, source, keys, series] of expected) {
      const entry = byName.get(view);
      expect(entry, `${view} in ${JSON.stringify(metrics)}`).toBeDefined();
      const text = JSON.stringify(entry);
      expect(text, `${view}: names its source`).toContain(`"${source}"`);
      for (const key of keys) expect(text, `${view}: names its key ${key}`).toContain(key);
      expect(entry?.series, `${view}: its series`).toBe(series);
    }
    expect(byName.get('v.latency')?.series).toBe(new Set(latency.map((s) => s.series)).size);
  });

  it('keepSource: false — the source metric has no series in /v1/query, at any tier or window', async () => {
    for (const [tier] of TIERS) {
      expect((await answer(`metric=v.duration&tier=${tier}&${range()}`)).series, tier).toEqual([]);
      expect((await answer(`metric=v.duration&tier=${tier}&${range()}&by=`)).series, `${tier} by=`).toEqual(
        [],
      );
    }
    expect((await answer(`metric=v.duration&window=sliding&tier=${enc('3s/1s')}&${range()}`)).series).toEqual(
      [],
    );
  });

  it('keepSource: true — the source series are stored as they came', async () => {
    const { series } = await answer(`metric=v.latency&tier=1m&${range()}`);
    expect(series.length).toBe(new Set(latency.map((s) => s.series)).size);
    expect(series.reduce((a, s) => a + s.points.reduce((b, p) => b + Number(p.count), 0), 0)).toBe(
      latency.length,
    );
  });
});

describe('views: results equal the pooled raw points', () => {
  it.each(TIERS)('by (http.route, resource.service.name) at %s', async (tier, spec) => {
    const series = await checkLatencyView('v.latency.by_route', BY_ROUTE, tier, spec);
    expect(series.length).toBe(4);
  });

  it.each(TIERS)('without resource.service.instance.id at %s', async (tier, spec) => {
    const series = await checkLatencyView('v.latency.no_instance', NO_INSTANCE, tier, spec);
    expect(series.length).toBe(8);
  });

  it('the 3s/1s sliding window of both views', async () => {
    await checkLatencyView('v.latency.by_route', BY_ROUTE, '3s/1s', SLIDING, true);
    await checkLatencyView('v.latency.no_instance', NO_INSTANCE, '3s/1s', SLIDING, true);
  });

  it.each(TIERS)(
    'by at query time over a view’s series at %s: the pooled source points',
    async (tier, spec) => {
      // Each view series is one series to `by`: its last is the latest of its sources, and a group's
      // last the sum of those.
      const asViewSeries = latency.map((s) => ({
        ...s,
        series: identityKey(groupIdentity(s, parseKeys(NO_INSTANCE))),
      }));
      const q = `metric=v.latency.no_instance&tier=${tier}&${range()}&by=resource.service.name`;
      const { series } = await answer(q);
      const want = groupSamples(asViewSeries, parseKeys(['resource.service.name']));
      expect(series.map((s) => identityKey(s as never)).sort(), q).toEqual([...want.keys()].sort());
      for (const s of series) {
        const samples = want.get(identityKey(s as never)) ?? [];
        expect(s.merged, q).toBe(new Set(samples.map((x) => x.series)).size);
        const windows = byWindow(samples, spec);
        expect(s.points.map((p) => Date.parse(p.start))).toEqual([...windows.keys()].sort((a, b) => a - b));
        for (const p of s.points)
          expectGaugePoint(
            p,
            gaugeWindow(windows.get(Date.parse(p.start)) ?? [], spec.sizeMs, 'sum'),
            `${q} @${p.start}`,
          );
      }
    },
  );

  it.each([...TIERS.map(([tier, spec]) => [tier, spec, false] as const), ['3s/1s', SLIDING, true] as const])(
    'delta sums from the SDK, by http.route, at %s: the pooled delta points, rate their sum per second',
    async (tier, spec, sliding) => {
      const q = `metric=v.calls.by_route&tier=${enc(tier)}&${range()}${sliding ? '&window=sliding' : ''}`;
      const { series } = await answer(q);
      const want = groupSamples(calls, parseKeys(['http.route']));
      expect(series.map((s) => identityKey(s as never)).sort(), q).toEqual([...want.keys()].sort());
      for (const s of series) {
        const windows = byWindow(want.get(identityKey(s as never)) ?? [], spec);
        expect(s.points.map((p) => Date.parse(p.start))).toEqual([...windows.keys()].sort((a, b) => a - b));
        for (const p of s.points)
          expectGaugePoint(
            p,
            gaugeWindow(windows.get(Date.parse(p.start)) ?? [], spec.sizeMs, 'latest'),
            `${q} @${p.start}`,
            {
              series: false,
              rate: true,
            },
          );
      }
      // keepSource: false — no v.calls series.
      expect(
        (await answer(`metric=v.calls&tier=${enc(tier)}&${range()}${sliding ? '&window=sliding' : ''}`))
          .series,
      ).toEqual([]);
    },
  );

  it('tier=auto over 20 minutes answers the view from the 10s tier', async () => {
    const from = fromMs - 9 * 60_000;
    const { body, series } = await answer(`metric=v.latency.by_route&from=${from}&to=${from + 20 * 60_000}`);
    expect(body.tier).toBe('10s');
    const want = groupSamples(latency, parseKeys(BY_ROUTE));
    expect(series.length).toBe(want.size);
    for (const s of series) {
      const windows = byWindow(want.get(identityKey(s as never)) ?? [], tumbling(10_000));
      expect(s.points.length).toBe(windows.size);
      for (const p of s.points) {
        if (p.tier !== undefined) expect(p.tier).toBe('10s');
        expectGaugePoint(
          p,
          gaugeWindow(windows.get(Date.parse(p.start)) ?? [], 10_000, 'latest'),
          `auto ${p.start}`,
          {
            series: false,
          },
        );
      }
    }
  });

  it('a view is given session windows: one session per view series, the pooled points', async () => {
    const { series } = await answer(
      `metric=v.latency.by_route&window=session&tier=${enc('session:2s')}&${range()}`,
    );
    const want = groupSamples(latency, parseKeys(BY_ROUTE));
    expect(series.map((s) => identityKey(s as never)).sort()).toEqual([...want.keys()].sort());
    for (const s of series) {
      const samples = want.get(identityKey(s as never)) ?? [];
      const first = Math.min(...samples.map((x) => x.t));
      const last = Math.max(...samples.map((x) => x.t));
      expect(s.points.length, 'one session: no silence longer than 2 s').toBe(1);
      const [p] = s.points as [AnswerPoint];
      expect([Date.parse(p.start), Date.parse(p.end)]).toEqual([first, last + 2_000]);
      expect(p.count).toBe(samples.length);
      expect(p.sum).toBe(exactSum(samples.map((x) => x.value)));
      expect(p.max).toBe(Math.max(...samples.map((x) => x.value)));
      expect(p.min).toBe(Math.min(...samples.map((x) => x.value)));
    }
  });

  it.each([...TIERS.map(([tier, spec]) => [tier, spec, false] as const), ['3s/1s', SLIDING, true] as const])(
    'delta histograms from the SDK, by http.route, at %s: counts, buckets, min, max exact',
    async (tier, spec, sliding) => {
      const q = `metric=v.duration.by_route&tier=${enc(tier)}&${range()}${sliding ? '&window=sliding' : ''}`;
      const { series } = await answer(q);
      const want = groupSamples(durations, parseKeys(['http.route']));
      expect(series.map((s) => identityKey(s as never)).sort(), q).toEqual([...want.keys()].sort());
      for (const s of series) {
        const samples = want.get(identityKey(s as never)) ?? [];
        expect(s.resource, q).toEqual({});
        expect(s.unit, q).toBe('ms');
        const windows = byWindow(samples, spec);
        expect(
          s.points.map((p) => Date.parse(p.start)),
          `${q}: windows`,
        ).toEqual([...windows.keys()].sort((a, b) => a - b));
        for (const p of s.points) {
          const values = (windows.get(Date.parse(p.start)) ?? []).map((x) => x.value);
          const what = `${q} ${JSON.stringify(s.attributes)} @${p.start}`;
          expect(p.count, what).toBe(values.length);
          expect(p.sum, what).toBe(exactSum(values));
          expect(p.min, what).toBe(Math.min(...values));
          expect(p.max, what).toBe(Math.max(...values));
          expectNear(p.avg, exactSum(values) / values.length, 1e-12, 0, `${what}: avg`);
          expect(p.buckets, `${what}: buckets`).toEqual({ bounds, counts: bucketCounts(values, bounds) });
          for (const pct of PERCENTILES)
            expectHistogramPercentile(p[`p${pct}`], values, bounds, pct / 100, `${what} p${pct}`);
          expect(p.mergedBounds ?? false, what).toBe(false);
        }
      }
    },
  );
});

describe('views: the cardinality guard counts stored series', () => {
  it('sources that only feed a keepSource: false view do not count; kept sources do', async () => {
    expect(wideAnswers[0], 'v.wide: 100 sources not stored + 1 view series').toMatchObject({
      accepted: 100,
      rejected: 0,
    });
    const [view] = (await answer(`metric=v.wide.by_host&tier=1s&${range()}`)).series;
    expect(view?.points.map((p) => [p.count, p.sum])).toEqual([[100, 4_950]]);
    // v.wide2 keeps its sources: 100 stored + 1 view series is past the limit of 60 in one window.
    expect(Number(wideAnswers[1]?.rejected), JSON.stringify(wideAnswers[1])).toBeGreaterThan(0);
    expect((wideAnswers[1]?.reasons as Record<string, number> | undefined)?.series_limit).toBeGreaterThan(0);
  });
});

describe('views: cumulative counters and view names', () => {
  it('a cumulative counter of a view’s metric is stored as its source series, with a warning', async () => {
    // The SDK read an OTLP partial success with nothing rejected and a message.
    const partial = sdkWarnings.filter((w) => w.includes('Partial Success'));
    expect(partial.length, sdkWarnings.join('\n')).toBeGreaterThan(0);
    for (const w of partial) {
      const parsed = JSON.parse(w.slice(w.indexOf('{'))) as {
        rejectedDataPoints?: unknown;
        errorMessage?: string;
      };
      expect(Number(parsed.rejectedDataPoints ?? 0), w).toBe(0);
      expect(parsed.errorMessage ?? '', w).not.toBe('');
    }
    // OTLP/JSON: 200, partialSuccess with 0 rejected and a message.
    expect(rawCumulativeAnswer.status).toBe(200);
    const ps = rawCumulativeAnswer.body.partialSuccess as
      | { rejectedDataPoints?: unknown; errorMessage?: string }
      | undefined;
    expect(ps, JSON.stringify(rawCumulativeAnswer.body)).toBeDefined();
    expect(Number(ps?.rejectedDataPoints ?? 0)).toBe(0);
    expect(ps?.errorMessage ?? '').not.toBe('');
    // Nothing lost: the source series hold the increases (keepSource: false notwithstanding).
    for (const [tier] of TIERS) {
      const { series } = await answer(`metric=v.requests&tier=${tier}&${range()}`);
      const got = new Map(
        series.map((s) => [
          `${s.resource['service.name']}|${s.attributes['http.route']}`,
          s.points.reduce((a, p) => a + Number(p.sum), 0),
        ]),
      );
      expect(Object.fromEntries(got), tier).toEqual({ ...Object.fromEntries(requestTotals), 'raw|/a': 17 });
      // …and the view holds none of them.
      expect((await answer(`metric=v.requests.by_service&tier=${tier}&${range()}`)).series, tier).toEqual([]);
    }
  });

  it('a point whose metric name is a view’s name is refused (view_name)', async () => {
    const t = clock.nowMs();
    const points = await post('/v1/points', {
      points: [
        { metric: 'v.latency.by_route', timestamp: t, value: 1 },
        { metric: 'v.duration.by_route', timestamp: t, value: 1 },
        { metric: 'v.other', timestamp: t, value: 1 },
      ],
    });
    expect(points.status).toBe(200);
    expect(points.body).toMatchObject({ accepted: 1, rejected: 2, reasons: { view_name: 2 } });
    const otlp = await post('/v1/metrics', {
      resourceMetrics: [
        {
          resource: { attributes: [] },
          scopeMetrics: [
            {
              scope: { name: 'test' },
              metrics: [
                {
                  name: 'v.latency.no_instance',
                  gauge: { dataPoints: [{ timeUnixNano: String(BigInt(t) * 1_000_000n), asDouble: 1 }] },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(otlp.status).toBe(200);
    const ps = otlp.body.partialSuccess as { rejectedDataPoints?: unknown; errorMessage?: string };
    expect(Number(ps?.rejectedDataPoints), JSON.stringify(otlp.body)).toBe(1);
    expect(ps?.errorMessage).toContain('view_name');
  });
});

describe('views: a late point', () => {
  it('re-closes the view’s windows at every tier: new values, a higher version', async () => {
    const target = latency.find((s) => s.attributes['http.route'] === '/b') as Sample;
    const late: Sample = { ...target, t: target.t + 5, value: 9_999.75 };
    const id = identityKey(groupIdentity(late, parseKeys(BY_ROUTE)));
    const before = new Map<string, AnswerPoint>();
    for (const [tier, spec] of TIERS) {
      const { series } = await answer(`metric=v.latency.by_route&tier=${tier}&${range()}`);
      const start = Math.floor(late.t / spec.sizeMs) * spec.sizeMs;
      const p = series
        .find((s) => identityKey(s as never) === id)
        ?.points.find((x) => Date.parse(x.start) === start);
      expect(p, `${tier}: closed before the late point`).toBeDefined();
      before.set(tier, p as AnswerPoint);
    }
    const sent = await post('/v1/points', {
      points: [
        {
          metric: 'v.latency',
          timestamp: late.t,
          value: late.value,
          unit: 'ms',
          attributes: late.attributes,
          resource: late.resource,
        },
      ],
    });
    expect(sent.body).toMatchObject({ accepted: 1, rejected: 0 });
    latency.push(late);
    for (let i = 0; i < 5; i++) {
      offsetMs += 1_000;
      await stack.closer.tick();
    }
    for (const [tier, spec] of TIERS) {
      const series = await checkLatencyView('v.latency.by_route', BY_ROUTE, tier, spec);
      const start = Math.floor(late.t / spec.sizeMs) * spec.sizeMs;
      const p = series
        .find((s) => identityKey(s as never) === id)
        ?.points.find((x) => Date.parse(x.start) === start);
      const old = before.get(tier) as AnswerPoint;
      expect(p?.count, tier).toBe(Number(old.count) + 1);
      expect(p?.max, tier).toBe(9_999.75);
      expect(p?.version, `${tier}: version rises`).toBeGreaterThan(old.version);
    }
  });
});

describe('npm start refuses a configuration with a bad view, naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windrow-views-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runMain(config: unknown): Promise<{ code: number | null; output: string }> {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'lib/local/main.ts', '--config', file, '--port', '0', '--dynamo-port', '0'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // A stack that started anyway is stopped (and the test fails on its exit code).
        if (output.includes('/v1/points')) child.kill('SIGTERM');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal === null ? null : -1), output });
      });
    });
  }

  it('both by and without; duplicate names; a view whose name is another view’s metric', async () => {
    const base = { tiers: ['1s', '10s'], allowedLateness: '1s', sink: 'dynamodb' };
    const cases: [string, unknown[], RegExp][] = [
      [
        'by and without',
        [{ name: 'both.keys', metric: 'm', by: ['a'], without: ['b'] }],
        /both\.keys|views\[0\]/,
      ],
      [
        'duplicate names',
        [
          { name: 'dup.view', metric: 'm1', by: ['a'] },
          { name: 'dup.view', metric: 'm2', by: ['a'] },
        ],
        /dup\.view/,
      ],
      [
        'a view of a view',
        [
          { name: 'http.by_route', metric: 'http.duration', by: ['http.route'] },
          { name: 'http.by_service', metric: 'http.by_route', by: ['resource.service.name'] },
        ],
        /http\.by_route|http\.by_service|views\[1\]/,
      ],
    ];
    const runs = await Promise.all(cases.map(([, views]) => runMain({ ...base, views })));
    runs.forEach((run, i) => {
      const [what, , message] = cases[i] as (typeof cases)[number];
      expect(run.code, `${what}: ${run.output}`).not.toBe(0);
      expect(run.output, what).toMatch(/views/);
      expect(run.output, what).toMatch(message);
      expect(run.output, `${what}: refused before serving`).not.toMatch(/POST http:\/\/\S+\/v1\/points/);
    });
  }, 40_000);
});
