/**
 * Acceptance of `by` at query time (README "Across series: `by` at query time"), as oracle tests on
 * the local stack: every answer is compared with values computed here from the raw points the test
 * sent — never with windrow's own per-series results.
 *
 * Data (tenant acme, API keys on):
 * - `gb.latency`, gauges over `/v1/points`: services × hosts (resource `service.name`, `host.name`) ×
 *   routes × statuses (point `http.route`, `status`, and `dc,zone` — a key holding a comma), plus two
 *   series without `status`; quarter values (sums exact in any order), unique timestamps.
 * - `gb.requests`, cumulative counters through the real OpenTelemetry JS SDK (MeterProvider,
 *   PeriodicExportingMetricReader, OTLP/HTTP protobuf exporter), four providers (service × host),
 *   four exports about a second apart; the oracle reads the SDK's own exported snapshots. The same
 *   providers export `gb.queue.depth`, cumulative up-down counters (levels: a group's `last` is the
 *   total level now).
 * - `gb.duration`, delta explicit histograms through the SDK: bounds A on two hosts, B on a third
 *   (a group of both merges onto the shared bounds and says `mergedBounds`).
 * - `gb.mixed` (one name, units ms and s), `gb.wide` (1,001 series, for the 1,000-group limit).
 * Tenant beta sends `gb.latency` with the same attributes and values ≥ 100,000.
 *
 * Checked per group and window: count, sum, min, max exact; avg, stddev, rate (Σ of the series'
 * rates; sums only — a gauge has no rate, per series or grouped) to float round-off; `last` the sum
 * of the series' last values; p50–p99 within the sketch's
 * 1% of the pooled nearest rank; `merged` and per-point `series`; the group's keys only in
 * `resource`/`attributes`; at every tier (1s, rolled up to 10s and 1m), `tier=auto`, the 3s/1s
 * sliding window; `tier=auto` with finer tiers filling in where 10s windows are still open; filters
 * first; units never merged; at most 1,000 groups; bad `by` → 400; session + `by` → 400; tenants
 * apart; a late point changes the grouped windows at every tier and raises their version.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '#app/auth/manage-keys.js';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import {
  type AnswerPoint,
  type AnswerSeries,
  bucketCounts,
  byWindow,
  counterWindow,
  expectCounterPoint,
  expectGaugePoint,
  expectHistogramPercentile,
  gaugeWindow,
  groupIdentity,
  groupSamples,
  identityKey,
  PERCENTILES,
  parseKeys,
  quarter,
  type Sample,
  type Snapshot,
  tumbling,
  type WindowSpec,
} from '../support/group-oracle.js';
import { exactSum, normalSample, seededRandom } from '../support/oracles.js';
import { type SdkProvider, sdkProvider } from '../support/sdk-exports.js';

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  shards: 2,
  sliding: [{ size: '3s', slide: '1s' }],
  sessions: [{ match: 'gb.session.*', gap: '2s' }],
  sink: 'dynamodb',
});
const TIERS: readonly [string, WindowSpec][] = [
  ['1s', tumbling(1_000)],
  ['10s', tumbling(10_000)],
  ['1m', tumbling(60_000)],
];
const SLIDING: WindowSpec = { sizeMs: 3_000, slideMs: 1_000 };

let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };
let stack: LocalStack;
let keyA = '';
let keyB = '';
let fromMs = 0;
let toMs = 0;

/** acme's `gb.latency` samples (the late point is added by its test). */
const latency: Sample[] = [];
/** beta's `gb.latency` samples. */
const betaLatency: Sample[] = [];
/** acme's `gb.requests` snapshots, as the SDK exported them. */
const requests: Snapshot[] = [];
/** acme's `gb.queue.depth` levels (cumulative up-down counters, SDK), as exported. */
const levels: Sample[] = [];
const mixed: (Sample & { unit: string })[] = [];
/** acme's `gb.duration` values (SDK delta histograms), each at the time of the export that carried it. */
const durations: Sample[] = [];
const BOUNDS_A = [10, 20, 50, 100, 200, 500] as const;
const BOUNDS_B = [10, 50, 100, 500, 1000] as const;
/** The bounds A and B share: where a merge of both puts its counts. */
const SHARED = [10, 50, 100, 500] as const;

const SERVICES = ['checkout', 'cart'] as const;
const HOSTS = ['h1', 'h2', 'h3'] as const;
const ROUTES = ['/a', '/b'] as const;
const STATUSES = ['200', '500'] as const;
const MU: Record<string, number> = { '/a': Math.log(40), '/b': Math.log(200), '/c': Math.log(5) };

interface SeriesDef {
  readonly id: string;
  readonly resource: Record<string, string>;
  readonly attributes: Record<string, string>;
}

