/**
 * In-memory ports for use-case tests: they record exactly what would be written, keyed the way the
 * DynamoDB adapter keys items, so idempotency (same key → overwrite) is visible.
 */
import type {
  Clock,
  CorrectionMark,
  PartialWrite,
  SeriesCatalog,
  SeriesMeta,
  WindowStore,
  WriteReport,
} from '#app/ports.js';

export class MemoryWindowStore implements WindowStore {
  readonly partials = new Map<string, PartialWrite>();
  readonly marks = new Map<string, CorrectionMark>();
  writes = 0;
  /** Called before each write; may throw to inject a fault. */
  beforeWrite: () => void = () => {};

  async writePartials(partials: readonly PartialWrite[]): Promise<WriteReport> {
    this.beforeWrite();
    for (const p of partials) {
      this.partials.set(`P#${p.tier}#${p.windowStartMs}#${p.shard}|${p.partialId}#${p.chunk}`, p);
    }
    this.writes++;
    return report(partials.map((p) => p.data.length + 60));
  }

  async markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport> {
    for (const m of marks) this.marks.set(`D#${m.tier}|${m.windowStartMs}#${m.shard}`, m);
    return report(marks.map(() => 40));
  }

  /** Shards with a checkpoint; by default every shard (a planner is running), as in a live stack. */
  checkpointed: ReadonlySet<number> = new Set(Array.from({ length: 1024 }, (_, i) => i));

  async checkpointedShards(): Promise<ReadonlySet<number>> {
    return this.checkpointed;
  }
}

function report(sizes: number[]): WriteReport {
  return {
    items: sizes.length,
    bytes: sizes.reduce((a, b) => a + b, 0),
    writeUnits: sizes.reduce((a, b) => a + Math.ceil(b / 1024), 0),
    itemSizes: sizes,
  };
}

export class MemorySeriesCatalog implements SeriesCatalog {
  readonly series = new Map<string, SeriesMeta>();

  async ensure(series: readonly SeriesMeta[]): Promise<readonly SeriesMeta[]> {
    const created: SeriesMeta[] = [];
    for (const s of series) {
      const key = `${s.tenant}#${s.seriesId}`;
      if (!this.series.has(key)) {
        this.series.set(key, s);
        created.push(s);
      }
    }
    return created;
  }

  async forget(series: readonly SeriesMeta[]): Promise<void> {
    for (const s of series) this.series.delete(`${s.tenant}#${s.seriesId}`);
  }
}

/** A clock the test moves; `advanceOnRead` models time passing during a slow write. */
export class ManualClock implements Clock {
  constructor(
    public now: number,
    public advanceOnRead = 0,
  ) {}

  nowMs(): number {
    const t = this.now;
    this.now += this.advanceOnRead;
    return t;
  }
}
