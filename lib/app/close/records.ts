/** Close step: finalized results as result records, with the catalog's readable identity. */
import type { FinalizedSeries } from '../../core/close/finalize-window.js';
import type { SeriesMeta } from '../ports.js';
import { type RecordWindow, resultRecord } from '../result-records.js';
import type { ResultRecord } from '../results.js';

/** What a close emits for one window (the tier's, a sliding window, a session). */
export interface CloseOutput {
  readonly window: RecordWindow;
  readonly results: readonly FinalizedSeries[];
}

/** Records for the outputs; a series missing from the catalog (or of another tenant) is counted. */
export function toRecords(
  outputs: readonly CloseOutput[],
  metas: ReadonlyMap<string, SeriesMeta>,
): { records: ResultRecord[]; uncataloged: number } {
  const records: ResultRecord[] = [];
  const missing = new Set<string>();
  for (const { window, results } of outputs) {
    for (const r of results) {
      const meta = metas.get(r.seriesId);
      if (meta === undefined || meta.tenant !== r.tenant) {
        missing.add(r.seriesId);
        continue;
      }
      records.push(resultRecord(meta, window, r.stats, r.group));
    }
  }
  return { records, uncataloged: missing.size };
}
