import type { ViewDescription } from '../../core/config/views.js';

/** What `GET /v1/metrics` lists: the metrics a tenant has sent, with how many series each. */
export interface MetricSummary {
  readonly name: string;
  /** gauge, sum, histogram, exponentialHistogram, summary */
  readonly type: string;
  readonly unit: string;
  readonly series: number;
  /** For a view (README "Views at ingest"): its source metric and keys. */
  readonly view?: ViewDescription;
}

export interface MetricCatalog {
  listMetrics(tenant: string): Promise<MetricSummary[]>;
}
