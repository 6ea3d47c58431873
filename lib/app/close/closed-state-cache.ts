import { type ClosedEntry, decodeClosedState } from '../../core/close/closed-state.js';
import type { ShardLayout } from '../../core/window/shard-layout.js';
import type { ClosedStateRecord, CloseStore } from '../close-ports.js';

/**
 * Closed states of one (tier, shard), read at most once per job; `entries` decodes afresh on every
 * call, so callers may merge into what they get.
 */
export class ClosedStateCache {
  private readonly records = new Map<number, Promise<ClosedStateRecord | undefined>>();
  private readonly own = new Map<number, readonly Uint8Array[]>();

  /** `jobStart`: the window the job closes, whose shard count the job's `shard` belongs to. */
  constructor(
    private readonly store: CloseStore,
    private readonly tier: number,
    private readonly shard: number,
    private readonly jobStart: number,
    private readonly layout: ShardLayout,
  ) {}

  get(start: number): Promise<ClosedStateRecord | undefined> {
    let record = this.records.get(start);
    if (record === undefined) {
      record = this.store.readClosedState(this.tier, start, this.shard);
      this.records.set(start, record);
    }
    return record;
  }

  /** Whether the window at `start` was closed under another shard count than the job's window. */
  private otherEpoch(start: number): boolean {
    return this.layout.shardsAt(start) !== this.layout.shardsAt(this.jobStart);
  }

  /**
   * The entries of a window closed under another shard count (a sliding window or a cumulative
   * baseline reaching back across a change of `shards`): every shard of that epoch, keeping the
   * series that belong to this job's shard.
   */
  private async acrossEpochs(start: number): Promise<Map<string, ClosedEntry>> {
    const shards = this.layout.shardsAt(start);
    const records = await Promise.all(
      Array.from({ length: shards }, (_, s) => this.store.readClosedState(this.tier, start, s)),
    );
    const out = new Map<string, ClosedEntry>();
    for (const record of records) {
      for (const entry of decodeClosedState(record?.chunks ?? [])) {
        if (this.layout.shardOf(entry.seriesId, this.jobStart) === this.shard) out.set(entry.seriesId, entry);
      }
    }
    return out;
  }

  /** The job's own new closed state, used instead of the stored one for sliding windows. */
  put(start: number, chunks: readonly Uint8Array[]): void {
    this.own.set(start, chunks);
  }

  async entries(start: number): Promise<Map<string, ClosedEntry>> {
    if (!this.own.has(start) && this.otherEpoch(start)) return this.acrossEpochs(start);
    const chunks = this.own.get(start) ?? (await this.get(start))?.chunks ?? [];
    const out = new Map<string, ClosedEntry>();
    for (const entry of decodeClosedState(chunks)) out.set(entry.seriesId, entry);
    return out;
  }
}
