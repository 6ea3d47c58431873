/** Close step 2: read the window's partials (`P#…`, ingest's and the children's) and merge them per series. */
import type { AggregateOptions } from '../../core/aggregate/contract.js';
import { type MergedSeries, WindowMerger } from '../../core/close/merge.js';
import type { CloseJob, CloseStore } from '../close-ports.js';

export async function readAndMerge(
  store: CloseStore,
  job: CloseJob,
  aggregate: AggregateOptions,
): Promise<{ merged: Map<string, MergedSeries>; partials: number }> {
  const merger = new WindowMerger(aggregate);
  let partials = 0;
  for await (const page of store.readPartialData(job.tier, job.windowStartMs, job.shard)) {
    for (const data of page) {
      merger.addPack(data);
      partials++;
    }
  }
  return { merged: merger.result(), partials };
}
