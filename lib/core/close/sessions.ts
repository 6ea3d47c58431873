import type { AggregateKind, AggregateOptions } from '../aggregate/contract.js';
import type { CumulativeState } from '../aggregate/cumulative.js';
import { cumulativeKind } from '../aggregate/cumulative.js';
import { type NumberState, numberKind } from '../aggregate/number.js';
import { readTaggedState, writeTaggedState } from '../aggregate/registry.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import type { MergedSeries } from './merge.js';

/**
 * Session windows `{match, gap}` (DESIGN.md §3): a session of a series is a run of activity with no
 * silence longer than `gap`. They are built at the close of each first-tier window (a pane) from the
 * pane's first and last event times — exact, since `gap` ≥ the pane size means no gap fits inside a
 * pane — and kept open (O# items) until a pane closes past `lastEvent + gap` with no activity.
 *
 * Results are emitted as `[firstEvent, lastEvent + gap)` (the usual session-window bounds, as in
 * Flink and Beam). Late data for panes of a session that is still open is merged in only when its
 * pane is first closed; corrections to an already emitted session are not re-emitted (a known limit,
 * see the closing issue's note).
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
  readonly kind: AggregateKind<unknown>;
  readonly state: unknown;
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

export interface SessionActivity {
  readonly series: MergedSeries;
  readonly name: string;
  readonly gapMs: number;
}

export interface SessionStep {
  /** Sessions to store (new or extended). */
  readonly upsert: OpenSession[];
  /** Sessions that ended: to emit, then delete. */
  readonly ended: OpenSession[];
}

/** `tenant#seriesId#name`: one open session per series and session config. */
export function sessionKey(s: { tenant: string; seriesId: string; name: string }): string {
  return `${s.tenant}#${s.seriesId}#${s.name}`;
}

/**
 * Advances the open sessions of one shard by one closed pane: extends or starts the sessions of the
 * series active in it, and ends those whose `lastEvent + gap` is before the pane's end. Replaying a
 * pane (a retried close) changes nothing a second time.
 *
 * @example
 * const { upsert, ended } = advanceSessions(open, activity, paneStart, paneEnd, gaps, options);
 */
export function advanceSessions(
  open: ReadonlyMap<string, OpenSession>,
  active: readonly SessionActivity[],
  paneStartMs: number,
  paneEndMs: number,
  gaps: ReadonlyMap<string, number>,
  options: AggregateOptions,
): SessionStep {
  const upsert: OpenSession[] = [];
  const ended: OpenSession[] = [];
  const touched = new Set<string>();
  for (const { series, name, gapMs } of active) {
    const key = sessionKey({ ...series, name });
    touched.add(key);
    const span = eventSpan(series, paneStartMs, paneEndMs);
    const current = open.get(key);
    if (current !== undefined && current.lastPaneMs >= paneStartMs) continue; // replayed pane
    if (current !== undefined && span.firstMs - current.lastEventMs <= gapMs) {
      upsert.push({
        ...current,
        lastEventMs: Math.max(current.lastEventMs, span.lastMs),
        lastPaneMs: paneStartMs,
        state: current.kind.merge(current.state, series.state, options),
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
      kind: series.kind,
      state: series.kind.merge(series.kind.empty(), series.state, options),
    });
  }
  for (const [key, session] of open) {
    if (touched.has(key)) continue;
    const gapMs = gaps.get(session.name);
    if (gapMs === undefined || session.lastEventMs + gapMs < paneEndMs) ended.push(session);
  }
  return { upsert, ended };
}

const SESSION_CODEC_VERSION = 1;

/** An open session as item bytes (the key holds tenant, series and name). */
export function encodeOpenSession(session: OpenSession): Uint8Array {
  const out = new ByteWriter(128);
  out.u8(SESSION_CODEC_VERSION);
  out.uvarint(session.firstEventMs);
  out.uvarint(session.lastEventMs - session.firstEventMs);
  out.uvarint(session.lastPaneMs);
  writeTaggedState(session.kind, session.state, out);
  return out.finish();
}

export function decodeOpenSession(
  key: { tenant: string; seriesId: string; name: string },
  bytes: Uint8Array,
): OpenSession {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== SESSION_CODEC_VERSION) throw new StateCodecError(`unknown session version ${version}`);
  const firstEventMs = input.uvarint();
  const lastEventMs = firstEventMs + input.uvarint();
  const lastPaneMs = input.uvarint();
  const { kind, state } = readTaggedState(input);
  if (!input.done) throw new StateCodecError('trailing bytes after open session');
  return { ...key, firstEventMs, lastEventMs, lastPaneMs, kind, state };
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
