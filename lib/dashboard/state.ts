/**
 * What the dashboard shows, as one plain value: read from and written to the URL's fragment
 * (`#metric=cpu&tier=1m&stat=avg&stat=p95&filter=attr.host%3Da&by=attr.route`), so a view can be
 * bookmarked, shared and reloaded. Pure: no DOM here.
 */
import { DEFAULT_RANGE, DEFAULT_REFRESH, RANGES, REFRESH_MS } from './page.js';

export type WindowKind = 'tumbling' | 'sliding' | 'session';

export interface DashboardState {
  readonly metric: string;
  readonly window: WindowKind;
  /** `auto` or a window name of `window`'s kind. */
  readonly tier: string;
  readonly range: string;
  readonly refresh: string;
  readonly stats: readonly string[];
  /** `attr.K=V` / `resource.K=V`, as typed. */
  readonly filters: readonly string[];
  /** The series of the tiers-side-by-side view (its key), empty for the first series. */
  readonly compareSeries: string;
  /** The stat of the side-by-side view, empty for the first selected stat. */
  readonly compareStat: string;
  /**
   * Group by (`by=` of `GET /v1/query`): normalized keys (`attr.K`, `resource.K`); `[]` merges
   * every series into one; null does not group.
   */
  readonly by: readonly string[] | null;
}

export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 95, 99];

/** Every stat a point can carry, in the order the checkboxes show them. */
export function statNames(percentiles: readonly number[]): string[] {
  return ['count', 'sum', 'min', 'max', 'avg', 'stddev', ...percentiles.map((p) => `p${p}`), 'last', 'rate'];
}

export const DEFAULT_STATS: readonly string[] = ['count', 'avg', 'p95'];

export function defaultState(): DashboardState {
  return {
    metric: '',
    window: 'tumbling',
    tier: 'auto',
    range: DEFAULT_RANGE,
    refresh: DEFAULT_REFRESH,
    stats: DEFAULT_STATS,
    filters: [],
    compareSeries: '',
    compareStat: '',
    by: null,
  };
}

const WINDOW_KINDS: readonly WindowKind[] = ['tumbling', 'sliding', 'session'];

/**
 * The state a fragment describes; anything missing or not understood keeps its default.
 *
 * @example parseState('#metric=cpu&stat=max', statNames([50])).stats // ['max']
 */
export function parseState(fragment: string, knownStats: readonly string[]): DashboardState {
  const base = defaultState();
  const search = new URLSearchParams(fragment.replace(/^#/, ''));
  const one = (name: string) => search.get(name) ?? undefined;
  const window = one('window') as WindowKind | undefined;
  const range = one('range');
  const refresh = one('refresh');
  const stats = search.getAll('stat').filter((s) => knownStats.includes(s));
  return {
    metric: one('metric') ?? base.metric,
    window: window !== undefined && WINDOW_KINDS.includes(window) ? window : base.window,
    tier: one('tier') ?? base.tier,
    range: range !== undefined && (RANGES as readonly string[]).includes(range) ? range : base.range,
    refresh: refresh !== undefined && refresh in REFRESH_MS ? refresh : base.refresh,
    stats: search.has('stat') ? [...new Set(stats)] : base.stats.filter((s) => knownStats.includes(s)),
    filters: search.getAll('filter').filter((f) => f.trim() !== ''),
    compareSeries: one('series') ?? base.compareSeries,
    compareStat: one('compare') ?? base.compareStat,
    by: search.has('by') ? parseByValues(search.getAll('by')) : base.by,
  };
}

/** The fragment for a state (without `#`); defaults are left out to keep it short. */
export function formatState(state: DashboardState): string {
  const base = defaultState();
  const out = new URLSearchParams();
  if (state.metric !== '') out.set('metric', state.metric);
  if (state.window !== base.window) out.set('window', state.window);
  if (state.tier !== base.tier) out.set('tier', state.tier);
  if (state.range !== base.range) out.set('range', state.range);
  if (state.refresh !== base.refresh) out.set('refresh', state.refresh);
  const defaultStats =
    state.stats.length === base.stats.length && state.stats.every((s, i) => s === base.stats[i]);
  if (!defaultStats) for (const s of state.stats.length === 0 ? [''] : state.stats) out.append('stat', s);
  for (const f of state.filters) out.append('filter', f);
  if (state.compareSeries !== '') out.set('series', state.compareSeries);
  if (state.compareStat !== '') out.set('compare', state.compareStat);
  if (state.by !== null) for (const value of byValues(state.by)) out.append('by', value);
  return out.toString();
}

/**
 * A group key as the query API normalizes it: `attr.K` and `resource.K` as they are, a bare `K`
 * is `attr.K`; empty when there is no key.
 *
 * @example normalizeKey('http.route') // 'attr.http.route'
 */
export function normalizeKey(text: string): string {
  const key = text.trim();
  if (key === '' || key === 'attr.' || key === 'resource.') return '';
  return key.startsWith('attr.') || key.startsWith('resource.') ? key : `attr.${key}`;
}

/** Keys normalized, empty ones dropped, each once, in their order. */
export function normalizeKeys(keys: readonly string[]): string[] {
  return [...new Set(keys.map(normalizeKey).filter((k) => k !== ''))];
}

/**
 * The `by` values for keys, as `GET /v1/query` reads them: one `by` lists keys with commas, several
 * `by`s give one key each. So: `['']` (`by=`) for every series in one, one value per key, and an
 * extra empty one when a lone key holds a comma (`by=a,b&by=` is the key `a,b`).
 *
 * @example byValues(['attr.host', 'resource.service.name']) // ['attr.host', 'resource.service.name']
 * @example byValues(['attr.a,b']) // ['attr.a,b', '']
 */
export function byValues(keys: readonly string[]): string[] {
  if (keys.length === 0) return [''];
  const [only] = keys;
  return keys.length === 1 && only?.includes(',') ? [only, ''] : [...keys];
}

/**
 * The keys of `by` values, read as the query API reads them (the inverse of `byValues`), normalized.
 *
 * @example parseByValues(['http.route,resource.service.name']) // ['attr.http.route', 'resource.service.name']
 */
export function parseByValues(values: readonly string[]): string[] {
  const [only] = values;
  return normalizeKeys(values.length === 1 && only !== undefined ? only.split(',') : values);
}

/**
 * The grouping a query is sent with: the state's, except for session windows, which the API does
 * not group (their bounds are per series).
 */
export function queryBy(state: Pick<DashboardState, 'window' | 'by'>): readonly string[] | null {
  return state.window === 'session' ? null : state.by;
}

/**
 * The grouping after one group-by checkbox is set or cleared: `none` and `all` (every series in
 * one) replace the choice; a key is added or removed, and removing the last one is `none` again.
 *
 * @example toggleBy(null, 'attr.host', true) // ['attr.host']
 */
export function toggleBy(
  current: readonly string[] | null,
  choice: string,
  checked: boolean,
): readonly string[] | null {
  if (choice === BY_NONE) return null;
  if (choice === BY_ALL) return checked ? [] : null;
  const rest = (current ?? []).filter((k) => k !== choice);
  const next = checked ? [...rest, choice] : rest;
  return next.length === 0 ? null : next;
}

/** The group-by choices that are not keys (keys always start with `attr.` or `resource.`). */
export const BY_NONE = ':none';
export const BY_ALL = ':all';

/** A range (`15m`, `6h`, `7d`) in milliseconds. */
export function rangeMs(range: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(range);
  if (m === null) return 3_600_000;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
