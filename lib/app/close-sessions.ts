import type { AggregateOptions, FinalStats } from '../core/aggregate/contract.js';
import { encodeTaggedState } from '../core/aggregate/registry.js';
import { decodeClosedState } from '../core/close/closed-state.js';
import type { MergedSeries } from '../core/close/merge.js';
import {
  advanceSessions,
  buildChain,
  chainFingerprint,
  chainState,
  type EmittedSession,
  foldFinal,
  matchesPattern,
  type OpenSession,
  type SessionActivity,
  type SessionBase,
  type SessionChain,
  type SessionPane,
  sessionKey,
  sessionPaneOf,
} from '../core/close/sessions.js';
import type { WindrowConfig } from '../core/config/config.js';
import { WindrowError } from '../core/errors.js';
import { parseDuration } from '../core/window/duration.js';
import type { PendingSession, SessionLedger, SessionStore } from './close-ports.js';
import type { SeriesMeta } from './ports.js';
import { type RecordWindow, resultRecord } from './result-records.js';
import type { ResultSink, SupersededResult } from './results.js';

/**
 * The session step of a first-tier close or re-close (DESIGN.md §6; the design is described in
 * lib/core/close/sessions.ts):
 *
 * - every close of a pane stores what the pane holds of each session series (a *pane record*, with
 *   the close's version); a re-close only for the series whose state changed;
 * - a first close advances the open sessions by the pane's activity; a session whose gap has passed
 *   is derived from its pane records (late data may have grown it) and emitted;
 * - a re-close derives the session around the re-closed pane for each changed series: if that
 *   session has ended it is emitted at once — with a version above every result it replaces, and
 *   the results it replaces (another start: the late point moved its start, or bridged two
 *   sessions) superseded; if it holds an open session, that session's emission will derive it
 *   (and a pending session is left too, which the series' next first close drops while the session
 *   is open: the close ending the session may have derived it just before the late pane record);
 *   otherwise it waits as a pending session that the series' next first closes emit once its gap
 *   has passed (the re-close never writes open sessions, which first closes own);
 * - emitted sessions are recorded in the session index (per series, config and start: bounds,
 *   version, fingerprint of what they were derived from) until no late point can reach them, so a
 *   derivation knows what it replaces, and one that finds the same fingerprint writes nothing.
 *
 * Cost: one small pane record per session series and pane; per session emitted, one Query of the
 * series' pane records around it and one of its index records (a re-close: the same per changed
 * series). Open sessions hold bounds only; panes older than the correction horizon plus a day are
 * folded into a base (a long session reads at most a few horizons of pane records).
 *
 * Idempotent: pane records are versioned and derivations are pure functions of what is stored, so a
 * close run again (after a crash anywhere, or delivered twice, in any order) derives the same sessions
 * and writes them again with a higher version, or writes nothing when the index already has them.
 * The caller writes the emitted records and supersedes to the sink before calling `commit`, which
 * stores the index, the open sessions and the pending ones: a crash in between emits again.
 *
 * Limits: two derivations of one series at the same moment (two workers) each write what they saw;
 * for a given start the higher version wins, but a delete cannot fence a slower write of an older
 * view, which may bring back a superseded result until the series' next changed derivation
 * supersedes it again (superseded index records are superseded again on every re-emission). Late
 * points of one request for several windows are re-closed window by window, so a session may first
 * be re-emitted with some of them and then again with all.
 *
 * Across a change of `shards` (lib/app/session-handover.ts) a re-close finds its series' open session
 * and closed panes wherever they are now, and puts a pending session where the series' next
 * first-tier closes read them; a first close reads only its own series' pending sessions.
 */
export interface SessionStepInput {
  readonly shard: number;
  readonly pane: { readonly startMs: number; readonly endMs: number };
  readonly merged: ReadonlyMap<string, MergedSeries>;
  readonly metas: ReadonlyMap<string, SeriesMeta>;
  readonly config: WindrowConfig;
  readonly options: AggregateOptions;
  /** The close's version: pane records carry it, and results are emitted with at least it. */
  readonly version: number;
  readonly nowMs: number;
  readonly correction?: SessionContext['correction'];
}

