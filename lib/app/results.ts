/**
 * Result ports: where finalized windows go (`ResultSink`: Timestream or the DynamoDB results table)
 * and where queries read them back (`ResultReader`). Use cases see only these types.
 */
import type { FinalStats } from '../core/aggregate/contract.js';
import type { Attributes, MetricKind } from '../core/point.js';

/** How a result's window was made: a tier (`1m`), a sliding window (`5m/1m`) or a session (`session:5m`). */
export type WindowKind = 'tier' | 'sliding' | 'session';

/**
 * The kind of a window, from its name: `session:` prefix → session, a `/` → sliding, else a tier.
 *
 * @example windowKindOf('session:5m') // 'session'; windowKindOf('5m/1m') // 'sliding'; windowKindOf('1h') // 'tier'
 */
export function windowKindOf(window: string): WindowKind {
  if (window.startsWith('session:')) return 'session';
  if (window.includes('/')) return 'sliding';
  return 'tier';
}

/** One finalized window of one series. */
export interface ResultRecord {
  readonly tenant: string;
  /** 32 hex characters (DESIGN.md §3). */
  readonly seriesId: string;
  readonly metric: string;
  readonly unit: string;
  readonly metricKind: MetricKind;
  /** The point attributes of the series. */
  readonly attributes: Attributes;
  /** The resource attributes of the series (service.name, host.name, …). */
  readonly resource: Attributes;
  /** Window name: a tier name (`1m`), a sliding window name (`5m/1m`) or `session:<gap>`. */
  readonly window: string;
  readonly windowKind: WindowKind;
  /** `[startMs, endMs)`. */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * Strictly higher on every re-close of the same window (a correction). A sink keeps the record
   * with the highest version and ignores a lower one.
   */
  readonly version: number;
  readonly stats: FinalStats;
  /**
   * The mergeable state behind the stats (an encoded `ResultState`, lib/core/group/group-state.ts):
   * what `by` merges across series. Absent for sessions, for results written before windrow kept
   * it, and from sinks that do not keep it (Timestream).
   */
  readonly state?: Uint8Array;
}

/** One record a sink refused for good (not retryable): counted and logged, never silently dropped. */
export interface SinkRejection {
  readonly index: number;
  readonly seriesId: string;
  readonly reason: string;
}

export interface SinkReport {
  /** Records now stored (or already stored with this or a higher version). */
  readonly written: number;
  readonly rejected: number;
  readonly rejections: readonly SinkRejection[];
}

/**
 * A session result that another session now holds the events of (a late point moved its start or
 * bridged it with another): the result's identity and window, and the version that supersedes it.
 */
export type SupersededResult = Omit<ResultRecord, 'stats' | 'state'>;

export interface ResultSink {
  /**
   * Writes every record or throws `StoreUnavailableError` (throttling or outage that outlasted
   * retries; the caller retries the whole close, which is idempotent). Records refused for good are
   * reported, not thrown.
   */
  write(records: readonly ResultRecord[]): Promise<SinkReport>;
  /**
   * Supersedes results (session windows): removes them where the store can delete (the DynamoDB
   * results table), or writes them again with `version` and `superseded = 1` where it cannot
   * (Timestream); either way readers never return them again. A result stored with a higher version
   * than `version` is kept (a later write owns it). Idempotent; errors as for {@link write}.
   */
  supersede(results: readonly SupersededResult[]): Promise<SinkReport>;
}

export interface ResultQuery {
  readonly tenant: string;
  readonly metric: string;
  /** Window name, as in {@link ResultRecord.window}. */
  readonly window: string;
  /** Results whose window starts in `[fromMs, toMs)`. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Only series whose point attributes include all of these (string compare of the values). */
  readonly where?: Readonly<Record<string, string>>;
  /** At most this many records (default 10,000). */
  readonly limit?: number;
  /** Also read each result's `state` (for `by`); stores that keep it may skip it otherwise. */
  readonly withState?: boolean;
}

export interface ResultReader {
  /** Whether the store keeps each result's mergeable state (`state`): what `by` needs. */
  readonly keepsState?: boolean;
  /**
   * The latest version of each (series, window) in range, ordered by startMs then seriesId; never a
   * superseded result.
   */
  read(query: ResultQuery): Promise<ResultRecord[]>;
}
