import type { FinalStats } from '../core/aggregate/contract.js';
import type { SeriesMeta } from './ports.js';
import type { ResultRecord, WindowKind } from './results.js';

export interface RecordWindow {
  readonly window: string;
  readonly windowKind: WindowKind;
  readonly startMs: number;
  readonly endMs: number;
  readonly version: number;
}

/** A sink record from a series' catalog entry and its finalized stats. */
export function resultRecord(meta: SeriesMeta, window: RecordWindow, stats: FinalStats): ResultRecord {
  return {
    tenant: meta.tenant,
    seriesId: meta.seriesId,
    metric: meta.metric.name,
    unit: meta.metric.unit,
    metricKind: meta.metric.kind,
    attributes: meta.attributes,
    resource: meta.resource,
    ...window,
    stats,
  };
}
