import type { AggregateKind, AggregateOptions } from '../aggregate/contract.js';
import type { CumulativeState } from '../aggregate/cumulative.js';
import { cumulativeKind } from '../aggregate/cumulative.js';
import { type NumberState, numberKind } from '../aggregate/number.js';
import { readTaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import type { MergedSeries } from './merge.js';

/**
 * Session windows `{match, gap}` (DESIGN.md §6): a session of a series is a run of activity with no
 * silence longer than `gap`, emitted as `[firstEvent, lastEvent + gap)` (the usual session-window
 * bounds, as in Flink and Beam). Sessions are built from first-tier windows (panes): `gap` ≥ the
 * pane size means no gap fits inside a pane, so a pane's first and last event times are enough, and
 * a session holds whole panes of its series.
 *
 * Design (late data, issue 11): a session's stats are never kept as one running state that a late
 * point could not be added to without counting a pane twice. Instead the closing side keeps, per
 * series and pane, what the pane holds ({@link SessionPane}: its event span and merged state, written
 * by every close of the pane with the close's version, the newer version winning), and a session is
 * *derived* from the panes around it whenever it is emitted ({@link buildChain}): the maximal run of
 * panes whose events are at most `gap` apart. A late point re-closes its pane, which rewrites the
 * pane's record and derives again the session around it: the same session with more data, a
 * session that starts earlier, two sessions bridged into one, or a new session. Deriving is a pure
 * function of the stored panes, so running it again (a retried or duplicated close) gives the same
 * session, and it reads only the panes of that one series near the late point.
 *
 * Open sessions ({@link OpenSession}, one per series and session config) keep only bounds: they say
 * which sessions may end at the next pane. Panes older than the correction horizon (plus a day of
 * slack) cannot change any more, so a long session folds them into a {@link SessionBase} and later
 * derivations start from it: pane records need only live a few horizons, however long a session.
 */
export interface OpenSession {
  readonly tenant: string;
  readonly seriesId: string;
  /** The session config's name, `session:<gap>`. */
  readonly name: string;
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  /** Start of the last pane merged in: a replayed pane (a retried close) is never merged twice. */
  readonly lastPaneMs: number;
  /** The session's panes before `base.throughMs`, folded (they can no longer change). */
  readonly base?: SessionBase;
}

/** Folded panes of a session: every pane with a start below `throughMs` whose events are in the span. */
export interface SessionBase {
  readonly throughMs: number;
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

/** What one pane (first-tier window) holds of one series, as its latest close saw it. */
export interface SessionPane {
  readonly tenant: string;
  readonly seriesId: string;
  readonly paneMs: number;
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  /** The version of the close that wrote it: a higher version replaces a lower one. */
  readonly version: number;
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
}

/**
 * A session result as emitted (the session index): what a later derivation must replace or supersede.
 * Kept per (series, session config, start) until no late point can reach it any more.
 */
export interface EmittedSession {
  readonly tenant: string;
  readonly seriesId: string;
  readonly name: string;
  /** The result's window start: the session's first event. */
  readonly startMs: number;
  readonly lastEventMs: number;
  /** The version the result was written (or superseded) with. */
  readonly version: number;
  /** {@link chainFingerprint} of what it was derived from: equal means nothing changed. */
  readonly fingerprint: string;
  /** True once a later derivation replaced it (a session starting elsewhere now holds its events). */
  readonly superseded: boolean;
  /** Its folded panes, for derivations after the pane records are gone. */
  readonly base?: SessionBase;
}

/** First and last event time of a series in a pane: exact for numbers and cumulative series. */
export function eventSpan(series: MergedSeries, paneStartMs: number, paneEndMs: number) {
  if (series.kind === numberKind) {
    const s = series.state as NumberState;
    if (s.count > 0) return { firstMs: s.first.timeMs, lastMs: s.last.timeMs };
  } else if (series.kind === cumulativeKind) {
    const runs = (series.state as CumulativeState).runs;
    if (runs.length > 0) {
      let firstMs = Number.POSITIVE_INFINITY;
      let lastMs = Number.NEGATIVE_INFINITY;
      for (const r of runs) {
        firstMs = Math.min(firstMs, r.first.timeMs);
        lastMs = Math.max(lastMs, r.last.timeMs);
      }
      return { firstMs, lastMs };
    }
  }
  // Histogram states keep no event times: the pane's bounds stand in (exact to a pane).
  return { firstMs: paneStartMs, lastMs: paneEndMs - 1 };
}

/** The pane record of a series' merged state (the state is shared, not copied: do not mutate). */
export function sessionPaneOf(
  series: MergedSeries,
  paneStartMs: number,
  paneEndMs: number,
  version: number,
): SessionPane {
  const span = eventSpan(series, paneStartMs, paneEndMs);
  return {
    tenant: series.tenant,
    seriesId: series.seriesId,
    paneMs: paneStartMs,
    // Clamped into the pane: a corrupt time could otherwise put a pane's events in another pane.
    firstEventMs: Math.min(Math.max(span.firstMs, paneStartMs), paneEndMs - 1),
    lastEventMs: Math.min(Math.max(span.lastMs, paneStartMs), paneEndMs - 1),
    version,
    kind: series.kind,
    state: series.state,
  };
}

export interface SessionActivity {
  readonly series: MergedSeries;
  readonly name: string;
  readonly gapMs: number;
}

export interface SessionStep {
  /** Sessions to store (new or extended). */
  readonly upsert: OpenSession[];
  /**
   * Sessions that may have ended (no activity past `lastEvent + gap`, or activity after a longer
   * silence): the caller derives each from its panes to know (late data may have extended it).
   */
  readonly ended: OpenSession[];
}

/** `tenant#seriesId#name`: one open session per series and session config. */
export function sessionKey(s: { tenant: string; seriesId: string; name: string }): string {
  return `${s.tenant}#${s.seriesId}#${s.name}`;
}

/**
 * Advances the open sessions of one shard by one closed pane, by their bounds: extends or starts the
 * sessions of the series active in it, and lists as ended those whose `lastEvent + gap` is before the
 * pane's end. Replaying a pane (a retried close) changes nothing a second time.
 *
 * @example
 * const { upsert, ended } = advanceSessions(open, activity, paneStart, paneEnd, gaps);
 */
export function advanceSessions(
  open: ReadonlyMap<string, OpenSession>,
  active: readonly SessionActivity[],
  paneStartMs: number,
  paneEndMs: number,
  gaps: ReadonlyMap<string, number>,
): SessionStep {
  const upsert: OpenSession[] = [];
  const ended: OpenSession[] = [];
  const touched = new Set<string>();
  for (const { series, name, gapMs } of active) {
    const key = sessionKey({ ...series, name });
    if (touched.has(key)) continue; // two patterns of one config name: one session
    touched.add(key);
    const span = eventSpan(series, paneStartMs, paneEndMs);
    const current = open.get(key);
    if (current !== undefined && current.lastPaneMs >= paneStartMs) continue; // replayed pane
    if (current !== undefined && span.firstMs - current.lastEventMs <= gapMs) {
      upsert.push({
        ...current,
        lastEventMs: Math.max(current.lastEventMs, span.lastMs),
        lastPaneMs: paneStartMs,
      });
      continue;
    }
    if (current !== undefined) ended.push(current);
    upsert.push({
      tenant: series.tenant,
      seriesId: series.seriesId,
      name,
      firstEventMs: span.firstMs,
      lastEventMs: span.lastMs,
      lastPaneMs: paneStartMs,
    });
  }
  for (const [key, session] of open) {
    if (touched.has(key)) continue;
    const gapMs = gaps.get(session.name);
    if (gapMs === undefined || session.lastEventMs + gapMs < paneEndMs) ended.push(session);
  }
  return { upsert, ended };
}

/** A session as derived from its panes (and folded bases), see {@link buildChain}. */
export interface SessionChain {
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  /** Pane records in the session, by pane start. */
  readonly panes: readonly SessionPane[];
  /** Folded bases in the session (normally at most one, at its start). */
  readonly bases: readonly SessionBase[];
}

interface Segment {
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  readonly pane?: SessionPane;
  readonly base?: SessionBase;
}

/** Whether a base already holds a pane (a folded pane, still stored until its record expires). */
function covers(base: SessionBase, pane: SessionPane): boolean {
  return (
    pane.paneMs < base.throughMs &&
    pane.lastEventMs >= base.firstEventMs &&
    pane.firstEventMs <= base.lastEventMs
  );
}

/**
 * The session of one series and config that holds pane `anchorPaneMs`: the maximal run of panes (and
 * bases) whose events are at most `gapMs` apart, or undefined when no pane or base holds that pane.
 * Pane records a base already holds are left out; two records of one pane keep the higher version.
 *
 * @example
 * const chain = buildChain(panes, bases, lateWindowStart, 2_000);
 * // chain.firstEventMs … chain.lastEventMs: the session's events; chainState(chain, options): its state
 */
export function buildChain(
  panes: readonly SessionPane[],
  bases: readonly SessionBase[],
  anchorPaneMs: number,
  gapMs: number,
): SessionChain | undefined {
  const byPane = new Map<number, SessionPane>();
  for (const p of panes) {
    const seen = byPane.get(p.paneMs);
    if (seen === undefined || p.version > seen.version) byPane.set(p.paneMs, p);
  }
  const uniqueBases = new Map<string, SessionBase>();
  for (const b of bases) uniqueBases.set(`${b.firstEventMs}#${b.throughMs}`, b);
  const baseList = [...uniqueBases.values()];
  const segments: Segment[] = [];
  for (const b of baseList)
    segments.push({ firstEventMs: b.firstEventMs, lastEventMs: b.lastEventMs, base: b });
  for (const p of byPane.values()) {
    if (baseList.some((b) => covers(b, p))) continue;
    segments.push({ firstEventMs: p.firstEventMs, lastEventMs: p.lastEventMs, pane: p });
  }
  segments.sort((a, b) => a.firstEventMs - b.firstEventMs || a.lastEventMs - b.lastEventMs);
  const isAnchor = (s: Segment) =>
    s.pane !== undefined
      ? s.pane.paneMs === anchorPaneMs
      : s.base !== undefined &&
        anchorPaneMs < s.base.throughMs &&
        anchorPaneMs <= s.base.lastEventMs &&
        anchorPaneMs + gapMs >= s.base.firstEventMs;
  let run: Segment[] = [];
  let runLast = Number.NEGATIVE_INFINITY;
  let found = false;
  for (const s of segments) {
    if (run.length > 0 && s.firstEventMs - runLast > gapMs) {
      if (found) break;
      run = [];
      runLast = Number.NEGATIVE_INFINITY;
    }
    run.push(s);
    runLast = Math.max(runLast, s.lastEventMs);
    if (isAnchor(s)) found = true;
  }
  if (!found || run.length === 0) return undefined;
  return {
    firstEventMs: Math.min(...run.map((s) => s.firstEventMs)),
    lastEventMs: runLast,
    panes: run.flatMap((s) => (s.pane === undefined ? [] : [s.pane])).sort((a, b) => a.paneMs - b.paneMs),
    bases: run.flatMap((s) => (s.base === undefined ? [] : [s.base])),
  };
}

/** The merged state of a session (a new state: the panes' and bases' states are not changed). */
export function chainState(
  chain: SessionChain,
  options: AggregateOptions,
): { kind: AggregateKind<unknown>; state: unknown } | undefined {
  const parts = [...chain.bases, ...chain.panes];
  const kind = parts[0]?.kind;
  if (kind === undefined) return undefined;
  const state = kind.empty();
  for (const part of parts) {
    if (part.kind !== kind) {
      throw new StateCodecError(
        `session of ${chain.panes[0]?.seriesId ?? '?'} mixes ${kind.name} and ${part.kind.name} states`,
      );
    }
    kind.mergeInto(state, part.state, options);
  }
  return { kind, state };
}

/**
 * The session's panes that start before `finalBeforeMs` (panes no late point can reach any more),
 * folded into one base together with the bases already in it; undefined when there is nothing to fold.
 */
export function foldFinal(
  chain: SessionChain,
  finalBeforeMs: number,
  options: AggregateOptions,
): SessionBase | undefined {
  const panes = chain.panes.filter((p) => p.paneMs < finalBeforeMs);
  if (panes.length === 0) return chain.bases.length === 1 ? chain.bases[0] : mergeBases(chain.bases, options);
  const folded = chainState({ ...chain, panes }, options);
  if (folded === undefined) return undefined;
  const parts = [...chain.bases, ...panes];
  return {
    throughMs: Math.max(...chain.bases.map((b) => b.throughMs), ...panes.map((p) => p.paneMs + 1)),
    firstEventMs: Math.min(...parts.map((p) => p.firstEventMs)),
    lastEventMs: Math.max(...parts.map((p) => p.lastEventMs)),
    ...folded,
  };
}

function mergeBases(bases: readonly SessionBase[], options: AggregateOptions): SessionBase | undefined {
  if (bases.length === 0) return undefined;
  const merged = chainState({ firstEventMs: 0, lastEventMs: 0, panes: [], bases }, options);
  if (merged === undefined) return undefined;
  return {
    throughMs: Math.max(...bases.map((b) => b.throughMs)),
    firstEventMs: Math.min(...bases.map((b) => b.firstEventMs)),
    lastEventMs: Math.max(...bases.map((b) => b.lastEventMs)),
    ...merged,
  };
}

/**
 * What a session was derived from, as a short string: its bases' bounds and its panes' starts and
 * versions (a pane's content only changes with a higher version). Equal fingerprints, equal sessions.
 */
export function chainFingerprint(chain: SessionChain): string {
  const parts = [
    ...chain.bases.map((b) => `b${b.throughMs}.${b.firstEventMs}.${b.lastEventMs}`),
    ...chain.panes.map((p) => `p${p.paneMs}.${p.version}`),
  ].sort();
  return `${chain.firstEventMs}.${chain.lastEventMs}:${fnv1a64(parts.join(','))}`;
}

/** FNV-1a, 64 bits, as 16 hex digits (not cryptographic: it only tells derivations apart). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** v1: bounds, last pane, the running state (read back as a base). v2: bounds, last pane, a base. */
const SESSION_CODEC_V1 = 1;
const SESSION_CODEC_V2 = 2;

function writeBase(base: SessionBase | undefined, out: ByteWriter): void {
  out.u8(base === undefined ? 0 : 1);
  if (base === undefined) return;
  out.uvarint(base.throughMs);
  out.uvarint(base.firstEventMs);
  out.uvarint(base.lastEventMs - base.firstEventMs);
  writeTaggedState(base.kind, base.state, out);
}

function readBase(input: ByteReader): SessionBase | undefined {
  const flag = input.u8();
  if (flag === 0) return undefined;
  if (flag !== 1) throw new StateCodecError(`unknown session base flag ${flag}`);
  const throughMs = input.uvarint();
  const firstEventMs = input.uvarint();
  const lastEventMs = firstEventMs + input.uvarint();
  const { kind, state } = readTaggedState(input);
  return { throughMs, firstEventMs, lastEventMs, kind, state };
}

/** An open session as item bytes (the key holds tenant, series and name). */
export function encodeOpenSession(session: OpenSession): Uint8Array {
  const out = new ByteWriter(64);
  out.u8(SESSION_CODEC_V2);
  out.uvarint(session.firstEventMs);
  out.uvarint(session.lastEventMs - session.firstEventMs);
  out.uvarint(session.lastPaneMs);
  writeBase(session.base, out);
  return out.finish();
}

/**
 * Inverse of {@link encodeOpenSession}. Items written before sessions were derived from panes (v1)
 * hold the session's running state: it comes back as a base through the last pane, so the panes it
 * holds (which have no pane records) are never needed again.
 */
export function decodeOpenSession(
  key: { tenant: string; seriesId: string; name: string },
  bytes: Uint8Array,
): OpenSession {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== SESSION_CODEC_V1 && version !== SESSION_CODEC_V2) {
    throw new StateCodecError(`unknown session version ${version}`);
  }
  const firstEventMs = input.uvarint();
  const lastEventMs = firstEventMs + input.uvarint();
  const lastPaneMs = input.uvarint();
  let base: SessionBase | undefined;
  if (version === SESSION_CODEC_V1) {
    const { kind, state } = readTaggedState(input);
    base = { throughMs: lastPaneMs + 1, firstEventMs, lastEventMs, kind, state };
  } else {
    base = readBase(input);
  }
  if (!input.done) throw new StateCodecError('trailing bytes after open session');
  return { ...key, firstEventMs, lastEventMs, lastPaneMs, ...(base === undefined ? {} : { base }) };
}

const PANE_CODEC_VERSION = 1;

/** A pane record as item bytes (the key holds tenant, series and pane; the version is an attribute). */
export function encodeSessionPane(pane: SessionPane): Uint8Array {
  const out = new ByteWriter(64);
  out.u8(PANE_CODEC_VERSION);
  out.uvarint(pane.firstEventMs - pane.paneMs);
  out.uvarint(pane.lastEventMs - pane.firstEventMs);
  writeTaggedState(pane.kind, pane.state, out);
  return out.finish();
}

export function decodeSessionPane(
  key: { tenant: string; seriesId: string; paneMs: number; version: number },
  bytes: Uint8Array,
): SessionPane {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== PANE_CODEC_VERSION) throw new StateCodecError(`unknown session pane version ${version}`);
  const firstEventMs = key.paneMs + input.uvarint();
  const lastEventMs = firstEventMs + input.uvarint();
  const { kind, state } = readTaggedState(input);
  if (!input.done) throw new StateCodecError('trailing bytes after session pane');
  return { ...key, firstEventMs, lastEventMs, kind, state };
}

