import { describe, expect, it } from 'vitest';
import { decodeRequest } from '#app/ingest/decode.js';
import { parseConfig } from '#core/config/config.js';
import type { WindowShardGroup } from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '#core/series/id.js';

const NOW = Date.parse('2026-12-02T12:00:30Z');
const T = String((NOW - 10_000) * 1e6);

function otlp(metrics: unknown[], pods = ['pod-0', 'pod-1', 'pod-2']): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      resourceMetrics: pods.map((pod) => ({
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'pay' } },
            { key: 'service.instance.id', value: { stringValue: pod } },
          ],
        },
        scopeMetrics: [{ scope: { name: 'app', version: '1' }, metrics }],
      })),
    }),
  );
}

const gaugeMetric = (name: string) => ({
  name,
  unit: 'ms',
  gauge: {
    dataPoints: ['/a', '/b'].flatMap((route) =>
      [1, 2].map((v) => ({
        timeUnixNano: T,
        asDouble: v * (route === '/a' ? 10 : 100),
        attributes: [
          { key: 'http.route', value: { stringValue: route } },
          { key: 'status', value: { intValue: '200' } },
        ],
      })),
    ),
  },
});

function decode(views: unknown[], body: Uint8Array) {
  const config = parseConfig({ sink: 'dynamodb', views });
  const tier = config.tiers[0];
  if (tier === undefined) throw new Error('no tier');
  return decodeRequest(
    { tenant: 'acme', format: 'otlp-json', body },
    config,
    tier,
    new SeriesIdCache(8),
    NOW,
    3_600_000,
  );
}

function seriesOf(groups: Iterable<WindowShardGroup>) {
  const out: { metric: string; resource: unknown; attributes: unknown; scope: string; count: number }[] = [];
  for (const g of groups)
    for (const s of g.series.values())
      out.push({
        metric: s.context.metric.name,
        resource: s.context.resource.attributes,
        attributes: s.attributes.attributes,
        scope: s.context.scope.name,
        count: (s.state as { count: number }).count,
      });
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

describe('views at ingest', () => {
  it('adds one view series per group beside the source series (by: point and resource keys; no scope)', () => {
    const decoded = decode(
      [{ name: 'lat.by_route', metric: 'lat', by: ['http.route', 'resource.service.name'] }],
      otlp([gaugeMetric('lat')]),
    );
    const series = seriesOf(decoded.groups);
    expect(series.filter((s) => s.metric === 'lat')).toHaveLength(((6 * 2) / 2) * 1); // 3 pods × 2 routes
    expect(series.filter((s) => s.metric === 'lat.by_route')).toEqual([
      {
        metric: 'lat.by_route',
        resource: { 'service.name': 'pay' },
        attributes: { 'http.route': '/a' },
        scope: '',
        count: 6,
      },
      {
        metric: 'lat.by_route',
        resource: { 'service.name': 'pay' },
        attributes: { 'http.route': '/b' },
        scope: '',
        count: 6,
      },
    ]);
    expect(decoded.accepted).toBe(12);
    expect(decoded.warnings).toEqual([]);
  });

  it('without drops the listed keys and keeps every other; keepSource: false stores only the view', () => {
    const decoded = decode(
      [
        {
          name: 'lat.pods',
          metric: 'lat',
          without: ['resource.service.instance.id', 'status'],
          keepSource: false,
        },
      ],
      otlp([gaugeMetric('lat')]),
    );
    expect(seriesOf(decoded.groups)).toEqual([
      {
        metric: 'lat.pods',
        resource: { 'service.name': 'pay' },
        attributes: { 'http.route': '/a' },
        scope: '',
        count: 6,
      },
      {
        metric: 'lat.pods',
        resource: { 'service.name': 'pay' },
        attributes: { 'http.route': '/b' },
        scope: '',
        count: 6,
      },
    ]);
  });

  it('keeps a cumulative counter in its source series, whatever keepSource says, and warns', () => {
    const counter = {
      name: 'reqs',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: [{ startTimeUnixNano: String((NOW - 60_000) * 1e6), timeUnixNano: T, asInt: '5' }],
      },
    };
    const decoded = decode(
      [{ name: 'reqs.all', metric: 'reqs', by: [], keepSource: false }],
      otlp([counter]),
    );
    const series = seriesOf(decoded.groups);
    expect(series.map((s) => s.metric)).toEqual(['reqs', 'reqs', 'reqs']);
    expect(decoded.warnings).toEqual([
      expect.stringMatching(/3 cumulative points not pooled into view "reqs.all"/),
    ]);
  });

  it('refuses points whose metric name is a view name, naming view_name', () => {
    const decoded = decode(
      [{ name: 'lat.v', metric: 'lat', by: [] }],
      otlp([gaugeMetric('lat.v'), gaugeMetric('lat')], ['p']),
    );
    expect(decoded.rejections.byReason).toEqual({ view_name: 4 });
    expect(decoded.accepted).toBe(4);
    expect(seriesOf(decoded.groups).map((s) => s.metric)).toEqual(['lat', 'lat', 'lat.v']);
  });

  it('gives a view series the same identity from JSON and from simple points', () => {
    const views = [{ name: 'v', metric: 'm', by: ['host'] }];
    const config = parseConfig({ sink: 'dynamodb', views });
    const tier = config.tiers[0];
    if (tier === undefined) throw new Error('no tier');
    const points = new TextEncoder().encode(
      JSON.stringify({
        points: [{ metric: 'm', timestamp: NOW - 10_000, value: 1, attributes: { host: 'a', x: '1' } }],
      }),
    );
    const json = otlp(
      [
        {
          name: 'm',
          gauge: {
            dataPoints: [
              {
                timeUnixNano: T,
                asDouble: 1,
                attributes: [
                  { key: 'host', value: { stringValue: 'a' } },
                  { key: 'y', value: { stringValue: '2' } },
                ],
              },
            ],
          },
        },
      ],
      ['p'],
    );
    const id = (format: 'points' | 'otlp-json', body: Uint8Array) => {
      const decoded = decodeRequest(
        { tenant: 'acme', format, body },
        config,
        tier,
        new SeriesIdCache(8),
        NOW,
        3_600_000,
      );
      for (const g of decoded.groups)
        for (const s of g.series.values())
          if (s.context.metric.name === 'v' && Object.keys(s.context.resource.attributes).length === 0)
            return s.seriesId;
      return undefined;
    };
    const fromPoints = id('points', points);
    expect(fromPoints).toBeDefined();
    // The JSON body has a resource (service.name etc. are not kept by `by: [host]`), so the same view series.
    expect(id('otlp-json', json)).toBe(fromPoints);
  });
});
