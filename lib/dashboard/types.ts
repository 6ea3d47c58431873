/**
 * What the server and the browser code of the dashboard share: the assets the query function
 * serves, and the windows the deployment is configured with (written into the page, so the tier
 * picker offers exactly what `GET /v1/query` accepts).
 */

/** The dashboard's page and script, as `createQueryHandler({ dashboard })` serves them. */
export interface DashboardAssets {
  readonly html: string;
  readonly js: string;
}

/** The configured windows and percentiles, in the page's `<meta name="windrow-windows">`. */
export interface DashboardWindows {
  /** Tumbling tiers, finest first. */
  readonly tiers: readonly { readonly name: string; readonly sizeMs: number }[];
  /** Sliding window names, e.g. `5m/1m`. */
  readonly sliding: readonly string[];
  /** Session window names, e.g. `session:5m`. */
  readonly sessions: readonly string[];
  /** e.g. `[50, 90, 95, 99]` → stats p50, p90, p95, p99. */
  readonly percentiles: readonly number[];
}
