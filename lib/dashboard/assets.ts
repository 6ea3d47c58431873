/**
 * Serving the dashboard for one deployment: the built page and script (generic, from `build.ts` or
 * the generated module) with the configured windows written into the page's meta tag, so its tier
 * picker offers exactly the tiers, sliding and session windows that `GET /v1/query` accepts.
 */
import { WINDOWS_MARKER } from './page.js';
import type { DashboardAssets, DashboardWindows } from './types.js';

export type { DashboardAssets, DashboardWindows } from './types.js';

/**
 * What the dashboard reads of the configuration: a `WindrowConfig` is one (the dashboard imports
 * only query types, DESIGN.md §2).
 */
export interface DashboardConfig {
  readonly tiers: readonly { readonly name: string; readonly sizeMs: number }[];
  readonly sliding: readonly { readonly name: string }[];
  readonly sessions: readonly { readonly name: string }[];
  readonly percentiles: readonly number[];
}

/** @example dashboardWindows(parseConfig({ tiers: ['1m', '1h'] })).tiers // [{ name: '1m', sizeMs: 60000 }, …] */
export function dashboardWindows(config: DashboardConfig): DashboardWindows {
  return {
    tiers: config.tiers.map((t) => ({ name: t.name, sizeMs: t.sizeMs })),
    sliding: config.sliding.map((s) => s.name),
    sessions: config.sessions.map((s) => s.name),
    percentiles: [...config.percentiles],
  };
}

/**
 * The assets to serve for `config`. `source` may be a function: it is then called on the first
 * request for the page or script (the local stack builds with esbuild only when someone opens it).
 *
 * @example
 * createQueryHandler({ …, dashboard: configureDashboard({ html: DASHBOARD_HTML, js: DASHBOARD_JS }, config) });
 * startLocalStack({ …, dashboard: configureDashboard(buildDashboard, config) });
 */
export function configureDashboard(
  source: DashboardAssets | (() => DashboardAssets),
  config: DashboardConfig,
): DashboardAssets {
  const meta = escapeAttribute(JSON.stringify(dashboardWindows(config)));
  let served: DashboardAssets | undefined;
  const load = (): DashboardAssets => {
    if (served === undefined) {
      const built = typeof source === 'function' ? source() : source;
      // A function replacement: `$` in the JSON is never a replacement pattern.
      served = { html: built.html.replace(WINDOWS_MARKER, () => meta), js: built.js };
    }
    return served;
  };
  return {
    get html() {
      return load().html;
    },
    get js() {
      return load().js;
    },
  };
}

/** Text safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&"<>']/g, (c) => `&#${c.charCodeAt(0)};`);
}
