import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DEFAULT_AGGREGATE_OPTIONS } from '#core/aggregate/contract.js';
import { numberKind } from '#core/aggregate/index.js';
import { encodeTaggedState } from '#core/aggregate/registry.js';
import type { OpenSession } from '#core/close/sessions.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { numberPoint } from '../../support/points.js';

const TABLE = 'sessions';
let db: Dynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, TABLE);
});
afterAll(() => db.stop());

function session(i: number, name = 'session:5m'): OpenSession {
  const state = numberKind.empty();
  numberKind.add(state, numberPoint(i, { timeMs: 1_700_000_000_000 + i }), DEFAULT_AGGREGATE_OPTIONS);
  return {
    tenant: i % 2 === 0 ? 'acme' : 'default',
    seriesId: i.toString(16).padStart(32, '0'),
    name,
    firstEventMs: 1_700_000_000_000 + i,
    lastEventMs: 1_700_000_000_500 + i,
    lastPaneMs: 1_700_000_000_000,
    kind: numberKind,
    state,
  };
}

const view = (s: OpenSession) => ({ ...s, state: encodeTaggedState(s.kind, s.state) });

describe('DynamoSessionStore', () => {
  it('writes, reads back per shard and deletes open sessions', async () => {
    const store = new DynamoSessionStore({ client: db.client, tableName: TABLE });
    const many = Array.from({ length: 600 }, (_, i) => session(i));
    await store.writeOpenSessions(1, many);
    await store.writeOpenSessions(2, [session(7, 'session:1m')]);
    const read = await store.readOpenSessions(1);
    const key = (s: OpenSession) => `${s.tenant}#${s.seriesId}#${s.name}`;
    expect(read.map(view).sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(
      many.map(view).sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
    expect((await store.readOpenSessions(2)).map((s) => s.name)).toEqual(['session:1m']);
    await store.deleteOpenSessions(1, many.slice(0, 590));
    expect(await store.readOpenSessions(1)).toHaveLength(10);
    expect(await store.readOpenSessions(3)).toEqual([]);
  });
});
