/**
 * `GET /v1/query` parameters, validated before anything reaches a store (DESIGN.md §9).
 * Every refusal names the parameter; values are bounded so a reader never sees unchecked text.
 */
import type { WindrowConfig } from '../../core/config/config.js';
import { type GroupKey, parseGroupKeys } from './group-keys.js';
import { QueryParamError } from './query-errors.js';

export { QueryParamError } from './query-errors.js';

export type QueryWindow = 'tumbling' | 'sliding' | 'session';

export interface QueryParams {
  readonly metric: string;
  /** A tier name, a sliding/session window name, or `auto`. */
  readonly tier: string;
  readonly window: QueryWindow;
  readonly fromMs: number;
  readonly toMs: number;
  /** Exact-match filters on point attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Exact-match filters on resource attributes. */
  readonly resource: Readonly<Record<string, string>>;
  /** `by`: merge series per value of these keys; `[]` merges every series; absent: per series. */
  readonly by?: readonly GroupKey[];
}

const KNOWN = new Set(['metric', 'tier', 'from', 'to', 'window', 'since', 'by']);
const WINDOWS: readonly QueryWindow[] = ['tumbling', 'sliding', 'session'];
const MAX_METRIC_LENGTH = 255;
const MAX_FILTERS = 20;
/** Longest range one query may span (what a 1d tier keeps by default, and more). */
export const MAX_RANGE_MS = 400 * 86_400_000;
const DEFAULT_RANGE_MS = 3_600_000;
/** Control characters (C0 and DEL): never part of a metric name, attribute key or value we accept. */
const CONTROL = {
  test: (text: string) => [...text].some((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f'),
};

/**
 * Parses `GET /v1/query` parameters (from `rawQueryString`, so repeated `attr.K=V` all count).
 *
 * @example parseQueryParams('metric=cpu&tier=auto&from=2026-11-25T10:00:00Z&attr.host=a', config, now)
 * @throws QueryParamError naming the first bad parameter
 */
export function parseQueryParams(rawQuery: string, config: WindrowConfig, nowMs: number): QueryParams {
  const search = new URLSearchParams(rawQuery);
  const single = (name: string): string | undefined => {
    const all = search.getAll(name);
    if (all.length > 1) throw new QueryParamError(name, 'given more than once');
    return all[0];
  };
  const attributes: Record<string, string> = {};
  const resource: Record<string, string> = {};
  let filters = 0;
  for (const [key, value] of search) {
    const target = key.startsWith('attr.') ? attributes : key.startsWith('resource.') ? resource : undefined;
    if (target === undefined) {
      if (!KNOWN.has(key))
        throw new QueryParamError(
          key,
          'unknown parameter (use metric, tier, from, to, since, window, by, attr.K, resource.K)',
        );
      continue;
    }
    const name = key.slice(key.indexOf('.') + 1);
    if (name.length === 0 || name.length > config.limits.maxKeyLength || CONTROL.test(name)) {
      throw new QueryParamError(
        key,
        `attribute name must be 1–${config.limits.maxKeyLength} printable characters`,
      );
    }
    if (value.length > config.limits.maxValueLength || CONTROL.test(value)) {
      throw new QueryParamError(
        key,
        `value must be at most ${config.limits.maxValueLength} printable characters`,
      );
    }
    if (name in target) throw new QueryParamError(key, 'given more than once');
    if (++filters > MAX_FILTERS) throw new QueryParamError(key, `at most ${MAX_FILTERS} attribute filters`);
    target[name] = value;
  }

  const metric = single('metric');
  if (metric === undefined || metric.length === 0) throw new QueryParamError('metric', 'required');
  if (metric.length > MAX_METRIC_LENGTH || CONTROL.test(metric)) {
    throw new QueryParamError('metric', `must be 1–${MAX_METRIC_LENGTH} printable characters`);
  }

  const window = (single('window') ?? 'tumbling') as QueryWindow;
  if (!WINDOWS.includes(window)) throw new QueryParamError('window', 'must be tumbling, sliding or session');

  const tier = single('tier') ?? 'auto';
  if (tier !== 'auto') {
    const names =
      window === 'tumbling'
        ? config.tiers.map((t) => t.name)
        : window === 'sliding'
          ? config.sliding.map((s) => s.name)
          : config.sessions.map((s) => s.name);
    if (!names.includes(tier)) {
      throw new QueryParamError(
        'tier',
        names.length === 0
          ? `no ${window} windows are configured`
          : `must be auto or one of ${names.join(', ')} for window=${window}`,
      );
    }
  } else if (window === 'sliding' && config.sliding.length === 0) {
    throw new QueryParamError('window', 'no sliding windows are configured');
  } else if (window === 'session' && config.sessions.length === 0) {
    throw new QueryParamError('window', 'no session windows are configured');
  }

  const to = single('to');
  const from = single('from');
  const since = single('since');
  if (since !== undefined && from !== undefined)
    throw new QueryParamError('since', 'give either since or from');
  const toMs = to === undefined ? nowMs : parseTime('to', to);
  let fromMs: number;
  if (since !== undefined) fromMs = toMs - parseSince(since);
  else fromMs = from === undefined ? toMs - DEFAULT_RANGE_MS : parseTime('from', from);
  if (fromMs >= toMs) throw new QueryParamError('from', 'must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new QueryParamError('from', 'the range is longer than 400 days');
  const by = parseGroupKeys(search.getAll('by'), config.limits.maxKeyLength);
  if (by !== undefined && window === 'session') {
    throw new QueryParamError(
      'by',
      'session windows have per-series bounds and cannot be merged; configure a view to get grouped sessions',
    );
  }
  return { metric, tier, window, fromMs, toMs, attributes, resource, ...(by ? { by } : {}) };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 or epoch milliseconds. */
function parseTime(param: string, text: string): number {
  let ms: number;
  if (/^\d{1,15}$/.test(text)) ms = Number(text);
  else if (RFC3339.test(text)) ms = Date.parse(text);
  else throw new QueryParamError(param, 'must be RFC 3339 (2026-11-25T10:00:00Z) or epoch milliseconds');
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 9_999_999_999_999) {
    throw new QueryParamError(param, 'is out of range');
  }
  return ms;
}

const SINCE = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function parseSince(text: string): number {
  const m = SINCE.exec(text);
  if (m === null) throw new QueryParamError('since', 'must be a duration like 15m, 6h or 7d');
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms <= 0 || ms > MAX_RANGE_MS) throw new QueryParamError('since', 'must be between 1s and 400d');
  return ms;
}
