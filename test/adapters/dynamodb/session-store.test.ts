import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { numberKind } from '#core/aggregate/index.js';
import { encodeTaggedState } from '#core/aggregate/registry.js';
import type { EmittedSession, OpenSession, SessionBase, SessionPane } from '#core/close/sessions.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { numberPoint } from '../../support/points.js';

const TABLE = 'sessions';
const T = 1_700_000_000_000;
let db: Dynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
});
afterAll(() => db.stop());

function stateOf(...values: number[]) {
  const state = numberKind.empty();
  for (const v of values) numberKind.add(state, numberPoint(v, { timeMs: T + v }), DEFAULT_AGGREGATE_OPTIONS);
  return state;
}

const sid = (i: number) => i.toString(16).padStart(32, '0');

function session(i: number, name = 'session:5m'): OpenSession {
  const base: SessionBase | undefined =
    i % 3 === 0
      ? {
          throughMs: T + 60_000,
          firstEventMs: T + i,
          lastEventMs: T + 500 + i,
          kind: numberKind,
          state: stateOf(i),
        }
      : undefined;
  return {
    tenant: i % 2 === 0 ? 'acme' : 'default',
    seriesId: sid(i),
    name,
    firstEventMs: T + i,
    lastEventMs: T + 500 + i,
    lastPaneMs: T,
    ...(base === undefined ? {} : { base }),
  };
}

const view = (s: { kind?: unknown; state?: unknown; base?: SessionBase }) => {
  const { base, ...rest } = s;
  return {
    ...rest,
    ...(base === undefined ? {} : { base: { ...base, state: encodeTaggedState(base.kind, base.state) } }),
  };
};

function pane(paneMs: number, version: number, ...values: number[]): SessionPane {
  return {
    tenant: 'acme',
    seriesId: sid(1),
    paneMs,
    firstEventMs: paneMs + 10,
    lastEventMs: paneMs + 900,
    version,
    kind: numberKind,
    state: stateOf(...values),
  };
}

const paneView = (p: SessionPane) => ({ ...p, state: encodeTaggedState(p.kind, p.state) });

describe('DynamoSessionStore', () => {
  it('writes, reads back per shard and deletes open sessions', async () => {
    const store = new DynamoSessionStore({ client: db.client, tableName: TABLE });
    const many = Array.from({ length: 600 }, (_, i) => session(i));
    await store.writeOpenSessions(1, many);
    await store.writeOpenSessions(2, [session(7, 'session:1m')]);
    const read = await store.readOpenSessions(1);
    const key = (s: OpenSession) => `${s.tenant}#${s.seriesId}#${s.name}`;
    expect(read.sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(view)).toEqual(
      [...many].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(view),
    );
    expect((await store.readOpenSessions(2)).map((s) => s.name)).toEqual(['session:1m']);
    await store.deleteOpenSessions(1, many.slice(0, 590));
    expect(await store.readOpenSessions(1)).toHaveLength(10);
    expect(await store.readOpenSessions(3)).toEqual([]);
  });

  it('keeps the higher version of a pane record and reads a series’ panes by pane start', async () => {
    const store = new DynamoSessionStore({ client: db.client, tableName: TABLE });
    const panes = [0, 1, 2, 3, 4].map((k) => pane(T + k * 1_000, 10, k));
    await store.writePanes(panes.map((p) => ({ pane: p, expiresAtSec: 1 })));
    // A newer close of pane 2, then an older one arriving late: the newer stays.
    await store.writePanes([{ pane: pane(T + 2_000, 12, 2, 20), expiresAtSec: 1 }]);
    await store.writePanes([{ pane: pane(T + 2_000, 11, 2), expiresAtSec: 1 }]);
    const read = await store.readPanes('acme', sid(1), T + 1_000, T + 4_000);
    expect(read.map(paneView)).toEqual(
      [panes[1], pane(T + 2_000, 12, 2, 20), panes[3]].map((p) => paneView(p as SessionPane)),
    );
    expect(await store.readPanes('acme', sid(2), T, T + 10_000)).toEqual([]);
    expect(await store.readPanes('default', sid(1), T, T + 10_000)).toEqual([]);
  });

  it('keeps the session index per config and start, the higher version winning', async () => {
    const store = new DynamoSessionStore({ client: db.client, tableName: TABLE });
    const record = (startMs: number, version: number, name = 'session:5m'): EmittedSession => ({
      tenant: 'acme',
      seriesId: sid(1),
      name,
      startMs,
      lastEventMs: startMs + 4_000,
      version,
      fingerprint: `f${version}`,
      superseded: version % 2 === 0,
    });
    await store.writeEmitted(
      [record(T, 5), record(T + 10_000, 7), record(T, 3, 'session:1m')].map((session) => ({
        session,
        expiresAtSec: 1,
      })),
    );
    await store.writeEmitted([{ session: record(T, 4), expiresAtSec: 1 }]); // older: kept out
    await store.writeEmitted([{ session: record(T + 10_000, 8), expiresAtSec: 1 }]);
    expect(await store.readEmitted('acme', sid(1), 'session:5m', T, T + 20_000)).toEqual([
      record(T, 5),
      record(T + 10_000, 8),
    ]);
    expect(await store.readEmitted('acme', sid(1), 'session:5m', T + 1, T + 20_000)).toEqual([
      record(T + 10_000, 8),
    ]);
    expect(await store.readEmitted('acme', sid(1), 'session:1m', 0, T + 20_000)).toEqual([
      record(T, 3, 'session:1m'),
    ]);
    // The same partition holds pane records: they never show up as index records, nor the reverse.
    expect(await store.readPanes('acme', sid(1), 0, T + 20_000)).not.toHaveLength(0);
  });

  it('deletes a pending session only at the version it was read with', async () => {
    const store = new DynamoSessionStore({ client: db.client, tableName: TABLE });
    const p = { tenant: 'acme', seriesId: sid(3), name: 'session:5m', anchorMs: T, version: 1 };
    const q = { ...p, anchorMs: T + 1_000 };
    await store.writePending(
      4,
      [p, q].map((session) => ({ session, expiresAtSec: 1 })),
    );
    expect(await store.readPending(4)).toEqual([p, q]);
    await store.writePending(4, [{ session: { ...q, version: 2 }, expiresAtSec: 1 }]); // written again
    await store.deletePending(4, [p, q]);
    expect(await store.readPending(4)).toEqual([{ ...q, version: 2 }]);
    expect(await store.readPending(5)).toEqual([]);
  });
});