function latencySeries(): SeriesDef[] {
  const out: SeriesDef[] = [];
  for (const service of SERVICES)
    for (const host of HOSTS)
      for (const route of ROUTES)
        for (const status of STATUSES)
          out.push({
            id: `${service}|${host}|${route}|${status}`,
            resource: { 'service.name': service, 'host.name': host },
            attributes: { 'http.route': route, status, 'dc,zone': host === 'h3' ? 'us' : 'eu' },
          });
  // Two series without `status`: they fall in the group where `status` is absent.
  for (const host of ['h1', 'h2'])
    out.push({
      id: `checkout|${host}|/c|-`,
      resource: { 'service.name': 'checkout', 'host.name': host },
      attributes: { 'http.route': '/c', 'dc,zone': 'eu' },
    });
  return out;
}

async function post(key: string, path: string, body: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function pointsBody(metric: string, samples: readonly Sample[], unit = 'ms') {
  return {
    points: samples.map((s) => ({
      metric,
      timestamp: s.t,
      value: s.value,
      unit,
      attributes: s.attributes,
      resource: s.resource,
    })),
  };
}

async function get(key: string, query: string) {
  const response = await fetch(`${stack.url}/v1/query?${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A 200 answer's series (fails with the body otherwise). */
async function groups(
  key: string,
  query: string,
): Promise<{ body: Record<string, unknown>; series: AnswerSeries[] }> {
  const { status, body } = await get(key, query);
  expect(status, `${query} → ${JSON.stringify(body).slice(0, 600)}`).toBe(200);
  expect(Array.isArray(body.series), `${query}: series`).toBe(true);
  return { body, series: body.series as AnswerSeries[] };
}

const range = () => `from=${fromMs}&to=${toMs}`;
const enc = encodeURIComponent;

/** Filters as the query writes them, applied to a sample. */
function matches(s: Sample, filters: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(filters)) {
    const value = k.startsWith('resource.')
      ? s.resource[k.slice('resource.'.length)]
      : s.attributes[k.slice('attr.'.length)];
    if (value !== v) return false;
  }
  return true;
}

/**
 * Asks `metric` grouped by `by` (a list, or '' for `by=`) with `filters`, and checks every group and
 * window against the gauge oracle over `samples`.
 */
async function checkGauge(options: {
  readonly key: string;
  readonly samples: readonly Sample[];
  readonly by: readonly string[];
  readonly byParam?: string;
  readonly filters?: Readonly<Record<string, string>>;
  readonly tier: string;
  readonly spec: WindowSpec;
  readonly sliding?: boolean;
  readonly metric?: string;
}): Promise<AnswerSeries[]> {
  const filters = options.filters ?? {};
  const byParam = options.byParam ?? `by=${enc(options.by.join(','))}`;
  const filterParams = Object.entries(filters)
    .map(([k, v]) => `&${k}=${enc(v)}`)
    .join('');
  const q =
    `metric=${options.metric ?? 'gb.latency'}&tier=${enc(options.tier)}&${range()}&${byParam}${filterParams}` +
    (options.sliding ? '&window=sliding' : '');
  const { body, series } = await groups(options.key, q);
  expect(body.truncated, q).toBe(false);
  expect(Array.isArray(body.by), `${q}: the answer says its keys (by)`).toBe(true);
  expect((body.by as unknown[]).length, `${q}: by`).toBe(options.by.length);
  const keys = parseKeys(options.by);
  const mine = options.samples.filter((s) => matches(s, filters) && s.t >= fromMs && s.t < toMs);
  const want = groupSamples(mine, keys);
  const got = new Map(series.map((s) => [identityKey(s as never), s]));
  expect([...got.keys()].sort(), `${q}: the groups (each with its keys only)`).toEqual(
    [...want.keys()].sort(),
  );
  expect(series.length, `${q}: one answer series per group`).toBe(want.size);
  for (const [id, samples] of want) {
    const s = got.get(id) as AnswerSeries;
    const what = `${q} group ${id}`;
    const first = samples[0] as Sample;
    expect({ resource: s.resource, attributes: s.attributes }, what).toEqual(groupIdentity(first, keys));
    expect(s.unit, `${what}: unit`).toBe('ms');
    expect(s.type, `${what}: type`).toBe('gauge');
    expect(s.merged, `${what}: merged`).toBe(new Set(samples.map((x) => x.series)).size);
    const windows = byWindow(samples, options.spec);
    const starts = s.points.map((p) => Date.parse(p.start));
    expect(starts, `${what}: windows, sorted by start`).toEqual([...windows.keys()].sort((a, b) => a - b));
    for (const p of s.points) {
      const start = Date.parse(p.start);
      expect(Date.parse(p.end) - start, `${what}: window length`).toBe(options.spec.sizeMs);
      expectGaugePoint(
        p,
        gaugeWindow(windows.get(start) ?? [], options.spec.sizeMs, 'sum'),
        `${what} @${new Date(start).toISOString()}`,
      );
    }
  }
  return series;
}

let metricsList: { name: string; type: string; unit: string; series: number }[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ config, port: 0, quiet: true, clock, auth: true });
  await stack.closer.tick(); // checkpoints start here: everything below lands in open windows
  keyA = (await createApiKey(stack.keys, 'acme', 'a', clock.nowMs())).key;
  keyB = (await createApiKey(stack.keys, 'beta', 'b', clock.nowMs())).key;
  const tA = Math.ceil((Date.now() + 500) / 1_000) * 1_000;
  fromMs = Math.floor(tA / 60_000) * 60_000 - 60_000;

  // gb.latency (acme): 312 points over ~6 s, a random series each, unique timestamps.
  const defs = latencySeries();
  const random = seededRandom(13);
  const z = normalSample(400, 5);
  for (let i = 0; i < 312; i++) {
    const def = defs[Math.floor(random() * defs.length)] as SeriesDef;
    const route = def.attributes['http.route'] as string;
    latency.push({
      series: def.id,
      t: tA + i * 19,
      value: quarter(Math.exp((MU[route] ?? 0) + 0.7 * (z[i] ?? 0))),
      resource: def.resource,
      attributes: def.attributes,
    });
  }
  // gb.latency (beta): the same attributes as two of acme's series, values ≥ 100,000.
  for (let i = 0; i < 20; i++) {
    const def = defs[i % 2 === 0 ? 0 : 13] as SeriesDef;
    betaLatency.push({
      series: def.id,
      t: tA + 7 + i * 290,
      value: 100_000 + i * 1.25,
      resource: def.resource,
      attributes: def.attributes,
    });
  }
  // gb.mixed: one name, two units: ms (two series) and s (one) never merge.
  for (let i = 0; i < 15; i++) {
    const host = i % 3 === 2 ? 'h1' : `h${(i % 3) + 1}`;
    const unit = i % 3 === 2 ? 's' : 'ms';
    mixed.push({
      series: `${host}|${unit}`,
      unit,
      t: tA + 11 + i * 350,
      value: 1 + i * 0.5,
      resource: { 'service.name': 'checkout', 'host.name': host },
      attributes: { 'http.route': '/a' },
    });
  }
  expect((await post(keyA, '/v1/points', pointsBody('gb.latency', latency))).body).toMatchObject({
    accepted: latency.length,
    rejected: 0,
  });
  expect((await post(keyB, '/v1/points', pointsBody('gb.latency', betaLatency))).body).toMatchObject({
    accepted: betaLatency.length,
    rejected: 0,
  });
  for (const unit of ['ms', 's']) {
    const list = mixed.filter((m) => m.unit === unit);
    expect((await post(keyA, '/v1/points', pointsBody('gb.mixed', list, unit))).body).toMatchObject({
      accepted: list.length,
    });
  }
  const wide = Array.from({ length: 1_001 }, (_, i) => ({
    metric: 'gb.wide',
    timestamp: tA + 3 + i,
    value: i,
    attributes: { k: `v${String(i).padStart(4, '0')}` },
  }));
  expect((await post(keyA, '/v1/points', { points: wide })).body).toMatchObject({ accepted: 1_001 });

  // gb.requests: cumulative counters through the OpenTelemetry JS SDK, 4 providers × 4 series.
  const providers: { sdk: SdkProvider; service: string; host: string }[] = [];
  for (const service of SERVICES)
    for (const host of ['h1', 'h2'])
      providers.push({
        sdk: sdkProvider({
          url: stack.url,
          resource: { 'service.name': service, 'host.name': host },
          temporality: 'cumulative',
          apiKey: keyA,
        }),
        service,
        host,
      });
  const counters = providers.map((p) => p.sdk.meter.createCounter('gb.requests', { unit: '{request}' }));
  const depths = providers.map((p) => p.sdk.meter.createUpDownCounter('gb.queue.depth'));
  // gb.duration: delta histograms (SDK), bounds A on h1 and h3, bounds B on h2 (attribute bset).
  const histogramProviders = (['h1', 'h2', 'h3'] as const).map((host) => {
    const bset = host === 'h2' ? 'B' : 'A';
    const sdk = sdkProvider({
      url: stack.url,
      resource: { 'service.name': 'checkout', 'host.name': host },
      temporality: 'delta',
      apiKey: keyA,
    });
    const histogram = sdk.meter.createHistogram('gb.duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [...(bset === 'A' ? BOUNDS_A : BOUNDS_B)] },
    });
    return { sdk, host, bset, histogram, pending: [] as number[] };
  });
  const hz = normalSample(200, 17);
  let hk = 0;
  const adds = seededRandom(29);
  for (let round = 0; round < 4; round++) {
    if (round > 0) await sleep(1_100);
    for (const h of histogramProviders) {
      const n = 2 + Math.floor(adds() * 5);
      for (let j = 0; j < n; j++) {
        // Half values: never on a bound, sums exact in any order.
        const value = Math.floor(Math.exp(Math.log(80) + 1.1 * (hz[hk++ % 200] ?? 0))) + 0.5;
        h.histogram.record(value, { bset: h.bset });
        h.pending.push(value);
      }
      const before = h.sdk.points.length;
      await h.sdk.flush();
      const exported = h.sdk.points.slice(before);
      expect(exported.map((x) => x.histogram?.count)).toEqual([h.pending.length]);
      for (const value of h.pending)
        durations.push({
          series: h.host,
          t: exported[0]?.t ?? Number.NaN,
          value,
          resource: { 'service.name': 'checkout', 'host.name': h.host },
          attributes: { bset: h.bset },
        });
      h.pending = [];
    }
    // Queue levels (cumulative up-down counters): one queue per provider, going up and down.
    for (const [i, depth] of depths.entries()) depth.add(Math.floor(adds() * 21) - 8 + i, { queue: `q${i}` });
    counters.forEach((counter) => {
      let s = 0;
      for (const route of ROUTES)
        for (const status of STATUSES) {
          // The last series of each provider starts in round 2; others skip a round now and then.
          const quiet = (s === 3 && round < 2) || adds() < 0.2;
          if (!quiet) counter.add(1 + Math.floor(adds() * 20), { 'http.route': route, status });
          s++;
        }
    });
    await Promise.all(providers.map((p) => p.sdk.flush()));
  }
  // Shutting down exports once more (the reader's last collection): read the points after it.
  await Promise.all([...providers, ...histogramProviders].map((p) => p.sdk.shutdown()));
  for (const p of providers) {
    for (const point of p.sdk.points) {
      if (point.metric === 'gb.queue.depth') {
        levels.push({
          series: `${p.service}|${p.host}|${point.attributes.queue}`,
          t: point.t,
          value: point.value ?? Number.NaN,
          resource: point.resource,
          attributes: point.attributes,
        });
        continue;
      }
      requests.push({
        series: `${p.service}|${p.host}|${point.attributes['http.route']}|${point.attributes.status}`,
        t: point.t,
        value: point.value ?? Number.NaN,
        resource: point.resource,
        attributes: point.attributes,
      });
    }
  }
  expect(requests.length).toBeGreaterThan(40);

  // Close everything: the clock runs past the end of the last 1m window holding data.
  const lastT = Math.max(
    ...[...latency, ...betaLatency, ...requests, ...mixed, ...durations, ...levels].map((s) => s.t),
    tA + 1_004,
  );
  const endAll = Math.ceil((lastT + 1) / 60_000) * 60_000;
  toMs = endAll + 60_000;
  offsetMs = Math.max(offsetMs, 0);
  while (clock.nowMs() < endAll + 2_000) {
    offsetMs += Math.min(5_000, endAll + 2_000 - clock.nowMs());
    await stack.closer.tick();
  }
  for (let i = 0; i < 4; i++) await stack.closer.tick(); // each tier one run after its children
  const listed = await fetch(`${stack.url}/v1/metrics`, { headers: { authorization: `Bearer ${keyA}` } });
  metricsList = ((await listed.json()) as { metrics: typeof metricsList }).metrics;
}, 60_000);
afterAll(() => stack?.stop());

describe('by at query time: gauges over /v1/points, every tier', () => {
  it.each(TIERS)('by a point key (bare http.route) at %s', async (tier, spec) => {
    await checkGauge({ key: keyA, samples: latency, by: ['http.route'], tier, spec });
  });

  it.each(TIERS)('by a resource key at %s', async (tier, spec) => {
    await checkGauge({ key: keyA, samples: latency, by: ['resource.service.name'], tier, spec });
  });

  it.each(TIERS)(
    'by a point and a resource key at %s; series without the key fall in the group where it is absent',
    async (tier, spec) => {
      const series = await checkGauge({
        key: keyA,
        samples: latency,
        by: ['attr.status', 'resource.host.name'],
        tier,
        spec,
      });
      // h1 and h2 each have a group without `status` (the /c series): attributes {}.
      const absent = series.filter((s) => Object.keys(s.attributes).length === 0);
      expect(absent.map((s) => s.resource['host.name']).sort()).toEqual(['h1', 'h2']);
    },
  );

  it.each(TIERS)('by= (no keys) merges every series into one at %s', async (tier, spec) => {
    const [one] = await checkGauge({ key: keyA, samples: latency, by: [], byParam: 'by=', tier, spec });
    expect(one?.resource).toEqual({});
    expect(one?.attributes).toEqual({});
    expect(one?.merged).toBe(new Set(latency.map((s) => s.series)).size);
  });

  it.each(TIERS)('filters apply first, then by, at %s', async (tier, spec) => {
    await checkGauge({
      key: keyA,
      samples: latency,
      by: ['resource.host.name'],
      filters: { 'attr.http.route': '/a', 'resource.service.name': 'cart' },
      tier,
      spec,
    });
    await checkGauge({
      key: keyA,
      samples: latency,
      by: [],
      byParam: 'by=',
      filters: { 'attr.status': '500' },
      tier,
      spec,
    });
  });

  it('by given several times: a key holding a comma, with a second key', async () => {
    await checkGauge({
      key: keyA,
      samples: latency,
      by: ['attr.dc,zone', 'resource.service.name'],
      byParam: `by=${enc('attr.dc,zone')}&by=resource.service.name`,
      tier: '10s',
      spec: tumbling(10_000),
    });
    // The comma form and the repeated form of the same keys answer the same.
    const comma = await groups(
      keyA,
      `metric=gb.latency&tier=1s&${range()}&by=http.route,resource.service.name`,
    );
    const repeated = await groups(
      keyA,
      `metric=gb.latency&tier=1s&${range()}&by=http.route&by=resource.service.name`,
    );
    expect(repeated.series).toEqual(comma.series);
  });

  it('tier=auto: the coarsest tier with about 100 windows (10s over 20 minutes), grouped', async () => {
    const from = fromMs - 9 * 60_000;
    const to = from + 20 * 60_000;
    const { body, series } = await groups(
      keyA,
      `metric=gb.latency&tier=auto&from=${from}&to=${to}&by=resource.service.name`,
    );
    expect(body.tier).toBe('10s');
    const want = groupSamples(
      latency.filter((s) => s.t >= from && s.t < to),
      parseKeys(['resource.service.name']),
    );
    expect(series.length).toBe(want.size);
    for (const s of series) {
      const samples = want.get(identityKey(s as never)) ?? [];
      const windows = byWindow(samples, tumbling(10_000));
      expect(s.points.map((p) => Date.parse(p.start))).toEqual([...windows.keys()].sort((a, b) => a - b));
      for (const p of s.points) {
        if (p.tier !== undefined) expect(p.tier).toBe('10s');
        expectGaugePoint(
          p,
          gaugeWindow(windows.get(Date.parse(p.start)) ?? [], 10_000, 'sum'),
          `auto ${p.start}`,
        );
      }
    }
    // Over 100 s, auto is the 1s tier.
    const short = await groups(keyA, `metric=gb.latency&from=${fromMs + 60_000}&to=${fromMs + 160_000}&by=`);
    expect(short.body.tiers).toEqual(['1s']);
    const [one] = short.series;
    const inRange = latency.filter((s) => s.t < fromMs + 160_000);
    const windows = byWindow(inRange, tumbling(1_000));
    expect(one?.points.length).toBe(windows.size);
    for (const p of one?.points ?? [])
      expectGaugePoint(
        p,
        gaugeWindow(windows.get(Date.parse(p.start)) ?? [], 1_000, 'sum'),
        `auto 1s ${p.start}`,
      );
  });

  it('the 3s/1s sliding window, grouped by a point key and with by=', async () => {
    await checkGauge({
      key: keyA,
      samples: latency,
      by: ['http.route'],
      tier: '3s/1s',
      spec: SLIDING,
      sliding: true,
    });
    await checkGauge({
      key: keyA,
      samples: latency,
      by: [],
      byParam: 'by=',
      tier: '3s/1s',
      spec: SLIDING,
      sliding: true,
    });
  });

  it('series of one name with different units never merge: separate groups, each with its unit', async () => {
    for (const [tier, spec] of TIERS) {
      const { series } = await groups(keyA, `metric=gb.mixed&tier=${tier}&${range()}&by=http.route`);
      expect(series.map((s) => s.unit).sort(), tier).toEqual(['ms', 's']);
      for (const s of series) {
        const samples = mixed.filter((m) => m.unit === s.unit);
        expect(s.attributes, tier).toEqual({ 'http.route': '/a' });
        expect(s.merged, `${tier} ${s.unit}`).toBe(new Set(samples.map((m) => m.series)).size);
        const windows = byWindow(samples, spec);
        expect(s.points.map((p) => Date.parse(p.start))).toEqual([...windows.keys()].sort((a, b) => a - b));
        for (const p of s.points)
          expectGaugePoint(
            p,
            gaugeWindow(windows.get(Date.parse(p.start)) ?? [], spec.sizeMs, 'sum'),
            `mixed ${tier} ${s.unit}`,
          );
      }
    }
  });

  it('answers at most 1,000 groups, then says truncated', async () => {
    const { body, series } = await groups(keyA, `metric=gb.wide&tier=1m&${range()}&by=k`);
    expect(series.length).toBe(1_000);
    expect(body.truncated).toBe(true);
    const all = await groups(keyA, `metric=gb.wide&tier=1m&${range()}&by=`);
    expect(all.body.truncated).toBe(false);
    expect(all.series[0]?.merged).toBe(1_001);
    expect(all.series[0]?.points.reduce((a, p) => a + Number(p.count), 0)).toBe(1_001);
  });
});

describe('by at query time: cumulative counters from the OpenTelemetry JS SDK', () => {
  const cases: [string, readonly string[]][] = [
    ['by=http.route', ['http.route']],
    ['by=resource.service.name,status', ['resource.service.name', 'status']],
    ['by=', []],
  ];
  const windowsOf = (spec: WindowSpec) => [...byWindow(requests, spec).keys()].sort((a, b) => a - b);

  it.each(cases)(
    '%s at every tier and the sliding window: Σ increases, Σ rates, Σ last totals',
    async (param, by) => {
      const listed = metricsList.find((m) => m.name === 'gb.requests');
      expect(listed, JSON.stringify(metricsList)).toBeDefined();
      const keys = parseKeys(by);
      const want = groupSamples(requests, keys);
      for (const [tier, spec, sliding] of [
        ...TIERS.map(([t, s]) => [t, s, false] as const),
        ['3s/1s', SLIDING, true] as const,
      ]) {
        const q = `metric=gb.requests&tier=${enc(tier)}&${range()}&${param}${sliding ? '&window=sliding' : ''}`;
        const { series } = await groups(keyA, q);
        expect(series.length, q).toBe(want.size);
        for (const s of series) {
          const id = identityKey(s as never);
          const samples = want.get(id);
          expect(samples, `${q}: unexpected group ${id}`).toBeDefined();
          const ids = new Set((samples ?? []).map((x) => x.series));
          expect(s.type, `${q}: type as /v1/metrics lists it`).toBe(listed?.type);
          expect(s.unit, q).toBe('{request}');
          expect(s.merged, `${q} ${id}: merged`).toBe(ids.size);
          const starts = windowsOf(spec).filter((start) => counterWindow(requests, ids, start, spec.sizeMs));
          expect(
            s.points.map((p) => Date.parse(p.start)),
            `${q} ${id}: windows`,
          ).toEqual(starts);
          for (const p of s.points) {
            const start = Date.parse(p.start);
            const w = counterWindow(requests, ids, start, spec.sizeMs);
            expectCounterPoint(p, w as NonNullable<typeof w>, `${q} ${id} @${p.start}`);
          }
        }
      }
    },
  );

  it('Σ of a group’s increases over the tier equals what the SDK added (every tier)', async () => {
    const total = new Map<string, number>();
    for (const s of requests) total.set(s.series, Math.max(total.get(s.series) ?? 0, s.value));
    const added = [...total.values()].reduce((a, b) => a + b, 0);
    for (const [tier] of TIERS) {
      const { series } = await groups(keyA, `metric=gb.requests&tier=${tier}&${range()}&by=`);
      expect(series.length).toBe(1);
      expect(
        series[0]?.points.reduce((a, p) => a + Number(p.sum), 0),
        tier,
      ).toBe(added);
    }
  });
});

describe('by at query time: cumulative up-down counters from the SDK (levels)', () => {
  it.each([...TIERS.map(([tier, spec]) => [tier, spec, false] as const), ['3s/1s', SLIDING, true] as const])(
    'by= and by service at %s: last is the total level now (Σ of each queue’s last level)',
    async (tier, spec, sliding) => {
      for (const [param, by] of [
        ['by=', []],
        ['by=resource.service.name', ['resource.service.name']],
      ] as const) {
        const q = `metric=gb.queue.depth&tier=${enc(tier)}&${range()}&${param}${sliding ? '&window=sliding' : ''}`;
        const { series } = await groups(keyA, q);
        const want = groupSamples(levels, parseKeys(by));
        expect(series.map((s) => identityKey(s as never)).sort(), q).toEqual([...want.keys()].sort());
        for (const s of series) {
          const samples = want.get(identityKey(s as never)) ?? [];
          expect(s.merged, q).toBe(new Set(samples.map((x) => x.series)).size);
          const windows = byWindow(samples, spec);
          expect(
            s.points.map((p) => Date.parse(p.start)),
            `${q}: windows`,
          ).toEqual([...windows.keys()].sort((a, b) => a - b));
          for (const p of s.points) {
            const inWindow = windows.get(Date.parse(p.start)) ?? [];
            // A level sample is a number: the pooled stats of the levels; last the Σ of the last levels.
            expectGaugePoint(
              p,
              gaugeWindow(inWindow, spec.sizeMs, 'sum'),
              `${q} ${identityKey(s as never)} @${p.start}`,
              {
                rate: 'unchecked',
              },
            );
          }
        }
      }
    },
  );
});

describe('by at query time: explicit histograms from the OpenTelemetry JS SDK (delta)', () => {
  it.each([...TIERS.map(([tier, spec]) => [tier, spec, false] as const), ['3s/1s', SLIDING, true] as const])(
    'same bounds merge as they are; different bounds onto the shared ones (mergedBounds), at %s',
    async (tier, spec, sliding) => {
      let sawMerged = false;
      for (const [param, by] of [
        ['by=bset', ['bset']],
        ['by=', []],
      ] as const) {
        const q = `metric=gb.duration&tier=${enc(tier)}&${range()}&${param}${sliding ? '&window=sliding' : ''}`;
        const { series } = await groups(keyA, q);
        const want = groupSamples(durations, parseKeys(by));
        expect(series.map((s) => identityKey(s as never)).sort(), q).toEqual([...want.keys()].sort());
        for (const s of series) {
          const samples = want.get(identityKey(s as never)) ?? [];
          expect(s.type, q).toBe('histogram');
          expect(s.unit, q).toBe('ms');
          expect(s.merged, q).toBe(new Set(samples.map((x) => x.series)).size);
          const windows = byWindow(samples, spec);
          expect(
            s.points.map((p) => Date.parse(p.start)),
            `${q}: windows`,
          ).toEqual([...windows.keys()].sort((a, b) => a - b));
          for (const p of s.points) {
            const inWindow = windows.get(Date.parse(p.start)) ?? [];
            const values = inWindow.map((x) => x.value);
            const what = `${q} ${identityKey(s as never)} @${p.start}`;
            expect(p.count, what).toBe(values.length);
            expect(p.sum, what).toBe(exactSum(values));
            expect(p.min, what).toBe(Math.min(...values));
            expect(p.max, what).toBe(Math.max(...values));
            expect(p.series, what).toBe(new Set(inWindow.map((x) => x.series)).size);
            // Members with different bounds in this window: counts exact on the coarser, shared bounds.
            const sets = new Set(inWindow.map((x) => x.attributes.bset));
            const mixedHere = sets.size > 1;
            const here: readonly number[] = mixedHere ? SHARED : sets.has('A') ? BOUNDS_A : BOUNDS_B;
            if (mixedHere) sawMerged = true;
            expect(p.buckets, `${what}: buckets`).toEqual({
              bounds: [...here],
              counts: bucketCounts(values, here),
            });
            expect(p.mergedBounds === true, `${what}: mergedBounds`).toBe(mixedHere);
            for (const pct of PERCENTILES)
              expectHistogramPercentile(p[`p${pct}`], values, here, pct / 100, `${what} p${pct}`);
          }
        }
      }
      if (tier === '1m') expect(sawMerged, 'a 1m window merges bounds A and B').toBe(true);
    },
  );
});

describe('by at query time: refusals', () => {
  const eleven = Array.from({ length: 11 }, (_, i) => `k${i}`).join(',');
  it.each([
    ['11 keys', `by=${eleven}`],
    ['11 keys over repeated by', Array.from({ length: 11 }, (_, i) => `by=k${i}`).join('&')],
    ['a 300-character key', `by=${'k'.repeat(300)}`],
    ['a 257-character resource key', `by=resource.${'k'.repeat(257)}`],
    ['a control character', 'by=http%01route'],
    ['a newline', 'by=resource.host%0Aname'],
  ])('%s → 400 naming by', async (_, q) => {
    const { status, body } = await get(keyA, `metric=gb.latency&tier=1s&${range()}&${q}`);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.param).toBe('by');
    expect(String(body.error)).toContain('by');
  });

  it('10 keys of 256 characters are within the limits', async () => {
    // Bare keys (= attr.K) of 256 characters: within the limit however the prefix is counted.
    const ten = Array.from({ length: 10 }, (_, i) => String(i).padEnd(256, 'k')).join(',');
    const { status, body } = await get(keyA, `metric=gb.latency&tier=1m&${range()}&by=${ten}`);
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
    // No series has any of these keys: one group, every series in it.
    expect((body.series as AnswerSeries[])[0]?.merged).toBe(new Set(latency.map((s) => s.series)).size);
  });

  it('window=session with by → 400 (sessions have per-series bounds); without by → 200', async () => {
    const session = `metric=gb.session.x&window=session&tier=${enc('session:2s')}&${range()}`;
    expect((await get(keyA, session)).status).toBe(200);
    for (const by of ['by=http.route', 'by=']) {
      const { status, body } = await get(keyA, `${session}&${by}`);
      expect(status, by).toBe(400);
      expect(['by', 'window'], JSON.stringify(body)).toContain(body.param);
      expect(String(body.error)).toContain(String(body.param));
    }
  });
});

describe('by at query time: tenants', () => {
  it('a group never mixes tenants: each tenant’s groups are its own points only', async () => {
    for (const [tier, spec] of TIERS) {
      await checkGauge({ key: keyA, samples: latency, by: [], byParam: 'by=', tier, spec });
      await checkGauge({ key: keyB, samples: betaLatency, by: ['http.route'], tier, spec });
      await checkGauge({ key: keyB, samples: betaLatency, by: [], byParam: 'by=', tier, spec });
    }
    // beta has no gb.requests: nothing to group.
    const { series } = await groups(keyB, `metric=gb.requests&tier=1s&${range()}&by=`);
    expect(series).toEqual([]);
  });
});

describe('by at query time: a late point', () => {
  it('re-closes its windows: the grouped result changes at every tier and its version rises', async () => {
    const keys = parseKeys(['http.route']);
    const target = latency.find((s) => s.attributes['http.route'] === '/a') as Sample;
    const late: Sample = { ...target, t: target.t + 3, value: 50_000 };
    const id = identityKey(groupIdentity(late, keys));
    const before = new Map<string, AnswerPoint>();
    for (const [tier, spec] of TIERS) {
      const { series } = await groups(keyA, `metric=gb.latency&tier=${tier}&${range()}&by=http.route`);
      const s = series.find((x) => identityKey(x as never) === id);
      const start = Math.floor(late.t / spec.sizeMs) * spec.sizeMs;
      const p = s?.points.find((x) => Date.parse(x.start) === start);
      expect(p, `${tier}: the window of the late point is closed`).toBeDefined();
      before.set(tier, p as AnswerPoint);
    }
    const sent = await post(keyA, '/v1/points', pointsBody('gb.latency', [late]));
    expect(sent.body).toMatchObject({ accepted: 1, rejected: 0 });
    latency.push(late);
    for (let i = 0; i < 5; i++) {
      offsetMs += 1_000;
      await stack.closer.tick();
    }
    for (const [tier, spec] of TIERS) {
      const series = await checkGauge({ key: keyA, samples: latency, by: ['http.route'], tier, spec });
      const s = series.find((x) => identityKey(x as never) === id);
      const start = Math.floor(late.t / spec.sizeMs) * spec.sizeMs;
      const p = s?.points.find((x) => Date.parse(x.start) === start) as AnswerPoint;
      const old = before.get(tier) as AnswerPoint;
      expect(p.count, tier).toBe(Number(old.count) + 1);
      expect(p.max, tier).toBe(50_000);
      expect(p.version, `${tier}: version rises`).toBeGreaterThan(old.version);
    }
  });
});

describe('by at query time: tier=auto where coarse windows are not closed yet', () => {
  it('finer tiers fill in, each point says its tier, nothing counted twice or missed', async () => {
    // New points in a 10 s window ahead; the clock then closes their 1 s windows, not their 10 s one.
    const base = Math.floor(clock.nowMs() / 10_000) * 10_000 + 10_000;
    const defs = latencySeries();
    const fresh: Sample[] = Array.from({ length: 40 }, (_, i) => {
      const def = defs[(i * 7) % defs.length] as SeriesDef;
      return {
        series: def.id,
        t: base + 100 + i * 59,
        value: quarter(3 + i * 1.5),
        resource: def.resource,
        attributes: def.attributes,
      };
    });
    expect((await post(keyA, '/v1/points', pointsBody('gb.latency', fresh))).body).toMatchObject({
      accepted: fresh.length,
      rejected: 0,
    });
    latency.push(...fresh);
    while (clock.nowMs() < base + 4_500) {
      offsetMs += 1_000;
      await stack.closer.tick();
    }
    const from = base - 15 * 60_000;
    const to = base + 5 * 60_000;
    const { body, series } = await groups(
      keyA,
      `metric=gb.latency&tier=auto&from=${from}&to=${to}&by=resource.service.name`,
    );
    expect(body.tier).toBe('10s');
    expect(body.tiers).toEqual(['10s', '1s']);
    const want = groupSamples(
      latency.filter((s) => s.t >= from && s.t < to),
      parseKeys(['resource.service.name']),
    );
    expect(series.length).toBe(want.size);
    const tiersSeen = new Set<string>();
    for (const s of series) {
      const samples = want.get(identityKey(s as never)) ?? [];
      let counted = 0;
      for (const p of s.points) {
        const tier = String(p.tier);
        tiersSeen.add(tier);
        const size = tier === '10s' ? 10_000 : tier === '1s' ? 1_000 : Number.NaN;
        const start = Date.parse(p.start);
        expect(start < base ? '10s' : '1s', `${p.start}: the tier that is closed there`).toBe(tier);
        const inWindow = samples.filter((x) => x.t >= start && x.t < start + size);
        expectGaugePoint(p, gaugeWindow(inWindow, size, 'sum'), `auto fill-in ${tier} ${p.start}`);
        counted += Number(p.count);
      }
      expect(counted, 'every point once').toBe(samples.length);
    }
    expect([...tiersSeen].sort()).toEqual(['10s', '1s']);
  });
});
