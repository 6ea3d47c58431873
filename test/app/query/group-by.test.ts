import { describe, expect, it } from 'vitest';
import { parseQueryParams, QueryParamError } from '#app/query/params.js';
import { query } from '#app/query/query.js';
import { resultRecord } from '#app/result-records.js';
import type { ResultQuery, ResultRecord } from '#app/results.js';
import { finalizeWindow } from '#core/close/finalize-window.js';
import { parseConfig } from '#core/config/config.js';
import type { Attributes, MetricDescriptor, NormalizedPoint } from '#core/point.js';
import { deltaHistogram, fold, gauge, HOUR, MINUTE, mergedOf, sid, WS } from '../../core/close/helpers.js';

const config = parseConfig({ sink: 'dynamodb', tiers: ['1m', '1h'] });
const METRIC: MetricDescriptor = {
  name: 'lat',
  unit: 'ms',
  description: '',
  kind: 'gauge',
  temporality: 0,
  monotonic: false,
};

interface SeriesSpec {
  readonly n: number;
  readonly resource: Attributes;
  readonly attributes: Attributes;
  readonly metric?: MetricDescriptor;
  /** Points per window index. */
  readonly windows: readonly (readonly NormalizedPoint[])[];
}

function recordsOf(specs: readonly SeriesSpec[], opts: { stateless?: boolean } = {}): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const spec of specs) {
    for (const [i, points] of spec.windows.entries()) {
      if (points.length === 0) continue;
      const startMs = WS + i * MINUTE;
      const merged = new Map([[sid(spec.n), mergedOf('acme', sid(spec.n), points)]]);
      const [r] = finalizeWindow({
        merged,
        previous: new Map(),
        windowStartMs: startMs,
        windowEndMs: startMs + MINUTE,
        percentiles: config.percentiles,
        carryForMs: HOUR,
      }).results;
      if (r === undefined) continue;
      const meta = {
        tenant: 'acme',
        seriesId: sid(spec.n),
        metric: spec.metric ?? METRIC,
        resource: spec.resource,
        scope: { name: '', version: '' },
        attributes: spec.attributes,
      };
      const window = {
        window: '1m',
        windowKind: 'tier' as const,
        startMs,
        endMs: startMs + MINUTE,
        version: 1000 + spec.n,
      };
      out.push(resultRecord(meta, window, r.stats, opts.stateless ? undefined : r.group));
    }
  }
  return out;
}

function run(records: readonly ResultRecord[], q: string, keepsState = true) {
  const reader = {
    keepsState,
    read: async (rq: ResultQuery) =>
      records.filter(
        (r) =>
          r.startMs >= rq.fromMs &&
          r.startMs < rq.toMs &&
          Object.entries(rq.where ?? {}).every(([k, v]) => r.attributes[k] === v),
      ),
  };
  const params = parseQueryParams(
    `metric=lat&tier=1m&from=${WS}&to=${WS + 10 * MINUTE}&${q}`,
    config,
    WS + HOUR,
  );
  return query('acme', params, { reader, checkpoints: { readCheckpoints: async () => new Map() }, config });
}

const pods = (route: string, base: number): SeriesSpec[] =>
  [0, 1, 2].map((p) => ({
    n: base + p,
    resource: { 'service.name': 'pay', 'service.instance.id': `pod-${p}` },
    attributes: { 'http.route': route },
    windows: [[gauge(10 * (p + 1), WS + 1), gauge(5 + p, WS + 2)], [gauge(1 + p, WS + MINUTE + 1)]],
  }));