/** What the session step needs besides the pane (see {@link stepSessions}). */
export interface SessionContext {
  /** Pane records, the session index and pending sessions (usually the session store itself). */
  readonly ledger: SessionLedger;
  readonly nowMs: number;
  /** Set for a re-close of the pane. */
  readonly correction?: {
    /** The pane's closed state before this close (chunks), to tell which series changed. */
    readonly previousChunks: readonly Uint8Array[];
    /** Where the changed series' sessions are now (they may have moved shard since the pane). */
    readonly homes: SessionHomes;
  };
}

/**
 * Where a re-close finds the sessions of its series, which may have moved to another shard since the
 * re-closed pane (a change of `shards`: lib/app/session-handover.ts implements it).
 */
export interface SessionHomes {
  /**
   * The open sessions of these series wherever they are (by {@link sessionKey}), and per series id the
   * end of its last closed first-tier pane: its sessions ending before it are complete.
   */
  locate(series: readonly { tenant: string; seriesId: string }[]): Promise<{
    readonly open: ReadonlyMap<string, OpenSession>;
    readonly frontierEndMs: ReadonlyMap<string, number>;
  }>;
  /** Stores pending sessions where a later first-tier close of their series reads them. */
  writePending(pending: readonly { session: PendingSession; expiresAtSec: number }[]): Promise<void>;
}

/**
 * The gap of a session config name, also for a config no longer configured (`session:<gap>`);
 * `fallbackMs` when the name says none.
 */
export function sessionGapMs(config: WindrowConfig, name: string, fallbackMs: number): number {
  const gap = config.sessions.find((s) => s.name === name)?.gapMs;
  if (gap !== undefined) return gap;
  try {
    return parseDuration(name.slice(name.indexOf(':') + 1));
  } catch {
    return fallbackMs;
  }
}

/**
 * When a pending session's item may go: long after any late point can reach it (its pane, its gap,
 * then the horizon and the slack twice).
 */
export function pendingExpiresAtSec(
  config: WindrowConfig,
  tierSizeMs: number,
): (pending: PendingSession) => number {
  const finalAfterMs = config.correctionHorizonMs + FINAL_SLACK_MS;
  return (p) =>
    Math.ceil((p.anchorMs + tierSizeMs + sessionGapMs(config, p.name, tierSizeMs) + 2 * finalAfterMs) / 1000);
}

/**
 * The session store's ledger half (see {@link SessionLedger}): session stores implement both.
 *
 * @throws WindrowError when the store keeps only open sessions
 */
export function sessionLedgerOf(store: SessionStore): SessionLedger {
  const ledger = store as SessionStore & Partial<SessionLedger>;
  for (const method of LEDGER_METHODS) {
    if (typeof ledger[method] !== 'function') {
      throw new WindrowError(
        `the session store has no ${method}: sessions need pane records (SessionLedger)`,
      );
    }
  }
  return ledger as SessionStore & SessionLedger;
}

const LEDGER_METHODS = [
  'writePanes',
  'readPanes',
  'writeEmitted',
  'readEmitted',
  'readPending',
  'writePending',
  'deletePending',
] as const satisfies readonly (keyof SessionLedger)[];

/** A session result to write. */
export interface SessionEmit {
  readonly tenant: string;
  readonly seriesId: string;
  readonly window: RecordWindow;
  readonly stats: FinalStats;
}

/** A session result to supersede. */
export interface SessionSupersede {
  readonly tenant: string;
  readonly seriesId: string;
  readonly window: RecordWindow;
}

export interface SessionOutput {
  readonly emit: readonly SessionEmit[];
  readonly supersede: readonly SessionSupersede[];
  /** Supersedes through the sink (after the emitted records are written); returns the rejections. */
  writeSupersedes(sink: ResultSink, metas: ReadonlyMap<string, SeriesMeta>): Promise<number>;
  /** Persist after the sink writes: the session index, open sessions, pending sessions. */
  commit(): Promise<void>;
}

