/**
 * The dashboard's controls: filling the pickers (metrics, windows, tiers, stats, filters, group by)
 * and reading them back as a `DashboardState`. Ids are stable (`#metric`, `#tier`, `#stat-p95`,
 * `#filter-0`, `#by-none`, …): the browser test and bookmarks of the page rely on them.
 */
import type { MetricSummary } from '../app/query/ports.js';
import { byId, el, type InputElement, queryAll, type SelectElement } from './dom.js';
import { parseFilter } from './series.js';
import { BY_ALL, BY_NONE, type DashboardState, type WindowKind } from './state.js';
import type { DashboardWindows } from './types.js';

export const ids = {
  metric: 'metric',
  window: 'window',
  tier: 'tier',
  range: 'range',
  refresh: 'refresh',
  stats: 'stats',
  filterList: 'filter-list',
  addFilter: 'add-filter',
  suggestions: 'filter-suggestions',
  compareSeries: 'compare-series',
  compareStat: 'compare-stat',
  groupBy: 'group-by',
} as const;

export function select(id: string): SelectElement {
  return byId<SelectElement>(id);
}

/** Replaces a select's options, keeping `value` selected (added when missing and `keep`). */
export function setOptions(
  target: SelectElement,
  options: readonly { value: string; text: string; disabled?: boolean }[],
  value: string,
  keep = false,
): void {
  const list = [...options];
  if (keep && value !== '' && !list.some((o) => o.value === value)) list.push({ value, text: value });
  target.replaceChildren(
    ...list.map((o) => {
      const option = el('option', { value: o.value }, o.text);
      option.disabled = o.disabled === true;
      return option;
    }),
  );
  target.value = list.some((o) => o.value === value) ? value : (list[0]?.value ?? '');
}

export function fillMetrics(metrics: readonly MetricSummary[], current: string): void {
  setOptions(
    select(ids.metric),
    metrics.map((m) => ({
      value: m.name,
      text: `${m.name} — ${m.type}${m.unit === '' ? '' : `, ${m.unit}`}, ${m.series} series`,
    })),
    current,
    true,
  );
}

/** Window names of one kind: configured ones when the page knows them, else those seen so far. */
export function windowNames(
  windows: DashboardWindows | undefined,
  kind: WindowKind,
  seen: ReadonlySet<string>,
): string[] {
  if (windows === undefined) return [...seen].filter((n) => kindOf(n) === kind);
  if (kind === 'tumbling') return windows.tiers.map((t) => t.name);
  return [...(kind === 'sliding' ? windows.sliding : windows.sessions)];
}

/** A window name's kind: `5m/1m` is sliding, `session:5m` a session, the rest tiers. */
export function kindOf(name: string): WindowKind {
  return name.startsWith('session:') ? 'session' : name.includes('/') ? 'sliding' : 'tumbling';
}

export function fillWindows(windows: DashboardWindows | undefined, current: WindowKind): void {
  const configured = (kind: WindowKind) =>
    windows === undefined || kind === 'tumbling' || windowNames(windows, kind, new Set()).length > 0;
  setOptions(
    select(ids.window),
    (['tumbling', 'sliding', 'session'] as const).map((kind) => ({
      value: kind,
      text: configured(kind) ? kind : `${kind} (none)`,
      disabled: !configured(kind),
    })),
    current,
  );
}

export function fillTiers(names: readonly string[], current: string): void {
  setOptions(
    select(ids.tier),
    [{ value: 'auto', text: 'auto' }, ...names.map((n) => ({ value: n, text: n }))],
    current,
  );
}

export function fillStats(names: readonly string[], checked: readonly string[]): void {
  const fieldset = byId(ids.stats);
  const legend = el('legend', {}, 'Stats');
  fieldset.replaceChildren(
    legend,
    ...names.map((name) => {
      const box = el('input', { type: 'checkbox', id: `stat-${name}`, name: 'stat', value: name });
      box.checked = checked.includes(name);
      return el('label', { class: 'check', for: `stat-${name}` }, box, name);
    }),
  );
}

/**
 * The group-by choices: `none`, `all series`, then one checkbox per key (value: the key; checked
 * when chosen). `onToggle` gets the choice (a key, `BY_NONE` or `BY_ALL`) and whether it is now
 * checked. Disabled, with the reason as its title, for session windows.
 */
export function fillGroupBy(
  keys: readonly { value: string; text: string }[],
  by: readonly string[] | null,
  disabled: boolean,
  onToggle: (choice: string, checked: boolean) => void,
): void {
  const fieldset = byId(ids.groupBy);
  const box = (id: string, value: string, text: string, checked: boolean) => {
    const input = el('input', { type: 'checkbox', id, name: 'by', value });
    input.checked = checked;
    input.addEventListener('change', () => onToggle(value, input.checked));
    return el('label', { class: 'check', for: id }, input, text);
  };
  fieldset.replaceChildren(
    el('legend', {}, 'Group by'),
    box('by-none', BY_NONE, 'none', by === null),
    box('by-all', BY_ALL, 'all series', by?.length === 0),
    ...keys.map((k, i) => box(`by-key-${i}`, k.value, k.text, by?.includes(k.value) === true)),
  );
  if (disabled) fieldset.setAttribute('disabled', '');
  else fieldset.removeAttribute('disabled');
  fieldset.title = disabled
    ? 'session windows are not grouped (each series has its own sessions)'
    : 'merge the series that share these keys, per window';
}

let filterCounter = 0;

/** Adds a filter input (`attr.K=V` or `resource.K=V`); `onChange` runs when it is edited or removed. */
export function addFilterRow(value: string, onChange: () => void): InputElement {
  const index = filterCounter++;
  const input = el('input', {
    id: `filter-${index}`,
    class: 'filter-input',
    list: ids.suggestions,
    placeholder: 'attr.host=a',
    'aria-label': `filter ${index + 1}`,
  });
  input.value = value;
  const remove = el(
    'button',
    { type: 'button', 'aria-label': `remove filter ${index + 1}`, title: 'remove' },
    '×',
  );
  const row = el('span', { class: 'filter' }, input, remove);
  input.addEventListener('change', onChange);
  remove.addEventListener('click', () => {
    row.remove();
    onChange();
  });
  byId(ids.filterList).append(row);
  return input;
}

export function setFilters(filters: readonly string[], onChange: () => void): void {
  byId(ids.filterList).replaceChildren();
  for (const f of filters) addFilterRow(f, onChange);
}

export function setSuggestions(values: readonly string[]): void {
  byId(ids.suggestions).replaceChildren(...values.map((v) => el('option', { value: v })));
}

/** The state the controls show. Filters that do not parse are marked invalid and left out. */
export function readControls(previous: DashboardState): DashboardState {
  const stats = [...queryAll<InputElement>(`#${ids.stats} input[name=stat]`)]
    .filter((box) => box.checked)
    .map((box) => box.value);
  const filters: string[] = [];
  for (const input of queryAll<InputElement>(`#${ids.filterList} input`)) {
    const text = input.value.trim();
    const valid = text === '' || parseFilter(text) !== undefined;
    input.setAttribute('aria-invalid', String(!valid));
    if (text !== '' && valid) filters.push(text);
  }
  return {
    ...previous,
    metric: select(ids.metric).value,
    window: select(ids.window).value as WindowKind,
    tier: select(ids.tier).value,
    range: select(ids.range).value,
    refresh: select(ids.refresh).value,
    stats,
    filters,
  };
}
