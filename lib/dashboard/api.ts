/**
 * The dashboard's two reads: `GET /v1/metrics` and `GET /v1/query`, on the page's own origin. A
 * refusal comes back as an `ApiError` carrying the server's message (which names the parameter).
 */

import type { MetricSummary } from '../app/query/ports.js';
import type { QueryResult } from '../app/query/query.js';
import { browser } from './dom.js';
import { type Filter, formatFilter } from './series.js';
import { byValues } from './state.js';

/** Attribute filters one query may carry (the server's limit). */
export const MAX_FILTERS = 20;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface QueryRequest {
  readonly metric: string;
  readonly window: string;
  readonly tier: string;
  /** A duration the server accepts as `since`, e.g. `15m` or `900s`. */
  readonly since: string;
  readonly filters: readonly Filter[];
  /** Group by these keys (`[]`: every series in one); absent or null: no grouping. */
  readonly by?: readonly string[] | null;
}

/** What `by` adds to an answer: the keys grouped by, and results left out for lack of state. */
export interface GroupedResult {
  readonly by?: readonly string[];
  /** Results written before windrow kept states, left out of the groups. */
  readonly leftOut?: number;
  /** From when grouped data exists. */
  readonly groupedFrom?: string;
}

/**
 * The query string of a `GET /v1/query` (filters beyond the server's limit are left out; the
 * callers filter exactly on their side where it matters). Group keys go as `byValues` writes them;
 * `by=` alone merges every series.
 *
 * @example queryString({ metric: 'cpu', window: 'tumbling', tier: 'auto', since: '1h', filters: [] }) // 'metric=cpu&window=tumbling&tier=auto&since=1h'
 * @example queryString({ metric: 'cpu', window: 'tumbling', tier: 'auto', since: '1h', filters: [], by: [] }) // '…&since=1h&by='
 */
export function queryString(request: QueryRequest): string {
  const out = new URLSearchParams({
    metric: request.metric,
    window: request.window,
    tier: request.tier,
    since: request.since,
  });
  const seen = new Set<string>();
  for (const filter of request.filters) {
    const name = `${filter.scope}.${filter.key}`;
    if (seen.has(name) || seen.size >= MAX_FILTERS) continue;
    seen.add(name);
    const [param, value] = splitFilter(formatFilter(filter));
    out.append(param, value);
  }
  if (request.by !== undefined && request.by !== null)
    for (const value of byValues(request.by)) out.append('by', value);
  return out.toString();
}

function splitFilter(text: string): [string, string] {
  const eq = text.indexOf('=');
  return [text.slice(0, eq), text.slice(eq + 1)];
}

const KEY_ITEM = 'windrow.apiKey';

/**
 * The API key for a deployment with auth on: kept for the browser session only (sessionStorage),
 * asked for once when the API answers 401/403. With auth off no key is ever asked for.
 */
function storedKey(): string | undefined {
  if (typeof globalThis.fetch !== 'function') return undefined;
  return browser().sessionStorage?.getItem(KEY_ITEM) ?? undefined;
}

async function getJson<T>(path: string, askedForKey = false): Promise<T> {
  let response: Response;
  const key = storedKey();
  try {
    response = await fetch(path, {
      headers: {
        accept: 'application/json',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
    });
  } catch (cause) {
    throw new ApiError(`windrow is not reachable (${(cause as Error).message})`, 0);
  }
  if ((response.status === 401 || response.status === 403) && !askedForKey) {
    const win = browser();
    const entered = win.prompt?.('This windrow needs an API key (npm run keys -- create --tenant NAME):');
    if (entered !== undefined && entered !== null && entered.trim() !== '') {
      win.sessionStorage?.setItem(KEY_ITEM, entered.trim());
      return getJson<T>(path, true);
    }
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`${path.split('?')[0]} answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok) {
    const message = (body as { error?: unknown }).error;
    throw new ApiError(typeof message === 'string' ? message : `HTTP ${response.status}`, response.status);
  }
  return body as T;
}

export async function listMetrics(): Promise<MetricSummary[]> {
  return (await getJson<{ metrics: MetricSummary[] }>('/v1/metrics')).metrics;
}

export async function runQuery(request: QueryRequest): Promise<QueryResult & GroupedResult> {
  return getJson<QueryResult & GroupedResult>(`/v1/query?${queryString(request)}`);
}
