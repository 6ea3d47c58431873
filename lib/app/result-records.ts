import type { FinalStats } from '../core/aggregate/contract.js';
import { encodeResultState, type GroupState, resultStateOf } from '../core/group/group-state.js';
import type { SeriesMeta } from './ports.js';
import type { ResultRecord, WindowKind } from './results.js';

export interface RecordWindow {
  readonly window: string;
  readonly windowKind: WindowKind;
  readonly startMs: number;
  readonly endMs: number;
  readonly version: number;
}

/** A sink record from a series' catalog entry, its finalized stats and (when it has one) its group state. */
export function resultRecord(
  meta: SeriesMeta,
  window: RecordWindow,
  stats: FinalStats,
  group?: GroupState,
): ResultRecord {
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
    ...(group ? { state: encodeResultState(resultStateOf(meta.metric, group)) } : {}),
  };
}
