/**
 * From `GET /v1/query` answers to what a chart plots: one x axis (window starts, in seconds, as
 * uPlot wants) shared by every series, one y array per series with `null` where a series has no
 * window or no such stat, and legend labels made of the attributes that tell the series apart.
 * Pure: no DOM here.
 */
import type { QuerySeries } from '../app/query/query.js';

type Attributes = QuerySeries['attributes'];
type AttributeValue = Attributes[string];

/** uPlot's aligned data: x values, then one array of y values per series. */
export type AlignedData = [number[], ...(number | null)[][]];

export interface Aligned {
  readonly data: AlignedData;
  /** Non-null (x, y) pairs plotted, over all series. */
  readonly points: number;
  /** The shortest window among the points, in seconds (1 when there are none). */
  readonly windowS: number;
}

/** An attribute value as filters compare it: strings as they are, anything else as its JSON. */
export function attributeText(value: AttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The same key for the same series whatever the order of its attributes. */
export function seriesKey(series: Pick<QuerySeries, 'resource' | 'attributes'>): string {
  const sorted = (a: Attributes) =>
    Object.keys(a)
      .sort()
      .map((k) => [k, attributeText(a[k] ?? null)]);
  return JSON.stringify([sorted(series.resource), sorted(series.attributes)]);
}

/**
 * Legend labels: the point attributes (and `resource.`-prefixed resource attributes) whose values
 * differ between the series, as `k=v, k=v`; with one series, all of its point attributes.
 *
 * @example seriesLabels([{ attributes: { host: 'a', dc: 'x' } }, { attributes: { host: 'b', dc: 'x' } }]) // ['host=a', 'host=b']
 */
export function seriesLabels(
  series: readonly Pick<QuerySeries, 'resource' | 'attributes'>[],
  maxLength = 80,
): string[] {
  const flat = series.map((s) => {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(s.attributes)) out.set(k, attributeText(v));
    for (const [k, v] of Object.entries(s.resource)) out.set(`resource.${k}`, attributeText(v));
    return out;
  });
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  const varying = keys.filter((k) => new Set(flat.map((m) => m.get(k) ?? '\u0000')).size > 1);
  const shown = series.length === 1 ? keys.filter((k) => !k.startsWith('resource.')) : varying;
  return flat.map((m) => {
    const text = shown
      .filter((k) => m.has(k))
      .map((k) => `${k}=${m.get(k)}`)
      .join(', ');
    const label = text === '' ? '(no attributes)' : text;
    return label.length > maxLength ? `${label.slice(0, maxLength - 1)}…` : label;
  });
}

/** A stat of a point (`count`, `avg`, `p95`, …), or null when the point has none. */
export function statOf(point: object, stat: string): number | null {
  const value = (point as Record<string, unknown>)[stat];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * One stat of several series on a shared x axis (window starts in seconds, ascending).
 *
 * @example alignStat([{ points: [{ start: '2026-01-01T00:00:00Z', count: 3 }] }], 'count').data // [[1767225600], [3]]
 */
export function alignStat(series: readonly Pick<QuerySeries, 'points'>[], stat: string): Aligned {
  const starts = new Set<number>();
  for (const s of series) for (const p of s.points) starts.add(Date.parse(p.start) / 1000);
  const xs = [...starts].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  let points = 0;
  let windowS = Number.POSITIVE_INFINITY;
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) {
      windowS = Math.min(windowS, (Date.parse(p.end) - Date.parse(p.start)) / 1000);
      const value = statOf(p, stat);
      const i = index.get(Date.parse(p.start) / 1000);
      if (value === null || i === undefined) continue;
      if (y[i] === null) points++;
      y[i] = value;
    }
    return y;
  });
  return { data: [xs, ...ys], points, windowS: windowS > 0 && Number.isFinite(windowS) ? windowS : 1 };
}

export interface Filter {
  readonly scope: 'attr' | 'resource';
  readonly key: string;
  readonly value: string;
}

/**
 * `attr.K=V`, `resource.K=V`, or `K=V` (a point attribute); undefined when it is none of them.
 *
 * @example parseFilter('resource.service.name=shop') // { scope: 'resource', key: 'service.name', value: 'shop' }
 */
export function parseFilter(text: string): Filter | undefined {
  const trimmed = text.trim();
  const eq = trimmed.indexOf('=');
  if (eq <= 0) return undefined;
  const name = trimmed.slice(0, eq).trim();
  const value = trimmed.slice(eq + 1);
  const scope = name.startsWith('resource.') ? 'resource' : 'attr';
  const key =
    name.startsWith('resource.') || name.startsWith('attr.') ? name.slice(name.indexOf('.') + 1) : name;
  if (key === '') return undefined;
  return { scope, key, value };
}

