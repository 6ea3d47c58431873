import type { AggregateKind, AggregateOptions } from '../aggregate/contract.js';
import { StateCodecError } from '../errors.js';
import { unpackStates } from '../preaggregate/partial-codec.js';

/** The merged state of one series in one window. */
export interface MergedSeries {
  readonly tenant: string;
  readonly seriesId: string;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

/**
 * Merges the states of a window's partials per series (DESIGN.md §6, step 2): the first state seen
 * for a series is kept (decoded states are owned by the merger) and the others are merged into it in
 * place. Merge is associative and commutative, so the order partials arrive in does not matter.
 *
 * @example
 * const merger = new WindowMerger(options);
 * for await (const page of store.readPartialData(0, start, shard)) for (const data of page) merger.addPack(data);
 * const merged = merger.result(); // Map seriesId → MergedSeries
 */
export class WindowMerger {
  private readonly series = new Map<string, MergedSeries>();
  entries = 0;

  constructor(private readonly options: AggregateOptions) {}

  /** Adds every entry of a packed partial. @throws StateCodecError on corrupt bytes. */
  addPack(bytes: Uint8Array): void {
    for (const entry of unpackStates(bytes)) this.add(entry);
  }

  /** Adds one series state; `state` becomes the merger's (it may be changed in place later). */
  add(entry: MergedSeries): void {
    this.entries++;
    const existing = this.series.get(entry.seriesId);
    if (existing === undefined) {
      this.series.set(entry.seriesId, entry);
      return;
    }
    if (existing.kind !== entry.kind || existing.tenant !== entry.tenant) {
      throw new StateCodecError(
        `series ${entry.seriesId} has ${existing.kind.name} and ${entry.kind.name} states (one series has one kind)`,
      );
    }
    existing.kind.mergeInto(existing.state, entry.state, this.options);
  }

  get size(): number {
    return this.series.size;
  }

  result(): Map<string, MergedSeries> {
    return this.series;
  }
}
