/**
 * The dashboard's parts that need no browser: the page and its build, the configured windows in the
 * meta tag, the generated module, the URL-fragment state, the series shaping, the group-by choice
 * and the query string.
 * (The page in Chromium is dashboard.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { QuerySeries } from '#app/query/query.js';
import { parseConfig } from '#core/config/config.js';
import { queryString } from '../../lib/dashboard/api.js';
import { configureDashboard, escapeAttribute } from '../../lib/dashboard/assets.js';
import { buildDashboard } from '../../lib/dashboard/build.js';
import { dashboardModuleSource } from '../../lib/dashboard/generate.js';
import { renderPage, WINDOWS_MARKER } from '../../lib/dashboard/page.js';
import {
  alignStat,
  filterSuggestions,
  filtersForSeries,
  type GroupedSeries,
  groupByOptions,
  groupKeys,
  groupLabels,
  keyText,
  parseFilter,
  seriesKey,
  seriesLabels,
} from '../../lib/dashboard/series.js';
import {
  BY_ALL,
  BY_NONE,
  byValues,
  defaultState,
  formatState,
  normalizeKey,
  parseByValues,
  parseState,
  queryBy,
  rangeMs,
  statNames,
  toggleBy,
} from '../../lib/dashboard/state.js';

const config = parseConfig({
  tiers: ['1m', '1h', '1d'],
  percentiles: [50, 99],
  sliding: [{ size: '5m', slide: '1m' }],
  sessions: [{ match: 'checkout.*', gap: '5m' }],
  sink: 'dynamodb',
});

function series(attributes: Record<string, string | number>, starts: [string, number][]): QuerySeries {
  return {
    resource: {},
    attributes,
    unit: 'ms',
    points: starts.map(([start, count]) => ({
      start,
      end: new Date(Date.parse(start) + 60_000).toISOString(),
      count,
      version: 1,
    })),
  };
}

describe('Function: buildDashboard', () => {
  const { html, js } = buildDashboard();

  it('builds one minified script and a page whose only script is /dashboard.js', () => {
    expect(js.length).toBeGreaterThan(10_000);
    expect(js.length).toBeLessThan(150_000);
    expect(js.split('\n').length).toBeLessThan(20); // minified (licence comments at the end)
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/dashboard.js" defer>',
    ]);
    expect(html).toContain('.uplot'); // uPlot's stylesheet, inline
  });

  it('refers to nothing outside its own origin', () => {
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/);
  });

  it('has the controls and containers the script and the browser test use', () => {
    for (const id of [
      'status',
      'metric',
      'window',
      'tier',
      'range',
      'refresh',
      'stats',
      'filter-list',
      'add-filter',
      'charts',
      'compare-series',
      'compare-stat',
      'tiers',
      'group-by',
    ]) {
      expect(html, id).toContain(`id="${id}"`);
    }
  });

  it('is built once per process', () => {
    expect(buildDashboard()).toBe(buildDashboard());
  });
});

describe('Function: renderPage', () => {
  it('cannot be cut short by a stylesheet holding </style>', () => {
    const html = renderPage('a{}</style><script>alert(1)</script>');
    expect(html).not.toContain('</style><script>');
  });
});

describe('Function: configureDashboard', () => {
  it('writes the configured windows and percentiles into the meta tag', () => {
    const assets = configureDashboard({ html: renderPage(''), js: 'x' }, config);
    const meta = /<meta name="windrow-windows" content="([^"]*)">/.exec(assets.html)?.[1] ?? '';
    const decoded = meta.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
    expect(JSON.parse(decoded)).toEqual({
      tiers: [
        { name: '1m', sizeMs: 60_000 },
        { name: '1h', sizeMs: 3_600_000 },
        { name: '1d', sizeMs: 86_400_000 },
      ],
      sliding: ['5m/1m'],
      sessions: ['session:5m'],
      percentiles: [50, 99],
    });
    expect(assets.html).not.toContain(WINDOWS_MARKER);
    expect(assets.js).toBe('x');
  });

  it('builds a lazy source on first use only, once', () => {
    let builds = 0;
    const assets = configureDashboard(() => {
      builds++;
      return { html: `<p>${WINDOWS_MARKER}</p>`, js: 'js' };
    }, config);
    expect(builds).toBe(0);
    expect(assets.html).toBe(assets.html);
    expect(assets.js).toBe('js');
    expect(builds).toBe(1);
  });
});

describe('Function: escapeAttribute', () => {
  it('escapes what could end or break an attribute', () => {
    expect(escapeAttribute(`"a"<b>&'`)).toBe('&#34;a&#34;&#60;b&#62;&#38;&#39;');
  });
});

describe('Function: dashboardModuleSource', () => {
  it('exports the page and the script as string literals that round-trip', () => {
    const assets = { html: '<p>"quoted"\n</p>', js: 'a="\\u2028";b=`\\`$`+"\u2028"' };
    const source = dashboardModuleSource(assets);
    const html = /DASHBOARD_HTML: string = (.*);\n/.exec(source)?.[1] ?? '';
    const js = /DASHBOARD_JS: string = (.*);\n/.exec(source)?.[1] ?? '';
    expect(JSON.parse(html)).toBe(assets.html);
    expect(JSON.parse(js)).toBe(assets.js);
  });
});

describe('Function: parseState / formatState', () => {
  const stats = statNames([50, 90, 95, 99]);

  it('round-trips a state through the URL fragment', () => {
    const state = {
      ...defaultState(),
      metric: 'http.server.duration',
      window: 'sliding' as const,
      tier: '5m/1m',
      range: '6h',
      refresh: 'off',
      stats: ['max', 'p99'],
      filters: ['attr.route=/a b&c', 'resource.service.name=shop'],
      compareSeries: '[[],[["host","a"]]]',
      compareStat: 'p99',
      by: ['attr.http.route', 'resource.service.name'],
    };
    expect(parseState(`#${formatState(state)}`, stats)).toEqual(state);
  });

  it('keeps "no grouping", "all series" and keys apart in the fragment', () => {
    const at = (by: readonly string[] | null) => parseState(formatState({ ...defaultState(), by }), stats).by;
    expect(formatState({ ...defaultState(), by: null })).toBe('');
    expect(formatState({ ...defaultState(), by: [] })).toBe('by=');
    expect(at(null)).toBeNull();
    expect(at([])).toEqual([]);
    expect(at(['attr.a,b'])).toEqual(['attr.a,b']); // a key holding a comma survives
    expect(at(['attr.a,b', 'attr.c'])).toEqual(['attr.a,b', 'attr.c']);
  });

  it('reads a hand-written by as the API does: bare keys are attr., one by is a comma list', () => {
    expect(parseState('#by=host,resource.service.name', stats).by).toEqual([
      'attr.host',
      'resource.service.name',
    ]);
    expect(parseState('#by=host&by=attr.host&by=', stats).by).toEqual(['attr.host']);
  });

  it('leaves defaults out of the fragment, and keeps "no stats" apart from "default stats"', () => {
    expect(formatState(defaultState())).toBe('');
    const none = { ...defaultState(), stats: [] };
    expect(parseState(formatState(none), stats).stats).toEqual([]);
  });

  it('falls back to defaults for what it does not know', () => {
    const state = parseState('#window=tiled&range=3w&refresh=2s&stat=p42&stat=avg', stats);
    expect(state).toMatchObject({ window: 'tumbling', range: '1h', refresh: '10s', stats: ['avg'] });
  });

  it('offers only configured percentiles', () => {
    expect(statNames([50, 99.9])).toEqual([
      'count',
      'sum',
      'min',
      'max',
      'avg',
      'stddev',
      'p50',
      'p99.9',
      'last',
      'rate',
    ]);
  });

  it('reads ranges', () => {
    expect(rangeMs('15m')).toBe(900_000);
    expect(rangeMs('7d')).toBe(604_800_000);
  });
});

describe('Function: normalizeKey / byValues / parseByValues', () => {
  it('normalizes keys as the query API does', () => {
    expect(normalizeKey('http.route')).toBe('attr.http.route');
    expect(normalizeKey(' attr.host ')).toBe('attr.host');
    expect(normalizeKey('resource.service.name')).toBe('resource.service.name');
    for (const empty of ['', ' ', 'attr.', 'resource.']) expect(normalizeKey(empty), empty).toBe('');
  });

  it('writes by values the API reads back as the same keys', () => {
    expect(byValues([])).toEqual(['']);
    expect(byValues(['attr.host'])).toEqual(['attr.host']);
    expect(byValues(['attr.host', 'resource.service.name'])).toEqual(['attr.host', 'resource.service.name']);
    expect(byValues(['attr.a,b'])).toEqual(['attr.a,b', '']);
    for (const keys of [[], ['attr.host'], ['attr.a,b'], ['attr.a,b', 'resource.x'], ['attr.x', 'attr.y']])
      expect(parseByValues(byValues(keys)), keys.join('|')).toEqual(keys);
  });
});

describe('Function: toggleBy / queryBy', () => {
  it('none and all series replace the choice; keys add up, and the last one removed is none', () => {
    expect(toggleBy(['attr.host'], BY_NONE, true)).toBeNull();
    expect(toggleBy(['attr.host'], BY_ALL, true)).toEqual([]);
    expect(toggleBy([], BY_ALL, false)).toBeNull();
    expect(toggleBy(null, 'attr.host', true)).toEqual(['attr.host']);
    expect(toggleBy([], 'attr.host', true)).toEqual(['attr.host']);
    expect(toggleBy(['attr.host'], 'resource.service.name', true)).toEqual([
      'attr.host',
      'resource.service.name',
    ]);
    expect(toggleBy(['attr.host', 'attr.dc'], 'attr.host', false)).toEqual(['attr.dc']);
    expect(toggleBy(['attr.host'], 'attr.host', false)).toBeNull();
    expect(toggleBy(['attr.host'], 'attr.host', true)).toEqual(['attr.host']); // once
  });

  it('sends no grouping for session windows, whatever was chosen', () => {
    expect(queryBy({ window: 'session', by: ['attr.host'] })).toBeNull();
    expect(queryBy({ window: 'session', by: [] })).toBeNull();
    expect(queryBy({ window: 'sliding', by: [] })).toEqual([]);
    expect(queryBy({ window: 'tumbling', by: ['attr.host'] })).toEqual(['attr.host']);
  });
});

describe('Function: groupKeys / groupByOptions', () => {
  const shown: Pick<QuerySeries, 'resource' | 'attributes'>[] = [
    { resource: { 'service.name': 'shop', 'host.name': 'h1' }, attributes: { 'http.route': '/a' } },
    { resource: { 'service.name': 'cart' }, attributes: { 'http.route': '/b', code: 200 } },
  ];

  it('offers the point keys as attr.K, then the resource keys, each once and sorted', () => {
    expect(groupKeys(shown)).toEqual([
      'attr.code',
      'attr.http.route',
      'resource.host.name',
      'resource.service.name',
    ]);
    expect(groupKeys([])).toEqual([]);
  });

  it('shows point keys bare and resource keys prefixed, and keeps chosen keys no series has', () => {
    expect(keyText('attr.http.route')).toBe('http.route');
    expect(keyText('resource.service.name')).toBe('resource.service.name');
    expect(groupByOptions(['attr.code', 'resource.service.name'], ['attr.gone'])).toEqual([
      { value: 'attr.code', text: 'code' },
      { value: 'resource.service.name', text: 'resource.service.name' },
      { value: 'attr.gone', text: 'gone' },
    ]);
    expect(groupByOptions(['attr.code'], ['attr.code'])).toHaveLength(1);
    const many = Array.from({ length: 60 }, (_, i) => `attr.k${i}`);
    expect(groupByOptions(many, null, 40)).toHaveLength(40);
    expect(groupByOptions(many, ['attr.k59'], 40).map((o) => o.value)).toContain('attr.k59');
  });
});

describe('Function: groupLabels', () => {
  it('names each group by all its keys (also those equal across groups) and its merged count', () => {
    const groups = [
      { resource: { 'service.name': 'shop' }, attributes: { 'http.route': '/a' }, merged: 12 },
      { resource: { 'service.name': 'shop' }, attributes: { 'http.route': '/b' }, merged: 1 },
    ];
    expect(groupLabels(groups, ['attr.http.route', 'resource.service.name'])).toEqual([
      'http.route=/a, resource.service.name=shop · 12 series',
      'http.route=/b, resource.service.name=shop · 1 series',
    ]);
  });

  it('says "all series" for by=, "(none)" for a group without a key, and the type when groups differ in it', () => {
    expect(groupLabels([{ resource: {}, attributes: {}, merged: 18 }], [])).toEqual([
      'all series · 18 series',
    ]);
    const typed: GroupedSeries[] = [
      { resource: {}, attributes: { code: 200 }, merged: 2, type: 'histogram' },
      { resource: {}, attributes: {}, merged: 3, type: 'gauge' },
    ];
    expect(groupLabels(typed, ['attr.code'])).toEqual([
      'code=200 · 2 series · histogram',
      'code=(none) · 3 series · gauge',
    ]);
  });

  it('cuts long keys but keeps the count whole', () => {
    const [label] = groupLabels(
      [{ resource: {}, attributes: { k: 'v'.repeat(200) }, merged: 7 }],
      ['attr.k'],
      40,
    );
    expect(label).toHaveLength(40);
    expect(label).toMatch(/… · 7 series$/);
  });
});

describe('Function: alignStat', () => {
  it('puts every series on one ascending x axis (seconds), null where a series has no window', () => {
    const a = series({ host: 'a' }, [
      ['2026-01-01T00:01:00.000Z', 2],
      ['2026-01-01T00:00:00.000Z', 1],
    ]);
    const b = series({ host: 'b' }, [['2026-01-01T00:02:00.000Z', 5]]);
    const aligned = alignStat([a, b], 'count');
    const t = Date.parse('2026-01-01T00:00:00.000Z') / 1000;
    expect(aligned.data).toEqual([
      [t, t + 60, t + 120],
      [1, 2, null],
      [null, null, 5],
    ]);
    expect(aligned.points).toBe(3);
    expect(aligned.windowS).toBe(60);
  });

  it('counts no point for a stat the points do not carry', () => {
    const aligned = alignStat([series({}, [['2026-01-01T00:00:00.000Z', 1]])], 'rate');
    expect(aligned.data).toEqual([[Date.parse('2026-01-01T00:00:00.000Z') / 1000], [null]]);
    expect(aligned.points).toBe(0);
  });
});

describe('Function: seriesLabels', () => {
  it('names series by the attributes that differ between them', () => {
    const s = [
      { resource: { 'service.name': 'shop' }, attributes: { host: 'a', dc: 'x' } },
      { resource: { 'service.name': 'shop' }, attributes: { host: 'b', dc: 'x' } },
      { resource: { 'service.name': 'cart' }, attributes: { host: 'b', dc: 'x' } },
    ];
    expect(seriesLabels(s)).toEqual([
      'host=a, resource.service.name=shop',
      'host=b, resource.service.name=shop',
      'host=b, resource.service.name=cart',
    ]);
  });

  it('shows all point attributes of a lone series, and says when there are none', () => {
    expect(seriesLabels([{ resource: { r: '1' }, attributes: { b: 2, a: 'x' } }])).toEqual(['a=x, b=2']);
    expect(seriesLabels([{ resource: {}, attributes: {} }])).toEqual(['(no attributes)']);
  });

  it('cuts long labels', () => {
    const [label] = seriesLabels([{ resource: {}, attributes: { k: 'v'.repeat(200) } }], 40);
    expect(label).toHaveLength(40);
  });
});

describe('Function: seriesKey', () => {
  it('is the same whatever the order of the attributes', () => {
    expect(seriesKey({ resource: { b: '1', a: '2' }, attributes: { y: 1, x: true } })).toBe(
      seriesKey({ resource: { a: '2', b: '1' }, attributes: { x: true, y: 1 } }),
    );
  });
});

describe('Function: parseFilter', () => {
  it('reads attr., resource. and bare filters; values may hold "="', () => {
    expect(parseFilter('attr.host=a')).toEqual({ scope: 'attr', key: 'host', value: 'a' });
    expect(parseFilter(' resource.service.name=shop ')).toEqual({
      scope: 'resource',
      key: 'service.name',
      value: 'shop',
    });
    expect(parseFilter('route=/a?b=c')).toEqual({ scope: 'attr', key: 'route', value: '/a?b=c' });
    expect(parseFilter('k=')).toEqual({ scope: 'attr', key: 'k', value: '' });
  });

  it('refuses what is not a filter', () => {
    for (const text of ['', 'host', '=a', 'attr.=a', 'resource.=x'])
      expect(parseFilter(text), text).toBeUndefined();
  });
});

describe('Function: filtersForSeries / filterSuggestions', () => {
  const s = { resource: { 'service.name': 'shop' }, attributes: { code: 200, host: 'a' } };

  it('filters on every attribute as the server compares them (non-strings as JSON)', () => {
    expect(filtersForSeries(s)).toEqual([
      { scope: 'attr', key: 'code', value: '200' },
      { scope: 'attr', key: 'host', value: 'a' },
      { scope: 'resource', key: 'service.name', value: 'shop' },
    ]);
    expect(filterSuggestions([s, s])).toEqual(['attr.code=200', 'attr.host=a', 'resource.service.name=shop']);
  });
});

describe('Function: queryString', () => {
  it('names the parameters as GET /v1/query reads them, each filter once', () => {
    const text = queryString({
      metric: 'http duration',
      window: 'tumbling',
      tier: 'auto',
      since: '15m',
      filters: [
        { scope: 'attr', key: 'route', value: '/a&b' },
        { scope: 'attr', key: 'route', value: '/other' },
        { scope: 'resource', key: 'service.name', value: 'shop' },
      ],
    });
    const search = new URLSearchParams(text);
    expect([...search]).toEqual([
      ['metric', 'http duration'],
      ['window', 'tumbling'],
      ['tier', 'auto'],
      ['since', '15m'],
      ['attr.route', '/a&b'],
      ['resource.service.name', 'shop'],
    ]);
  });

  it('adds the grouping as GET /v1/query reads it: by= for every series, none when not grouping', () => {
    const base = { metric: 'm', window: 'tumbling', tier: 'auto', since: '1h', filters: [] };
    const by = (extra: object) => new URLSearchParams(queryString({ ...base, ...extra })).getAll('by');
    expect(by({})).toEqual([]);
    expect(by({ by: null })).toEqual([]);
    expect(by({ by: [] })).toEqual(['']);
    expect(queryString({ ...base, by: [] })).toBe('metric=m&window=tumbling&tier=auto&since=1h&by=');
    expect(by({ by: ['attr.http.route', 'resource.service.name'] })).toEqual([
      'attr.http.route',
      'resource.service.name',
    ]);
    expect(by({ by: ['attr.a,b'] })).toEqual(['attr.a,b', '']);
  });

  it('stays within the server limit of 20 filters', () => {
    const filters = Array.from({ length: 30 }, (_, i) => ({
      scope: 'attr' as const,
      key: `k${i}`,
      value: 'v',
    }));
    const search = new URLSearchParams(
      queryString({ metric: 'm', window: 'tumbling', tier: '1m', since: '1h', filters }),
    );
    expect([...search.keys()].filter((k) => k.startsWith('attr.'))).toHaveLength(20);
  });
});