export function formatFilter(filter: Filter): string {
  return `${filter.scope}.${filter.key}=${filter.value}`;
}

/** Filters that select exactly this series' attributes (resource attributes too). */
export function filtersForSeries(series: Pick<QuerySeries, 'resource' | 'attributes'>): Filter[] {
  return [
    ...Object.entries(series.attributes).map(([key, v]) => ({
      scope: 'attr' as const,
      key,
      value: attributeText(v),
    })),
    ...Object.entries(series.resource).map(([key, v]) => ({
      scope: 'resource' as const,
      key,
      value: attributeText(v),
    })),
  ];
}

/** Every `attr.K=V` and `resource.K=V` the series have, for the filter inputs' suggestions. */
export function filterSuggestions(
  series: readonly Pick<QuerySeries, 'resource' | 'attributes'>[],
  max = 200,
): string[] {
  const all = new Set<string>();
  for (const s of series) for (const f of filtersForSeries(s)) all.add(formatFilter(f));
  return [...all].sort().slice(0, max);
}

/** What `by` adds to a series of the answer (absent when the query did not group). */
export interface GroupedSeries extends Pick<QuerySeries, 'resource' | 'attributes'> {
  /** The metric type of the group (series of different types never merge). */
  readonly type?: string;
  /** How many series were merged into this one. */
  readonly merged?: number;
}

/**
 * The group keys the series have: `attr.K` for point attributes, then `resource.K`, each sorted.
 *
 * @example groupKeys([{ resource: { 'service.name': 'shop' }, attributes: { host: 'a' } }]) // ['attr.host', 'resource.service.name']
 */
export function groupKeys(series: readonly Pick<QuerySeries, 'resource' | 'attributes'>[]): string[] {
  const attr = new Set<string>();
  const resource = new Set<string>();
  for (const s of series) {
    for (const k of Object.keys(s.attributes)) attr.add(`attr.${k}`);
    for (const k of Object.keys(s.resource)) resource.add(`resource.${k}`);
  }
  return [...[...attr].sort(), ...[...resource].sort()];
}

/** How a group key is shown: `attr.K` as `K`, `resource.K` as it is (as the legends name them). */
export function keyText(key: string): string {
  return key.startsWith('attr.') ? key.slice('attr.'.length) : key;
}

/**
 * The keys a group-by control offers: those known for the metric (from the series shown so far),
 * and the chosen ones even when no series shown has them (a bookmark), at most `max`.
 *
 * @example groupByOptions(['attr.host'], ['resource.service.name']) // [{ value: 'attr.host', text: 'host' }, { value: 'resource.service.name', text: 'resource.service.name' }]
 */
export function groupByOptions(
  known: readonly string[],
  chosen: readonly string[] | null,
  max = 40,
): { value: string; text: string }[] {
  const keys = [...new Set([...known.slice(0, max), ...(chosen ?? [])])];
  return keys.map((value) => ({ value, text: keyText(value) }));
}

/**
 * Legend labels of grouped series: every group key with its value (`(none)` for the group of series
 * without that key), or `all series` for `by=`, and how many series each merged; the type too when
 * the groups differ in it.
 *
 * @example groupLabels([{ resource: {}, attributes: { host: 'a' }, merged: 3 }], ['attr.host']) // ['host=a · 3 series']
 */
export function groupLabels(
  series: readonly GroupedSeries[],
  by: readonly string[],
  maxLength = 80,
): string[] {
  const types = new Set(series.map((s) => s.type));
  return series.map((s) => {
    const keys = by.map((key) => {
      const [source, name] = key.startsWith('resource.')
        ? [s.resource, key.slice('resource.'.length)]
        : [s.attributes, key.slice('attr.'.length)];
      const value = source[name];
      return `${keyText(key)}=${value === undefined ? '(none)' : attributeText(value)}`;
    });
    const text = keys.length === 0 ? 'all series' : keys.join(', ');
    // The count and type stay whole: a long label is cut in its keys.
    const suffix = [
      s.merged === undefined ? '' : ` · ${s.merged} series`,
      types.size > 1 ? ` · ${s.type}` : '',
    ].join('');
    const room = Math.max(maxLength - suffix.length, 8);
    return `${text.length > room ? `${text.slice(0, room - 1)}…` : text}${suffix}`;
  });
}