/** Panes older than the correction horizon plus this can receive no more data (partials are gone). */
const FINAL_SLACK_MS = 86_400_000;

/**
 * Runs the session step of one first-tier close (see the module comment).
 *
 * @example
 * const sessions = await stepSessions(store, shard, merged, metas, pane, config, options, version, { ledger: store, nowMs });
 * await sink.write(records(sessions.emit)); await sessions.writeSupersedes(sink, metas); await sessions.commit();
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
  context: SessionContext,
): Promise<SessionOutput> {
  const input: SessionStepInput = {
    shard,
    pane,
    merged,
    metas,
    config,
    options,
    version,
    nowMs: context.nowMs,
    ...(context.correction === undefined ? {} : { correction: context.correction }),
  };
  const gaps = new Map(config.sessions.map((s) => [s.name, s.gapMs]));
  const active: SessionActivity[] = [];
  const sessionSeries = new Map<string, MergedSeries>();
  for (const series of input.merged.values()) {
    const meta = input.metas.get(series.seriesId);
    if (meta === undefined) continue;
    for (const s of config.sessions) {
      if (!matchesPattern(s.match, meta.metric.name)) continue;
      active.push({ series, name: s.name, gapMs: s.gapMs });
      sessionSeries.set(series.seriesId, series);
    }
  }
  const work = new SessionWork(store, context.ledger, input, gaps);
  if (input.correction !== undefined) {
    const previous = new Map<string, Uint8Array>();
    for (const entry of decodeClosedState(input.correction.previousChunks)) {
      if (entry.merged !== undefined && sessionSeries.has(entry.seriesId)) {
        previous.set(entry.seriesId, encodeTaggedState(entry.merged.kind, entry.merged.state));
      }
    }
    const changed = new Set<string>();
    for (const series of sessionSeries.values()) {
      const before = previous.get(series.seriesId);
      if (before === undefined || !sameBytes(before, encodeTaggedState(series.kind, series.state))) {
        changed.add(series.seriesId);
      }
    }
    return work.correction(
      active.filter((a) => changed.has(a.series.seriesId)),
      [...changed].map((id) => sessionSeries.get(id) as MergedSeries),
      input.correction.homes,
    );
  }
  return work.firstClose(active, [...sessionSeries.values()]);
}

interface Derived {
  readonly chain: SessionChain;
  /** Index records starting inside the session. */
  readonly records: readonly EmittedSession[];
}

/** One close's session work: what it derived, and what it will write. */
class SessionWork {
  private readonly emits: SessionEmit[] = [];
  private readonly supersedes: SessionSupersede[] = [];
  /** Index records to write, by series key and start (later plans in this step see them). */
  private readonly planned = new Map<string, Map<number, EmittedSession>>();
  private readonly tierSizeMs: number;
  private readonly finalAfterMs: number;

  constructor(
    private readonly sessions: SessionStore,
    private readonly store: SessionLedger,
    private readonly input: SessionStepInput,
    private readonly gaps: ReadonlyMap<string, number>,
  ) {
    this.tierSizeMs = input.pane.endMs - input.pane.startMs;
    this.finalAfterMs = input.config.correctionHorizonMs + FINAL_SLACK_MS;
  }

  /** The gap of a config name, also for a config no longer configured (`session:<gap>`). */
  gapOf(name: string): number {
    return this.gaps.get(name) ?? sessionGapMs(this.input.config, name, this.tierSizeMs);
  }

  private get maxGapMs(): number {
    return Math.max(this.tierSizeMs, ...this.gaps.values());
  }

  /** Panes starting before this cannot change any more (their partials are gone). */
  private get finalBeforeMs(): number {
    return this.input.nowMs - this.finalAfterMs - this.tierSizeMs;
  }

  async writePanes(series: readonly MergedSeries[]): Promise<void> {
    if (series.length === 0) return;
    const { startMs, endMs } = this.input.pane;
    // Long enough for a session open for two horizons, then emitted and corrected a horizon later.
    const keepMs = 3 * this.finalAfterMs + this.maxGapMs;
    const expiresAtSec = Math.ceil((endMs + keepMs) / 1000);
    await this.store.writePanes(
      series.map((s) => ({ pane: sessionPaneOf(s, startMs, endMs, this.input.version), expiresAtSec })),
    );
  }

