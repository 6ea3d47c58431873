/**
 * The dashboard in the browser (bundled by `build.ts` into `/dashboard.js`): pick a metric, filters,
 * a grouping, a window kind and tier (or auto), a range and stats; one chart per stat with one line
 * per series (or group); below, one series' stat from every tier side by side. No framework: the
 * page's controls, the JSON API and uPlot.
 *
 * What a script can read: `#status[data-state]` (loading, ready, empty, error); `#charts[data-query]`
 * (the query string the charts show); each `.chart[data-points]` (values plotted), `[data-series]`
 * and `[data-stat]`; `#tiers .chart[data-tier]` for the side-by-side view.
 */
import type { MetricSummary } from '../app/query/ports.js';
import type { QueryResult, QuerySeries } from '../app/query/query.js';
import {
  ApiError,
  type GroupedResult,
  listMetrics,
  MAX_FILTERS,
  type QueryRequest,
  queryString,
  runQuery,
} from './api.js';
import { type ChartSpec, type Plot, renderChart } from './charts.js';
import {
  addFilterRow,
  fillGroupBy,
  fillMetrics,
  fillStats,
  fillTiers,
  fillWindows,
  ids,
  readControls,
  select,
  setFilters,
  setOptions,
  setSuggestions,
  windowNames,
} from './controls.js';
import { browser, byId, el } from './dom.js';
import { REFRESH_MS } from './page.js';
import {
  alignStat,
  type Filter,
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
} from './series.js';
import {
  type DashboardState,
  DEFAULT_PERCENTILES,
  formatState,
  parseState,
  queryBy,
  rangeMs,
  statNames,
  toggleBy,
  type WindowKind,
} from './state.js';
import type { DashboardWindows } from './types.js';

/** Windows one side-by-side chart reads at most: a fine tier shows the latest part of the range. */
const MAX_WINDOWS_PER_TIER_CHART = 1_440;

const windows = readWindows();
const stats = statNames(windows?.percentiles ?? DEFAULT_PERCENTILES);
/** Window names learned from answers, when the page was served without its configuration. */
const seenWindows = new Set<string>();

let state: DashboardState = parseState(browser().location.hash, stats);
let generation = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
const mainPlots = new Map<string, Plot>();
let mainLayout = '';
let tierPlots: Plot[] = [];
let main: { request: QueryRequest; result: QueryResult & GroupedResult } | undefined;
let compare: { tier: string; since: string; clipped: boolean; series: QuerySeries | undefined }[] = [];
let renderedMain = '';
let metrics: readonly MetricSummary[] = [];
/** Group keys seen per metric, so grouped answers (which hold only their keys) keep the others offered. */
const knownKeys = new Map<string, Set<string>>();

function readWindows(): DashboardWindows | undefined {
  const content = browser().document.querySelector('meta[name="windrow-windows"]')?.getAttribute('content');
  try {
    const parsed = JSON.parse(content ?? '') as DashboardWindows;
    return Array.isArray(parsed.tiers) && Array.isArray(parsed.sliding) ? parsed : undefined;
  } catch {
    return undefined; // served without configuration: tiers are learned from the answers
  }
}

function setStatus(kind: 'loading' | 'ready' | 'empty' | 'error', text: string): void {
  const status = byId('status');
  status.setAttribute('data-state', kind);
  status.textContent = text;
}

function saveState(next: DashboardState): void {
  state = next;
  browser().history.replaceState(null, '', `#${formatState(state)}`);
}

function userFilters(): Filter[] {
  return state.filters.map(parseFilter).filter((f): f is Filter => f !== undefined);
}

function tierNames(kind = state.window): string[] {
  return windowNames(windows, kind, seenWindows);
}

function rememberKeys(metric: string, series: readonly QuerySeries[]): void {
  const known = knownKeys.get(metric) ?? new Set<string>();
  for (const key of groupKeys(series)) known.add(key);
  knownKeys.set(metric, known);
}

function fillGroup(): void {
  const known = [...(knownKeys.get(state.metric) ?? [])].sort();
  fillGroupBy(groupByOptions(known, state.by), state.by, state.window === 'session', (choice, checked) => {
    saveState({ ...state, by: toggleBy(state.by, choice, checked) });
    fillGroup();
    void load();
  });
}

