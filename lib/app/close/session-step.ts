/**
 * Close step 3c (first-tier windows with sessions configured): advance the shard's sessions by this
 * pane — or, on a re-close, re-derive the session around the late data — and add the sessions to
 * emit to the outputs (close-sessions.ts). Across a change of `shards`, this shard first takes over
 * its series' open and pending sessions, and a re-close finds its series' sessions in the shard they
 * moved to (session-handover.ts).
 */
import type { AggregateOptions } from '../../core/aggregate/contract.js';
import type { MergedSeries } from '../../core/close/merge.js';
import type { WindrowConfig } from '../../core/config/config.js';
import { WindrowError } from '../../core/errors.js';
import type { ShardLayout } from '../../core/window/shard-layout.js';
import type { Tier } from '../../core/window/tiers.js';
import type {
  Checkpoint,
  ClosedStateRecord,
  CloseJob,
  CloseStore,
  SeriesLookup,
  SessionStore,
} from '../close-ports.js';
import { pendingExpiresAtSec, type SessionOutput, sessionLedgerOf, stepSessions } from '../close-sessions.js';
import type { SeriesMeta } from '../ports.js';
import { handOverSessions, ownLedger, ownSessions, sessionHomes } from '../session-handover.js';
import type { CloseOutput } from './records.js';

export interface SessionStepInput {
  readonly job: CloseJob;
  readonly tier: Tier;
  readonly layout: ShardLayout;
  readonly merged: ReadonlyMap<string, MergedSeries>;
  readonly previousSelf: ClosedStateRecord | undefined;
  readonly checkpoint: Checkpoint | undefined;
  readonly version: number;
  readonly nowMs: number;
  readonly aggregate: AggregateOptions;
}

/**
 * @returns the session output (its supersedes and commit run after the sink write), or undefined when
 * the job has no session step. `metas` and `outputs` are completed in place.
 */
export async function sessionStep(
  input: SessionStepInput,
  deps: {
    readonly store: CloseStore;
    readonly sessions?: SessionStore;
    readonly lookup: SeriesLookup;
    readonly config: WindrowConfig;
  },
  metas: Map<string, SeriesMeta>,
  outputs: CloseOutput[],
): Promise<SessionOutput | undefined> {
  const { job, tier, layout, merged, previousSelf, checkpoint, version, nowMs, aggregate } = input;
  const { config } = deps;
  if (job.tier !== 0 || config.sessions.length === 0) return undefined;
  if (deps.sessions === undefined)
    throw new WindrowError('session windows are configured but no session store');
  const { windowStartMs: start, shard } = job;
  const end = start + tier.sizeMs;
  const ledger = sessionLedgerOf(deps.sessions);
  await handOverSessions(
    deps.sessions,
    ledger,
    deps.store,
    layout,
    shard,
    start,
    tier.sizeMs,
    pendingExpiresAtSec(config, tier.sizeMs),
  );
  const sessions = await stepSessions(
    ownSessions(deps.sessions, layout, shard, start),
    shard,
    merged,
    metas,
    { startMs: start, endMs: end },
    config,
    aggregate,
    version,
    {
      ledger: ownLedger(ledger, layout, shard, start),
      nowMs,
      ...(job.correction
        ? {
            correction: {
              previousChunks: previousSelf?.chunks ?? [],
              // The series may have moved shard since this pane (session-handover.ts).
              homes: sessionHomes({
                sessions: deps.sessions,
                ledger,
                store: deps.store,
                layout,
                shard,
                paneMs: start,
                tierSizeMs: tier.sizeMs,
                closedThroughMs: checkpoint?.closedThroughMs ?? start,
              }),
            },
          }
        : {}),
    },
  );
  const missing = [...sessions.emit, ...sessions.supersede].filter((e) => !metas.has(e.seriesId));
  if (missing.length > 0) for (const [id, meta] of await deps.lookup.lookup(missing)) metas.set(id, meta);
  for (const e of sessions.emit) outputs.push({ window: e.window, results: [e] });
  return sessions;
}
