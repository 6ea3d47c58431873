/**
 * `views` in the configuration (README "Views at ingest"): series families aggregated as points
 * arrive, each keeping `by` keys or dropping `without` keys of one metric's series.
 */
import { ConfigError } from '../errors.js';
import { type GroupKey, groupKeyOf, groupKeyText, hasControl } from '../group/keys.js';

export interface ViewConfig {
  /** The view's metric name: what `/v1/query?metric=` asks for. */
  readonly name: string;
  /** The source metric's exact name. */
  readonly metric: string;
  /** Keys kept (every other attribute dropped); exactly one of `by` and `without` is set. */
  readonly by?: readonly GroupKey[];
  /** Keys dropped (every other attribute kept). */
  readonly without?: readonly GroupKey[];
  /** Store the source series too (default true); false stores only the view. */
  readonly keepSource: boolean;
}

/** The input form of one view. */
export interface ViewInput {
  name: string;
  metric: string;
  by?: string[];
  without?: string[];
  keepSource?: boolean;
}

/** Views per configuration at most, and keys per view. */
export const MAX_VIEWS = 100;
export const MAX_VIEW_KEYS = 10;

const NAME_MAX = 255;

/**
 * Validates `views`. Refused: a view without a name or metric, with both or neither of `by` and
 * `without`, with a bad or repeated key, a name used twice, a name equal to any view's metric (a
 * view of a view, or of itself), more than {@link MAX_VIEWS}.
 *
 * @example parseViews([{ name: 'lat.by_route', metric: 'lat', by: ['http.route'] }], 256)
 * @throws ConfigError naming the view (`views[0].by: …`)
 */
export function parseViews(value: unknown, maxKeyLength: number): ViewConfig[] {
  if (!Array.isArray(value))
    throw new ConfigError('views must be a list of {"name","metric","by"|"without"}');
  if (value.length > MAX_VIEWS) throw new ConfigError(`views: at most ${MAX_VIEWS}`);
  const views = value.map((entry, i) => parseView(entry, `views[${i}]`, maxKeyLength));
  const names = new Set<string>();
  const metrics = new Set(views.map((v) => v.metric));
  for (const [i, view] of views.entries()) {
    if (names.has(view.name))
      throw new ConfigError(`views[${i}].name: "${view.name}" is used by another view`);
    names.add(view.name);
    if (metrics.has(view.name)) {
      throw new ConfigError(
        `views[${i}].name: "${view.name}" is a view's source metric (views of views are not supported)`,
      );
    }
  }
  return views;
}

function parseView(entry: unknown, what: string, maxKeyLength: number): ViewConfig {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(`${what} must be an object with name, metric and by or without`);
  }
  const o = entry as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['name', 'metric', 'by', 'without', 'keepSource'].includes(key))
      throw new ConfigError(`${what}: unknown key "${key}"`);
  }
  const name = metricName(o.name, `${what}.name`);
  const metric = metricName(o.metric, `${what}.metric`);
  if ((o.by === undefined) === (o.without === undefined)) {
    throw new ConfigError(`${what}: give either "by" (keys to keep) or "without" (keys to drop)`);
  }
  if (o.keepSource !== undefined && typeof o.keepSource !== 'boolean') {
    throw new ConfigError(`${what}.keepSource must be true or false`);
  }
  const keepSource = o.keepSource !== false;
  if (o.by !== undefined) return { name, metric, by: keys(o.by, `${what}.by`, maxKeyLength), keepSource };
  return { name, metric, without: keys(o.without, `${what}.without`, maxKeyLength), keepSource };
}

function metricName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > NAME_MAX || hasControl(value)) {
    throw new ConfigError(`${what} must be a metric name of 1–${NAME_MAX} printable characters`);
  }
  return value;
}

function keys(value: unknown, what: string, maxKeyLength: number): GroupKey[] {
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) {
    throw new ConfigError(`${what} must be a list of keys like "http.route" or "resource.service.name"`);
  }
  if (value.length > MAX_VIEW_KEYS) throw new ConfigError(`${what}: at most ${MAX_VIEW_KEYS} keys`);
  const seen = new Set<string>();
  return value.map((raw) => {
    const key = groupKeyOf(raw, maxKeyLength);
    if (typeof key === 'string') throw new ConfigError(`${what}: ${key}`);
    const text = groupKeyText(key);
    if (seen.has(text)) throw new ConfigError(`${what}: ${text} given twice`);
    seen.add(text);
    return key;
  });
}

/** A view as readable JSON: what `/v1/metrics` and the logged configuration show. */
export interface ViewDescription {
  readonly metric: string;
  readonly by?: readonly string[];
  readonly without?: readonly string[];
  readonly keepSource: boolean;
}

/** A view as readable JSON (the configuration's form, keys as `attr.K` / `resource.K`). */
export function describeView(view: ViewConfig): ViewDescription {
  return {
    metric: view.metric,
    ...(view.by ? { by: view.by.map(groupKeyText) } : {}),
    ...(view.without ? { without: view.without.map(groupKeyText) } : {}),
    keepSource: view.keepSource,
  };
}