/** Legend labels: the group keys and merged counts for a grouped answer, else what tells series apart. */
function labelsFor(series: readonly GroupedSeries[], by: readonly string[] | null | undefined, max?: number) {
  return by === undefined || by === null ? seriesLabels(series, max) : groupLabels(series, by, max);
}

// --- loading -------------------------------------------------------------------------------------

async function load(): Promise<void> {
  const mine = ++generation;
  clearTimeout(timer);
  setStatus('loading', 'loading…');
  try {
    const listed = await listMetrics();
    if (mine !== generation) return;
    metrics = listed;
    fillMetrics(metrics, state.metric);
    // No metric chosen yet: the first one. A chosen metric not listed (a bookmark) stays chosen.
    const first = metrics[0];
    if (state.metric === '' && first !== undefined) saveState({ ...state, metric: first.name });
    if (state.metric === '') {
      clearCharts('no metrics yet: send some points (POST /v1/points or OTLP to /v1/metrics)');
      setStatus('empty', 'no metrics yet');
      return;
    }
    select(ids.metric).value = state.metric;
    const request: QueryRequest = {
      metric: state.metric,
      window: state.window,
      tier: state.tier,
      since: state.range,
      filters: userFilters(),
      by: queryBy(state),
    };
    const result = await runQuery(request);
    if (mine !== generation) return;
    for (const t of result.tiers) seenWindows.add(t);
    if (windows === undefined) fillTiers(tierNames(), state.tier);
    rememberKeys(request.metric, result.series);
    fillGroup();
    main = { request, result };
    renderMain(false);
    fillCompareSeries(result.series);
    setSuggestions(filterSuggestions(result.series));
    await loadCompare(mine);
    if (mine !== generation) return;
    setStatus(result.series.length === 0 ? 'empty' : 'ready', statusLine(result));
  } catch (error) {
    if (mine !== generation) return;
    setStatus(
      'error',
      error instanceof ApiError ? error.message : `dashboard error: ${(error as Error).message}`,
    );
  } finally {
    if (mine === generation) schedule();
  }
}

function schedule(): void {
  clearTimeout(timer);
  const ms = REFRESH_MS[state.refresh as keyof typeof REFRESH_MS] ?? 0;
  if (ms > 0) timer = setTimeout(() => (browser().document.hidden ? schedule() : void load()), ms);
}

function statusLine(result: QueryResult & GroupedResult): string {
  const points = result.series.reduce((n, s) => n + s.points.length, 0);
  const unit = metrics.find((m) => m.name === result.metric)?.unit ?? '';
  const by = result.by;
  const parts = [
    `${result.metric}${unit === '' ? '' : ` (${unit})`}`,
    `${result.window} ${result.tiers.length === 0 ? result.tier : result.tiers.join(' + ')}`,
    by === undefined
      ? `${result.series.length} series`
      : `${result.series.length} group${result.series.length === 1 ? '' : 's'} ${by.length === 0 ? 'of all series' : `by ${by.map(keyText).join(', ')}`}`,
    `${points} windows`,
    `updated ${new Date().toLocaleTimeString()}`,
  ];
  if (result.leftOut !== undefined && result.leftOut > 0)
    parts.push(
      `${result.leftOut} results without state left out${result.groupedFrom === undefined ? '' : ` (grouped from ${result.groupedFrom})`}`,
    );
  if (result.truncated) parts.push('truncated: choose a coarser tier, a shorter range or a filter');
  return parts.join(' · ');
}

/** The side-by-side view: the chosen series from every tier, over the range (clipped for fine tiers). */
async function loadCompare(mine: number): Promise<void> {
  const chosen = main?.result.series.find((s) => seriesKey(s) === select(ids.compareSeries).value);
  if (main === undefined || chosen === undefined) {
    compare = [];
    renderCompare();
    return;
  }
  const key = seriesKey(chosen);
  // Point attributes narrow the read where it happens (the reader's `where`); the exact series is
  // then picked here by its key.
  const narrow = [
    ...userFilters(),
    ...filtersForSeries(chosen).filter((f) => f.scope === 'attr' && f.value.length <= 256),
  ].slice(0, MAX_FILTERS);
  const tiers = windows?.tiers ?? tierNames('tumbling').map((name) => ({ name, sizeMs: 0 }));
  const range = rangeMs(state.range);
  const answers = await Promise.all(
    tiers.map(async (tier) => {
      const spanMs = tier.sizeMs > 0 ? Math.min(range, MAX_WINDOWS_PER_TIER_CHART * tier.sizeMs) : range;
      const since = spanMs === range ? state.range : `${Math.ceil(spanMs / 1000)}s`;
      const result = await runQuery({
        metric: main?.request.metric ?? state.metric,
        window: 'tumbling',
        tier: tier.name,
        since,
        filters: narrow,
        by: main?.request.by,
      });
      return {
        tier: tier.name,
        since,
        clipped: spanMs < range,
        series: result.series.find((s) => seriesKey(s) === key),
      };
    }),
  );
  if (mine !== generation) return;
  compare = answers;
  renderCompare();
}