describe('query with by', () => {
  it('merges per window the series sharing the keys: stats of the pooled values, counts of series', async () => {
    const specs = [...pods('/pay', 1), ...pods('/cart', 10)];
    const answer = await run(recordsOf(specs), 'by=http.route');
    expect(answer.by).toEqual(['attr.http.route']);
    expect(answer.series.map((s) => s.attributes)).toEqual([
      { 'http.route': '/cart' },
      { 'http.route': '/pay' },
    ]);
    const pay = answer.series[1];
    expect(pay).toMatchObject({ resource: {}, unit: 'ms', type: 'gauge', merged: 3 });
    const pooled = fold(
      specs.filter((s) => s.attributes['http.route'] === '/pay').flatMap((s) => s.windows[0] ?? []),
    );
    const expected = pooled.kind.finalize(pooled.state, {
      windowStartMs: WS,
      windowEndMs: WS + MINUTE,
      percentiles: config.percentiles,
    });
    const [first, second] = pay?.points ?? [];
    expect(first).toMatchObject({
      series: 3,
      count: 6,
      sum: expected.sum,
      min: 5,
      max: 30,
      p99: expected.percentiles?.p99,
      last: 5 + 6 + 7,
      version: 1003,
    });
    expect(second).toMatchObject({ series: 3, count: 3, sum: 6, last: 6 });
  });

  it('groups by resource keys, by none (by=), and applies filters first', async () => {
    const records = recordsOf([...pods('/pay', 1), ...pods('/cart', 10)]);
    const all = await run(records, 'by=');
    expect(all.series).toHaveLength(1);
    expect(all.series[0]).toMatchObject({ resource: {}, attributes: {}, merged: 6 });
    expect(all.series[0]?.points[0]).toMatchObject({ count: 12, series: 6 });
    const perPod = await run(records, 'by=resource.service.instance.id&attr.http.route=/pay');
    expect(perPod.series.map((s) => [s.resource, s.merged])).toEqual([
      [{ 'service.instance.id': 'pod-0' }, 1],
      [{ 'service.instance.id': 'pod-1' }, 1],
      [{ 'service.instance.id': 'pod-2' }, 1],
    ]);
  });

  it('puts series lacking a key in the group where it is absent, and never merges different types or units', async () => {
    const specs: SeriesSpec[] = [
      { n: 1, resource: {}, attributes: { host: 'a' }, windows: [[gauge(1, WS + 1)]] },
      { n: 2, resource: {}, attributes: {}, windows: [[gauge(2, WS + 1)]] },
      {
        n: 3,
        resource: {},
        attributes: { host: 'a' },
        metric: { ...METRIC, unit: 's' },
        windows: [[gauge(3, WS + 1)]],
      },
      {
        n: 4,
        resource: {},
        attributes: { host: 'a' },
        metric: { ...METRIC, kind: 'histogram', temporality: 1 },
        windows: [[deltaHistogram([4], WS + 1)]],
      },
    ];
    const answer = await run(recordsOf(specs), 'by=host');
    expect(answer.series.map((s) => [s.attributes, s.type, s.unit, s.merged])).toEqual([
      [{ host: 'a' }, 'gauge', 'ms', 1],
      [{ host: 'a' }, 'gauge', 's', 1],
      [{ host: 'a' }, 'histogram', 'ms', 1],
      [{}, 'gauge', 'ms', 1],
    ]);
  });

  it('leaves out results without a state and says how many and from when grouped data exists', async () => {
    const old = recordsOf(
      pods('/pay', 1).map((s) => ({ ...s, windows: [s.windows[0] ?? []] })),
      { stateless: true },
    );
    const fresh = recordsOf(pods('/pay', 1).map((s) => ({ ...s, windows: [[], ...s.windows.slice(1)] })));
    const answer = await run([...old, ...fresh], 'by=http.route');
    expect(answer.leftOut).toBe(3);
    expect(answer.groupedFrom).toBe(new Date(WS + MINUTE).toISOString());
    expect(answer.series[0]?.points.map((p) => p.start)).toEqual([new Date(WS + MINUTE).toISOString()]);
    expect((await run(fresh, 'by=http.route')).leftOut).toBeUndefined();
  });

  it('stops at 1,000 groups and says truncated', async () => {
    const specs = Array.from({ length: 1001 }, (_, i) => ({
      n: i + 1,
      resource: {},
      attributes: { id: String(i) },
      windows: [[gauge(i, WS + 1)]],
    }));
    const answer = await run(recordsOf(specs), 'by=id');
    expect(answer.series).toHaveLength(1000);
    expect(answer.truncated).toBe(true);
  });

  it('refuses by where the sink keeps no state (Timestream), naming by and pointing to views', async () => {
    await expect(run([], 'by=host', false)).rejects.toThrow(QueryParamError);
    await expect(run([], 'by=host', false)).rejects.toThrow(/view/);
  });
});