  /**
   * The session of (series, config) holding pane `anchorMs`: reads the series' pane records and
   * index records around it, widening the range until the session's ends are inside it.
   */
  async derive(
    key: { tenant: string; seriesId: string; name: string },
    anchorMs: number,
    open: OpenSession | undefined,
  ): Promise<Derived | undefined> {
    const gapMs = this.gapOf(key.name);
    let reach = 16 * Math.max(gapMs, this.tierSizeMs);
    let lo = Math.max(0, anchorMs - reach);
    let hi = anchorMs + this.tierSizeMs + reach;
    for (;;) {
      const [panes, stored] = await Promise.all([
        this.store.readPanes(key.tenant, key.seriesId, lo, hi),
        this.store.readEmitted(key.tenant, key.seriesId, key.name, lo, hi),
      ]);
      const records = this.withPlanned(key, stored, lo, hi);
      const bases: SessionBase[] = [];
      for (const r of records) if (!r.superseded && r.base !== undefined) bases.push(r.base);
      if (open?.base !== undefined) bases.push(open.base);
      const chain = buildChain(panes, bases, anchorMs, gapMs);
      if (chain === undefined) return undefined;
      const lower = lo > 0 && chain.firstEventMs - gapMs < lo;
      const upper = chain.lastEventMs + gapMs >= hi;
      if (!lower && !upper) {
        return {
          chain,
          records: records.filter((r) => r.startMs >= chain.firstEventMs && r.startMs <= chain.lastEventMs),
        };
      }
      reach *= 4;
      if (lower) lo = Math.max(0, Math.min(lo, chain.firstEventMs - gapMs) - reach);
      if (upper) hi = Math.max(hi, chain.lastEventMs + gapMs + 1) + reach;
    }
  }