// --- rendering -----------------------------------------------------------------------------------

function clearCharts(message: string): void {
  for (const p of [...mainPlots.values(), ...tierPlots]) p.destroy();
  mainPlots.clear();
  mainLayout = '';
  tierPlots = [];
  main = undefined;
  renderedMain = '';
  const charts = byId('charts');
  charts.removeAttribute('data-query');
  charts.replaceChildren(el('p', { class: 'note' }, message));
  byId('tiers').replaceChildren();
}

function unitFor(stat: string, unit: string): string {
  if (stat === 'count' || unit === '') return '';
  return stat === 'rate' ? ` (${unit}/s)` : ` (${unit})`;
}

/**
 * The charts of the selected stats. Same query and stats as shown: new values go into the charts
 * in place (a zoom survives auto refresh); otherwise the charts are drawn again.
 */
function renderMain(force: boolean): void {
  if (main === undefined) return;
  const { request, result } = main;
  const signature = JSON.stringify([request, result.series, result.tiers, state.stats]);
  if (!force && signature === renderedMain) return;
  renderedMain = signature;
  const layout = JSON.stringify([request, state.stats]);
  const charts = byId('charts');
  const redraw = force || layout !== mainLayout;
  mainLayout = layout;
  if (redraw) {
    for (const p of mainPlots.values()) p.destroy();
    mainPlots.clear();
    charts.replaceChildren();
  }
  charts.setAttribute('data-query', queryString(request));
  charts.setAttribute('data-tiers', result.tiers.join(','));
  if (state.stats.length === 0) {
    charts.replaceChildren(el('p', { class: 'note' }, 'choose one or more stats'));
    return;
  }
  const labels = labelsFor(result.series, result.by ?? request.by);
  const unit = result.series[0]?.unit ?? '';
  const bounds = result.series.some((s) =>
    s.points.some((p) => (p as { mergedBounds?: boolean }).mergedBounds),
  );
  for (const stat of state.stats) {
    const note = [
      result.truncated ? 'truncated at the per-query limit' : '',
      bounds && /^p\d/.test(stat) ? 'histograms with different bounds merged: within a merged bucket' : '',
    ]
      .filter((n) => n !== '')
      .join(' · ');
    const spec: ChartSpec = {
      title: `${stat}${unitFor(stat, unit)}`,
      stat,
      aligned: alignStat(result.series, stat),
      labels,
      height: 220,
      legend: true,
      syncKey: 'main',
      note: note === '' ? undefined : note,
      empty:
        result.series.length === 0
          ? `no closed windows of ${result.metric} in the last ${state.range}`
          : `no ${stat} for ${result.metric}`,
    };
    const shown = mainPlots.get(stat);
    if (shown?.update(spec)) continue;
    shown?.destroy();
    let card = redraw ? undefined : browser().document.getElementById(`chart-${stat}`);
    if (card === undefined || card === null) {
      card = el('div', { class: 'chart', id: `chart-${stat}` });
      charts.append(card);
    }
    mainPlots.set(stat, renderChart(card, spec));
  }
}

function fillCompareSeries(series: readonly QuerySeries[]): void {
  const labels = labelsFor(series, main?.result.by ?? main?.request.by, 120);
  const keys = series.map(seriesKey);
  const current = keys.includes(state.compareSeries) ? state.compareSeries : (keys[0] ?? '');
  setOptions(
    select(ids.compareSeries),
    keys.map((value, i) => ({ value, text: labels[i] ?? value })),
    current,
  );
  const stat = state.compareStat !== '' ? state.compareStat : (state.stats[0] ?? 'count');
  setOptions(
    select(ids.compareStat),
    stats.map((s) => ({ value: s, text: s })),
    stat,
  );
}

