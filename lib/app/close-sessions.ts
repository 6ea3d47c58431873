import type { AggregateOptions } from '../core/aggregate/contract.js';
import type { MergedSeries } from '../core/close/merge.js';
import {
  advanceSessions,
  matchesPattern,
  type OpenSession,
  type SessionActivity,
  sessionKey,
} from '../core/close/sessions.js';
import type { WindrowConfig } from '../core/config/config.js';
import type { SessionStore } from './close-ports.js';
import type { SeriesMeta } from './ports.js';
import type { RecordWindow } from './result-records.js';

export interface SessionOutput {
  /** Ended sessions to emit, with their record window and finalized stats. */
  readonly emit: { session: OpenSession; window: RecordWindow }[];
  /** Persist after the sink write: sessions to store and to delete. */
  commit(): Promise<void>;
}

/**
 * The session step of a first-tier close: reads the shard's open sessions, advances them by this
 * pane and returns the sessions that ended (to emit) and a `commit` that stores the rest. The
 * caller writes the emitted records to the sink before calling `commit`, so a crash in between
 * re-emits the same sessions on retry, and a crash after it never loses an emitted one.
 */
export async function stepSessions(
  store: SessionStore,
  shard: number,
  merged: ReadonlyMap<string, MergedSeries>,
  metas: ReadonlyMap<string, SeriesMeta>,
  pane: { startMs: number; endMs: number },
  config: WindrowConfig,
  options: AggregateOptions,
  version: number,
): Promise<SessionOutput> {
  const open = new Map<string, OpenSession>();
  for (const s of await store.readOpenSessions(shard)) open.set(sessionKey(s), s);
  const active: SessionActivity[] = [];
  for (const series of merged.values()) {
    const meta = metas.get(series.seriesId);
    if (meta === undefined) continue;
    for (const s of config.sessions) {
      if (matchesPattern(s.match, meta.metric.name)) active.push({ series, name: s.name, gapMs: s.gapMs });
    }
  }
  if (open.size === 0 && active.length === 0) return { emit: [], commit: async () => {} };
  const gaps = new Map(config.sessions.map((s) => [s.name, s.gapMs]));
  const step = advanceSessions(open, active, pane.startMs, pane.endMs, gaps, options);
  const emit = step.ended.map((session) => ({
    session,
    window: {
      window: session.name,
      windowKind: 'session' as const,
      startMs: session.firstEventMs,
      endMs: session.lastEventMs + (gaps.get(session.name) ?? 0),
      version,
    },
  }));
  const kept = new Set(step.upsert.map(sessionKey));
  return {
    emit,
    commit: async () => {
      if (step.upsert.length > 0) await store.writeOpenSessions(shard, step.upsert);
      const gone = step.ended.filter((s) => !kept.has(sessionKey(s)));
      if (gone.length > 0) await store.deleteOpenSessions(shard, gone);
    },
  };
}
