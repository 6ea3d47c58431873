/**
 * In-memory closing-side ports for use-case tests: one store that is both the ingest `WindowStore`
 * and the `CloseStore` (same item keys, overwrite semantics and ordering as the DynamoDB table), a
 * sink that keeps the highest version per result, a lookup over the memory catalog, and a queue
 * that records jobs.
 */
import type {
  Checkpoint,
  ClosedStateRecord,
  ClosedStateWrite,
  CloseJob,
  CloseQueue,
  CloseStore,
  PendingSession,
  SeriesLookup,
  SessionLedger,
  SessionStore,
} from '#app/close-ports.js';
import type { CorrectionMark, PartialWrite, SeriesMeta, WindowStore, WriteReport } from '#app/ports.js';
import type { ResultRecord, ResultSink, SinkReport, SupersededResult } from '#app/results.js';
import {
  decodeEmittedSession,
  decodeOpenSession,
  decodeSessionPane,
  type EmittedSession,
  encodeEmittedSession,
  encodeOpenSession,
  encodeSessionPane,
  type OpenSession,
  type SessionPane,
  sessionKey,
} from '#core/close/sessions.js';
import type { MemorySeriesCatalog } from './memory-ports.js';

function report(sizes: number[]): WriteReport {
  return {
    items: sizes.length,
    bytes: sizes.reduce((a, b) => a + b, 0),
    writeUnits: sizes.reduce((a, b) => a + Math.ceil(b / 1024), 0),
    itemSizes: sizes,
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const pk = (t: number, s: number, shard: number) => `${t}#${pad(s, 13)}#${pad(shard, 4)}`;

export class MemoryStateStore implements WindowStore, CloseStore {
  /** pk → (sk → data), pk = `tier#start#shard`, sk = `partialId#chunk`. */
  readonly partials = new Map<string, Map<string, Uint8Array>>();
  readonly closed = new Map<string, ClosedStateRecord>();
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly marks = new Map<string, CorrectionMark>();
  readonly markCauses = new Map<string, Set<string>>();
  /** Called at the start of every store call with its name; may throw to inject a fault. */
  fault: (call: string) => void = () => {};

  async writePartials(partials: readonly PartialWrite[]): Promise<WriteReport> {
    this.fault('writePartials');
    for (const p of partials) {
      const key = pk(p.tier, p.windowStartMs, p.shard);
      const items = this.partials.get(key) ?? new Map<string, Uint8Array>();
      this.partials.set(key, items);
      items.set(`${p.partialId}#${pad(p.chunk, 4)}`, p.data);
    }
    return report(partials.map((p) => p.data.length + 60));
  }

  async markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport> {
    this.fault('markCorrections');
    for (const m of marks) {
      const key = `${m.tier}|${pad(m.windowStartMs, 13)}#${pad(m.shard, 4)}`;
      this.marks.set(key, m);
      const causes = this.markCauses.get(key) ?? new Set<string>();
      causes.add(m.cause ?? 'mark');
      this.markCauses.set(key, causes);
    }
    return report(marks.map(() => 40));
  }

  async *readPartialData(tier: number, start: number, shard: number): AsyncIterable<readonly Uint8Array[]> {
    this.fault('readPartialData');
    const items = this.partials.get(pk(tier, start, shard));
    if (items === undefined) return;
    const sorted = [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
    for (let i = 0; i < sorted.length; i += 3) yield sorted.slice(i, i + 3);
  }

  async deletePartials(
    keys: readonly { tier: number; windowStartMs: number; shard: number; partialId: string; chunk: number }[],
  ): Promise<void> {
    this.fault('deletePartials');
    for (const k of keys)
      this.partials.get(pk(k.tier, k.windowStartMs, k.shard))?.delete(`${k.partialId}#${pad(k.chunk, 4)}`);
  }

  async readClosedState(tier: number, start: number, shard: number): Promise<ClosedStateRecord | undefined> {
    this.fault('readClosedState');
    return this.closed.get(pk(tier, start, shard));
  }

  async writeClosedState(write: ClosedStateWrite): Promise<void> {
    this.fault('writeClosedState');
    this.closed.set(pk(write.tier, write.windowStartMs, write.shard), {
      version: write.version,
      chunks: write.chunks,
      parentChunks: write.parentChunks,
    });
  }

  async checkpointedShards(tier: number): Promise<ReadonlySet<number>> {
    return new Set((await this.readCheckpoints(tier)).keys());
  }

  async readCheckpoints(tier: number): Promise<Map<number, Checkpoint>> {
    this.fault('readCheckpoints');
    const out = new Map<number, Checkpoint>();
    for (const c of this.checkpoints.values()) if (c.tier === tier) out.set(c.shard, c);
    return out;
  }

  async initCheckpoint(checkpoint: Checkpoint): Promise<Checkpoint> {
    this.fault('initCheckpoint');
    const key = `${checkpoint.tier}#${checkpoint.shard}`;
    const existing = this.checkpoints.get(key);
    if (existing !== undefined) return existing;
    this.checkpoints.set(key, checkpoint);
    return checkpoint;
  }

  async advanceCheckpoint(tier: number, shard: number, fromMs: number, toMs: number): Promise<boolean> {
    this.fault('advanceCheckpoint');
    const key = `${tier}#${shard}`;
    if (this.checkpoints.get(key)?.closedThroughMs !== fromMs) return false;
    this.checkpoints.set(key, { tier, shard, closedThroughMs: toMs });
    return true;
  }

  async listCorrectionMarks(tier: number, limit: number): Promise<CorrectionMark[]> {
    this.fault('listCorrectionMarks');
    return [...this.marks.entries()]
      .filter(([k]) => k.startsWith(`${tier}|`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([, m]) => m);
  }

  async readCorrectionMark(
    tier: number,
    start: number,
    shard: number,
  ): Promise<readonly string[] | undefined> {
    this.fault('readCorrectionMark');
    const causes = this.markCauses.get(`${tier}|${pad(start, 13)}#${pad(shard, 4)}`);
    return causes === undefined ? undefined : [...causes];
  }

  async clearCorrectionMark(
    tier: number,
    start: number,
    shard: number,
    seen?: readonly string[],
  ): Promise<void> {
    this.fault('clearCorrectionMark');
    const key = `${tier}|${pad(start, 13)}#${pad(shard, 4)}`;
    const causes = this.markCauses.get(key);
    if (seen !== undefined && causes !== undefined) {
      for (const c of seen) causes.delete(c);
      if (causes.size > 0) return;
    }
    this.marks.delete(key);
    this.markCauses.delete(key);
  }
}

/** Keeps, per (window, series, start), the record with the highest version, like both real sinks. */
export class MemorySink implements ResultSink {
  readonly records = new Map<string, ResultRecord>();
  writes = 0;
  fault: () => void = () => {};

  async write(records: readonly ResultRecord[]): Promise<SinkReport> {
    this.fault();
    this.writes++;
    for (const r of records) {
      const key = `${r.window}|${r.seriesId}|${r.startMs}`;
      const existing = this.records.get(key);
      if (existing === undefined || existing.version <= r.version) this.records.set(key, r);
    }
    return { written: records.length, rejected: 0, rejections: [] };
  }

  /** Deletes the superseded results (like the DynamoDB sink): a higher stored version stays. */
  async supersede(results: readonly SupersededResult[]): Promise<SinkReport> {
    this.fault();
    for (const r of results) {
      const key = `${r.window}|${r.seriesId}|${r.startMs}`;
      const existing = this.records.get(key);
      if (existing !== undefined && existing.version <= r.version) this.records.delete(key);
      this.superseded.push(r);
    }
    return { written: results.length, rejected: 0, rejections: [] };
  }

  /** Every supersede asked for, in order. */
  readonly superseded: SupersededResult[] = [];

  /** Records of one window name, ordered by start then series. */
  of(window: string): ResultRecord[] {
    return [...this.records.values()]
      .filter((r) => r.window === window)
      .sort((a, b) => a.startMs - b.startMs || (a.seriesId < b.seriesId ? -1 : 1));
  }
}

export class MemoryLookup implements SeriesLookup {
  constructor(private readonly catalog: MemorySeriesCatalog) {}

  async lookup(series: readonly { tenant: string; seriesId: string }[]): Promise<Map<string, SeriesMeta>> {
    const out = new Map<string, SeriesMeta>();
    for (const s of series) {
      const meta = this.catalog.series.get(`${s.tenant}#${s.seriesId}`);
      if (meta !== undefined) out.set(s.seriesId, meta);
    }
    return out;
  }
}

export class MemoryQueue implements CloseQueue {
  readonly jobs: CloseJob[] = [];

  async enqueue(jobs: readonly CloseJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }

  /** Takes every queued job. */
  drain(): CloseJob[] {
    return this.jobs.splice(0, this.jobs.length);
  }
}

interface Versioned {
  readonly version: number;
  readonly bytes: Uint8Array;
  readonly expiresAtSec: number;
}

export class MemorySessionStore implements SessionStore, SessionLedger {
  /** shard → key → encoded session (stored as bytes, like the table). */
  readonly items = new Map<number, Map<string, Uint8Array>>();
  /** `tenant#seriesId` → pane start → encoded pane record. */
  readonly panes = new Map<string, Map<number, Versioned>>();
  /** `tenant#seriesId#name` → start → encoded index record. */
  readonly emitted = new Map<string, Map<number, Versioned>>();
  /** shard → `tenant#seriesId#name#anchor` → pending session. */
  readonly pending = new Map<number, Map<string, PendingSession>>();
  /** Called at the start of every call with its name; may throw to inject a fault. */
  fault: (call: string) => void = () => {};

  async readOpenSessions(shard: number): Promise<OpenSession[]> {
    this.fault('readOpenSessions');
    return [...(this.items.get(shard) ?? new Map<string, Uint8Array>())].map(([key, bytes]) => {
      const [tenant = '', seriesId = '', name = ''] = key.split('#');
      return decodeOpenSession({ tenant, seriesId, name }, bytes);
    });
  }

  async writeOpenSessions(shard: number, sessions: readonly OpenSession[]): Promise<void> {
    this.fault('writeOpenSessions');
    const items = this.items.get(shard) ?? new Map<string, Uint8Array>();
    this.items.set(shard, items);
    for (const s of sessions) items.set(sessionKey(s), encodeOpenSession(s));
  }

  async deleteOpenSessions(
    shard: number,
    sessions: readonly { tenant: string; seriesId: string; name: string }[],
  ): Promise<void> {
    this.fault('deleteOpenSessions');
    for (const s of sessions) this.items.get(shard)?.delete(sessionKey(s));
  }

  async writePanes(panes: readonly { pane: SessionPane; expiresAtSec: number }[]): Promise<void> {
    this.fault('writePanes');
    for (const { pane, expiresAtSec } of panes) {
      putVersioned(this.panes, `${pane.tenant}#${pane.seriesId}`, pane.paneMs, {
        version: pane.version,
        bytes: encodeSessionPane(pane),
        expiresAtSec,
      });
    }
  }

  async readPanes(tenant: string, seriesId: string, fromMs: number, toMs: number): Promise<SessionPane[]> {
    this.fault('readPanes');
    return inRange(this.panes.get(`${tenant}#${seriesId}`), fromMs, toMs).map(([paneMs, v]) =>
      decodeSessionPane({ tenant, seriesId, paneMs, version: v.version }, v.bytes),
    );
  }

  async writeEmitted(records: readonly { session: EmittedSession; expiresAtSec: number }[]): Promise<void> {
    this.fault('writeEmitted');
    for (const { session, expiresAtSec } of records) {
      putVersioned(this.emitted, sessionKey(session), session.startMs, {
        version: session.version,
        bytes: encodeEmittedSession(session),
        expiresAtSec,
      });
    }
  }

  async readEmitted(
    tenant: string,
    seriesId: string,
    name: string,
    fromMs: number,
    toMs: number,
  ): Promise<EmittedSession[]> {
    this.fault('readEmitted');
    return inRange(this.emitted.get(sessionKey({ tenant, seriesId, name })), fromMs, toMs).map(
      ([startMs, v]) =>
        decodeEmittedSession({ tenant, seriesId, name, startMs, version: v.version }, v.bytes),
    );
  }

  /** Drops pane and index records past their `ttl` (DynamoDB's TTL, run on demand). */
  expire(nowSec: number): number {
    let dropped = 0;
    for (const map of [this.panes, this.emitted]) {
      for (const items of map.values()) {
        for (const [at, item] of items) {
          if (item.expiresAtSec < nowSec) {
            items.delete(at);
            dropped++;
          }
        }
      }
    }
    return dropped;
  }

  async readPending(shard: number): Promise<PendingSession[]> {
    this.fault('readPending');
    return [...(this.pending.get(shard)?.values() ?? [])];
  }

  async writePending(
    shard: number,
    pending: readonly { session: PendingSession; expiresAtSec: number }[],
  ): Promise<void> {
    this.fault('writePending');
    const items = this.pending.get(shard) ?? new Map<string, PendingSession>();
    this.pending.set(shard, items);
    for (const { session } of pending) items.set(`${sessionKey(session)}#${session.anchorMs}`, session);
  }

  async deletePending(shard: number, pending: readonly PendingSession[]): Promise<void> {
    this.fault('deletePending');
    const items = this.pending.get(shard);
    for (const p of pending) {
      const key = `${sessionKey(p)}#${p.anchorMs}`;
      if (items?.get(key)?.version === p.version) items.delete(key);
    }
  }
}

function putVersioned(
  map: Map<string, Map<number, Versioned>>,
  key: string,
  at: number,
  item: Versioned,
): void {
  const items = map.get(key) ?? new Map<number, Versioned>();
  map.set(key, items);
  const existing = items.get(at);
  if (existing === undefined || existing.version <= item.version) items.set(at, item);
}

function inRange(
  items: Map<number, Versioned> | undefined,
  fromMs: number,
  toMs: number,
): [number, Versioned][] {
  return [...(items ?? new Map<number, Versioned>())]
    .filter(([at]) => at >= fromMs && at < toMs)
    .sort(([a], [b]) => a - b);
}