function renderCompare(): void {
  for (const p of tierPlots) p.destroy();
  tierPlots = [];
  const container = byId('tiers');
  container.replaceChildren();
  if (compare.length === 0) {
    container.append(el('p', { class: 'note' }, 'no series to compare in this range'));
    return;
  }
  container.style.setProperty('--tiers', String(compare.length));
  const stat = select(ids.compareStat).value;
  const unit = main?.result.series[0]?.unit ?? '';
  const xRange = sharedRange(compare.flatMap((c) => c.series?.points ?? []));
  for (const [i, entry] of compare.entries()) {
    const card = el('div', { class: 'chart tier-chart', id: `tier-chart-${i}`, 'data-tier': entry.tier });
    container.append(card);
    const series = entry.series === undefined ? [] : [entry.series];
    tierPlots.push(
      renderChart(card, {
        title: `${entry.tier} · ${stat}${unitFor(stat, unit)}`,
        stat,
        aligned: alignStat(series, stat),
        labels: [entry.tier],
        height: 150,
        legend: false,
        syncKey: 'tiers',
        note: entry.clipped
          ? `last ${entry.since} (at most ${MAX_WINDOWS_PER_TIER_CHART} windows)`
          : undefined,
        empty: `no closed ${entry.tier} windows in range`,
        xRange,
      }),
    );
  }
}

/** From the first window's start to the last window's end, in seconds: one time axis for every tier. */
function sharedRange(points: readonly { start: string; end: string }[]): [number, number] | undefined {
  if (points.length === 0) return undefined;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    from = Math.min(from, Date.parse(p.start) / 1000);
    to = Math.max(to, Date.parse(p.end) / 1000);
  }
  return Number.isFinite(from) && Number.isFinite(to) && to > from ? [from, to] : undefined;
}

// --- wiring --------------------------------------------------------------------------------------

function update(): void {
  saveState(readControls(state));
  fillGroup();
  void load();
}

function applyState(): void {
  fillWindows(windows, state.window);
  fillTiers(tierNames(), state.tier);
  for (const id of [ids.range, ids.refresh] as const) select(id).value = state[id];
  fillStats(stats, state.stats);
  setFilters(state.filters, update);
  fillGroup();
}

function start(): void {
  if (windows === undefined && state.tier !== 'auto') seenWindows.add(state.tier);
  applyState();
  byId('controls').addEventListener('submit', (event) => event.preventDefault());
  for (const id of [ids.metric, ids.tier, ids.range, ids.refresh])
    select(id).addEventListener('change', update);
  select(ids.window).addEventListener('change', () => {
    fillTiers(tierNames(select(ids.window).value as WindowKind), 'auto');
    update();
  });
  byId(ids.stats).addEventListener('change', () => {
    saveState(readControls(state));
    renderMain(true);
    if (state.compareStat === '') {
      select(ids.compareStat).value = state.stats[0] ?? 'count';
      renderCompare();
    }
  });
  byId(ids.addFilter).addEventListener('click', () => {
    const input = addFilterRow('', update);
    input.focus();
  });
  select(ids.compareSeries).addEventListener('change', () => {
    saveState({ ...state, compareSeries: select(ids.compareSeries).value });
    const mine = ++generation;
    setStatus('loading', 'loading…');
    void loadCompare(mine).then(
      () => {
        if (mine === generation && main !== undefined) setStatus('ready', statusLine(main.result));
        if (mine === generation) schedule();
      },
      (error: unknown) => {
        if (mine === generation) setStatus('error', (error as Error).message);
      },
    );
  });
  select(ids.compareStat).addEventListener('change', () => {
    saveState({ ...state, compareStat: select(ids.compareStat).value });
    renderCompare();
  });
  browser().addEventListener('hashchange', () => {
    state = parseState(browser().location.hash, stats);
    applyState();
    void load();
  });
  let resizing: ReturnType<typeof setTimeout> | undefined;
  browser().addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      for (const p of [...mainPlots.values(), ...tierPlots]) p.resize();
    }, 150);
  });
  browser().document.addEventListener('visibilitychange', () => {
    if (!browser().document.hidden && REFRESH_MS[state.refresh as keyof typeof REFRESH_MS] > 0) void load();
  });
  void load();
}

start();