  private withPlanned(
    key: { tenant: string; seriesId: string; name: string },
    stored: readonly EmittedSession[],
    lo: number,
    hi: number,
  ): EmittedSession[] {
    const planned = this.planned.get(sessionKey(key));
    if (planned === undefined) return [...stored];
    const byStart = new Map(stored.map((r) => [r.startMs, r]));
    for (const [start, r] of planned) if (start >= lo && start < hi) byStart.set(start, r);
    return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * Emits a derived session unless the index already holds it as derived: the result at its first
   * event, with a version above every index record it replaces, and the other results starting
   * inside it superseded.
   */
  emit(of: { tenant: string; seriesId: string; name: string }, derived: Derived): void {
    const key = { tenant: of.tenant, seriesId: of.seriesId, name: of.name };
    const { chain, records } = derived;
    const gapMs = this.gapOf(key.name);
    const fingerprint = chainFingerprint(chain);
    const at = records.find((r) => r.startMs === chain.firstEventMs);
    const live = records.filter((r) => !r.superseded && r.startMs !== chain.firstEventMs);
    if (at !== undefined && !at.superseded && at.fingerprint === fingerprint && live.length === 0) return;
    // Superseded ones again too: a slower worker's older view may have written one back meanwhile.
    const others = records.filter((r) => r.startMs !== chain.firstEventMs);
    const merged = chainState(chain, this.input.options);
    if (merged === undefined) return;
    const version = Math.max(this.input.version, ...records.map((r) => r.version + 1));
    const window = (startMs: number, lastEventMs: number): RecordWindow => ({
      window: key.name,
      windowKind: 'session',
      startMs,
      endMs: lastEventMs + gapMs,
      version,
    });
    const main = window(chain.firstEventMs, chain.lastEventMs);
    this.emits.push({
      tenant: key.tenant,
      seriesId: key.seriesId,
      window: main,
      stats: merged.kind.finalize(merged.state, {
        windowStartMs: main.startMs,
        windowEndMs: main.endMs,
        percentiles: this.input.config.percentiles,
      }),
    });
    const plan = this.planned.get(sessionKey(key)) ?? new Map<number, EmittedSession>();
    this.planned.set(sessionKey(key), plan);
    for (const old of others) {
      this.supersedes.push({
        tenant: key.tenant,
        seriesId: key.seriesId,
        window: window(old.startMs, old.lastEventMs),
      });
      const { base: _dropped, ...rest } = old;
      plan.set(old.startMs, { ...rest, version, superseded: true });
    }
    const base = foldFinal(chain, this.finalBeforeMs, this.input.options);
    plan.set(chain.firstEventMs, {
      ...key,
      startMs: chain.firstEventMs,
      lastEventMs: chain.lastEventMs,
      version,
      fingerprint,
      superseded: false,
      ...(base === undefined ? {} : { base }),
    });
  }

  /** A first close: advance the open sessions, emit those that ended, and the pending ones now due. */
  async firstClose(
    active: readonly SessionActivity[],
    series: readonly MergedSeries[],
  ): Promise<SessionOutput> {
    const { shard, pane } = this.input;
    await this.writePanes(series);
    const [openList, pending] = await Promise.all([
      this.sessions.readOpenSessions(shard),
      this.store.readPending(shard),
    ]);
    if (openList.length === 0 && active.length === 0 && pending.length === 0)
      return this.output([], [], [], []);
    const open = new Map(openList.map((s) => [sessionKey(s), s]));
    const step = advanceSessions(open, active, pane.startMs, pane.endMs, this.gaps);
    const upserts = new Map(step.upsert.map((s) => [sessionKey(s), s]));
    const deletes = new Map<string, OpenSession>();
    for (const ended of step.ended) {
      const key = sessionKey(ended);
      const next = upserts.get(key);
      const derived = await this.derive(ended, ended.lastPaneMs, ended);
      if (derived === undefined) {
        if (next === undefined) deletes.set(key, ended);
        continue;
      }
      const { chain } = derived;
      if (next !== undefined && chain.panes.some((p) => p.paneMs === pane.startMs)) {
        // Late data filled the silence: the activity of this pane continues the session.
        upserts.set(key, {
          ...ended,
          firstEventMs: Math.min(ended.firstEventMs, chain.firstEventMs),
          lastEventMs: Math.max(chain.lastEventMs, next.lastEventMs),
          lastPaneMs: pane.startMs,
        });
      } else if (chain.lastEventMs + this.gapOf(ended.name) < pane.endMs) {
        this.emit(ended, derived);
        if (next === undefined) deletes.set(key, ended);
      } else {
        // Late data moved its last event: not ended yet.
        upserts.set(key, { ...ended, firstEventMs: chain.firstEventMs, lastEventMs: chain.lastEventMs });
      }
    }
    // A long session folds the panes that can no longer change, so its pane records may expire.
    const sealBeforeMs = this.input.nowMs - 2 * this.finalAfterMs;
    for (const [key, session] of upserts) {
      if ((session.base?.throughMs ?? session.firstEventMs) >= sealBeforeMs) continue;
      const derived = await this.derive(session, session.lastPaneMs, session);
      const base =
        derived === undefined ? undefined : foldFinal(derived.chain, this.finalBeforeMs, this.input.options);
      if (base !== undefined) upserts.set(key, { ...session, base });
    }
    const openAfter = new Map(open);
    for (const key of deletes.keys()) openAfter.delete(key);
    for (const [key, s] of upserts) openAfter.set(key, s);
    const done: PendingSession[] = [];
    for (const p of pending) {
      const session = openAfter.get(sessionKey(p));
      const derived = await this.derive(p, p.anchorMs, session);
      if (derived === undefined) {
        done.push(p);
        continue;
      }
      const { chain } = derived;
      if (session !== undefined && holdsOpen(chain, session)) {
        done.push(p); // the open session's emission derives it
      } else if (chain.lastEventMs + this.gapOf(p.name) < pane.endMs) {
        this.emit(p, derived);
        done.push(p);
      }
    }
    for (const key of upserts.keys()) deletes.delete(key);
    return this.output([...upserts.values()], [...deletes.values()], [], done);
  }

  /**
   * A re-close: derive the sessions around the pane of every changed series. The series' open
   * sessions are read after its pane records are written, wherever they are (`homes`).
   */
  async correction(
    active: readonly SessionActivity[],
    series: readonly MergedSeries[],
    homes: SessionHomes,
  ): Promise<SessionOutput> {
    if (active.length === 0) return this.output([], [], [], []);
    await this.writePanes(series);
    const { pane } = this.input;
    const located = await homes.locate(series);
    const waiting: PendingSession[] = [];
    const seen = new Set<string>();
    for (const { series: s, name } of active) {
      const key = { tenant: s.tenant, seriesId: s.seriesId, name };
      if (seen.has(sessionKey(key))) continue;
      seen.add(sessionKey(key));
      const session = located.open.get(sessionKey(key));
      const derived = await this.derive(key, pane.startMs, session);
      if (derived === undefined) continue;
      const pending = { ...key, anchorMs: pane.startMs, version: this.input.version };
      if (session !== undefined && holdsOpen(derived.chain, session)) {
        // Its emission derives it when it ends. Pending as well: the close ending it may have derived
        // it before this pane record was written (and delete it after this read); the series' next
        // first close then emits it again, or finds it still open and drops the pending one.
        waiting.push(pending);
        continue;
      }
      const frontierEndMs = located.frontierEndMs.get(s.seriesId) ?? pane.endMs;
      if (derived.chain.lastEventMs + this.gapOf(name) < frontierEndMs) this.emit(key, derived);
      else waiting.push(pending);
    }
    return this.output([], [], waiting, [], homes);
  }

  private output(
    upserts: readonly OpenSession[],
    deletes: readonly OpenSession[],
    waiting: readonly PendingSession[],
    done: readonly PendingSession[],
    homes?: SessionHomes,
  ): SessionOutput {
    const { store, sessions, input } = this;
    const indexWrites: { session: EmittedSession; expiresAtSec: number }[] = [];
    for (const plan of this.planned.values()) {
      for (const session of plan.values()) {
        const gapMs = this.gapOf(session.name);
        // Until no late point can reach it: its gap, then the horizon (and the slack) after that.
        const expiresAtSec = Math.ceil((session.lastEventMs + gapMs + 2 * this.finalAfterMs) / 1000);
        indexWrites.push({ session, expiresAtSec });
      }
    }
    const supersedes = this.supersedes;
    return {
      emit: this.emits,
      supersede: supersedes,
      async writeSupersedes(sink, metas) {
        if (supersedes.length === 0) return 0;
        const results: SupersededResult[] = [];
        for (const s of supersedes) {
          const meta = metas.get(s.seriesId);
          if (meta === undefined || meta.tenant !== s.tenant) continue;
          const { stats: _none, ...result } = resultRecord(meta, s.window, { count: 0 });
          results.push(result);
        }
        if (results.length === 0) return 0;
        return (await sink.supersede(results)).rejected;
      },
      commit: async () => {
        if (indexWrites.length > 0) await store.writeEmitted(indexWrites);
        if (upserts.length > 0) await sessions.writeOpenSessions(input.shard, upserts);
        if (deletes.length > 0) await sessions.deleteOpenSessions(input.shard, deletes);
        if (waiting.length > 0) {
          const expiresAtSec = pendingExpiresAtSec(input.config, this.tierSizeMs);
          const writes = waiting.map((session) => ({ session, expiresAtSec: expiresAtSec(session) }));
          await (homes === undefined ? store.writePending(input.shard, writes) : homes.writePending(writes));
        }
        if (done.length > 0) await store.deletePending(input.shard, done);
      },
    };
  }
}

/** Whether a derived session holds an open session (its last pane, or its base for an old item). */
function holdsOpen(chain: SessionChain, open: OpenSession): boolean {
  if (chain.panes.some((p: SessionPane) => p.paneMs === open.lastPaneMs)) return true;
  return open.base !== undefined && chain.bases.includes(open.base);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