const EMITTED_CODEC_VERSION = 1;

/** An emitted-session record as item bytes (key: tenant, series, name, start; version: an attribute). */
export function encodeEmittedSession(session: EmittedSession): Uint8Array {
  const out = new ByteWriter(64);
  out.u8(EMITTED_CODEC_VERSION);
  out.uvarint(session.lastEventMs - session.startMs);
  out.u8(session.superseded ? 1 : 0);
  out.string(session.fingerprint);
  writeBase(session.base, out);
  return out.finish();
}

export function decodeEmittedSession(
  key: { tenant: string; seriesId: string; name: string; startMs: number; version: number },
  bytes: Uint8Array,
): EmittedSession {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== EMITTED_CODEC_VERSION)
    throw new StateCodecError(`unknown emitted session version ${version}`);
  const lastEventMs = key.startMs + input.uvarint();
  const superseded = input.u8() === 1;
  const fingerprint = input.string();
  const base = readBase(input);
  if (!input.done) throw new StateCodecError('trailing bytes after emitted session');
  return { ...key, lastEventMs, superseded, fingerprint, ...(base === undefined ? {} : { base }) };
}

/** Whether a metric name matches a session pattern (`*` matches any run of characters). */
export function matchesPattern(pattern: string, name: string): boolean {
  // `s`: `*` also matches line terminators, which metric names may contain.
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return regex.test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
