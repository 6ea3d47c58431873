/**
 * Session state in the window-state table (DESIGN.md §4, §6; the design is described in
 * lib/core/close/sessions.ts):
 *
 * | item            | PK                          | SK                                      | attributes            |
 * |-----------------|-----------------------------|-----------------------------------------|-----------------------|
 * | open session    | `O#<shard>`                 | `<tenant>#<seriesId>#<session name>`    | data                  |
 * | pane record     | `SP#<tenant>#<seriesId>`    | `P#<paneStart 13>`                      | data, version, ttl    |
 * | session index   | `SP#<tenant>#<seriesId>`    | `E#<session name>#<start 13>`           | data, version, ttl    |
 * | pending session | `OQ#<shard>`                | `<tenant>#<seriesId>#<name>#<pane 13>`  | version, ttl          |
 *
 * `data` is the encoded session, pane or index record (lib/core/close/sessions.ts). Open sessions have
 * no `ttl`: one lives until its session ends, and the close that ends it deletes it. A series' pane
 * records and index records share one partition, so a derivation reads a time range of each with one
 * Query. Pane records and index records are written with a condition on `version` (a stored higher
 * version is kept: a re-run or a late duplicate of an older close cannot go back); pending sessions
 * are deleted only at the version read.
 *
 * Reads do not filter expired items: a pane record or an index record past its `ttl` still says what
 * it said (it is only no longer needed), so readers do not depend on a clock.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { PendingSession, SessionLedger, SessionStore } from '../../app/close-ports.js';
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
} from '../../core/close/sessions.js';
import { StateCodecError } from '../../core/errors.js';
import { BatchWriter, type Item } from './batch-writer.js';
import { isValidTenant, openSessionKey, SHARD_DIGITS, type TableKey, WINDOW_START_DIGITS } from './keys.js';
import { isConditionalCheckFailed, queryPartition, safeIntegerOf } from './partition-query.js';
import { forEachBounded, type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoSessionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
  /** Conditional PutItem/DeleteItem calls in flight at once (default 8). */
  readonly concurrency?: number;
}

/** The version attribute of pane records, index records and pending sessions. */
export const SESSION_VERSION_ATTR = 'version';

const SESSION_NAME = /^[^#]{1,64}$/;
const SERIES_ID = /^[0-9a-f]{32}$/;
const MAX_TIME_MS = 10 ** WINDOW_START_DIGITS - 1;

function keyOf(shard: number, s: { tenant: string; seriesId: string; name: string }): TableKey {
  if (!SESSION_NAME.test(s.name)) throw new StateCodecError(`invalid session name ${JSON.stringify(s.name)}`);
  const key = openSessionKey(shard, s.tenant, s.seriesId);
  return { pk: key.pk, sk: `${key.sk}#${s.name}` };
}

function time(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIME_MS)
    throw new StateCodecError(`invalid time ${ms}`);
  return String(ms).padStart(WINDOW_START_DIGITS, '0');
}

/** `SP#<tenant>#<seriesId>`: the partition of a series' pane records and session index. */
export function seriesSessionPk(tenant: string, seriesId: string): string {
  if (!isValidTenant(tenant)) throw new StateCodecError(`invalid tenant ${JSON.stringify(tenant)}`);
  if (!SERIES_ID.test(seriesId)) throw new StateCodecError(`invalid seriesId ${JSON.stringify(seriesId)}`);
  return `SP#${tenant}#${seriesId}`;
}

function emittedPrefix(name: string): string {
  if (!SESSION_NAME.test(name)) throw new StateCodecError(`invalid session name ${JSON.stringify(name)}`);
  return `E#${name}#`;
}

function pendingPk(shard: number): string {
  return `OQ#${String(shard).padStart(SHARD_DIGITS, '0')}`;
}

function pendingSk(p: PendingSession): string {
  return `${keyOf(0, p).sk}#${time(p.anchorMs)}`;
}

/**
 * @example
 * const sessions = new DynamoSessionStore({ client, tableName: 'windrow-state' });
 * await sessions.writeOpenSessions(3, upserts); await sessions.readOpenSessions(3);
 * await sessions.writePanes([{ pane, expiresAtSec }]); await sessions.readPanes('acme', id, from, to);
 */
export class DynamoSessionStore implements SessionStore, SessionLedger {
  private readonly retry: RetryOptions;
  private readonly writer: BatchWriter;
  private readonly concurrency: number;

  constructor(private readonly options: DynamoSessionStoreOptions) {
    this.retry = resolveRetry(options.retry);
    this.writer = new BatchWriter({ ...options, retry: this.retry, concurrency: 4 });
    this.concurrency = options.concurrency ?? 8;
  }

  async readOpenSessions(shard: number): Promise<OpenSession[]> {
    const pk = openSessionKey(shard, 'x', '0'.repeat(32)).pk;
    const out: OpenSession[] = [];
    const pages = queryPartition({
      client: this.options.client,
      tableName: this.options.tableName,
      retry: this.retry,
      pk,
      what: `readOpenSessions ${pk}`,
    });
    for await (const page of pages) {
      for (const item of page) {
        const sk = item[ATTR.sk]?.S ?? '';
        const data = item[ATTR.data]?.B;
        const [tenant, seriesId, name] = sk.split('#');
        if (tenant === undefined || seriesId === undefined || name === undefined || data === undefined) {
          throw new StateCodecError(`malformed open session item ${pk} / ${sk}`);
        }
        out.push(decodeOpenSession({ tenant, seriesId, name }, data));
      }
    }
    return out;
  }

  async writeOpenSessions(shard: number, sessions: readonly OpenSession[]): Promise<void> {
    await this.writer.putAll(
      sessions.map((s) => {
        const key = keyOf(shard, s);
        return {
          [ATTR.pk]: { S: key.pk },
          [ATTR.sk]: { S: key.sk },
          [ATTR.data]: { B: encodeOpenSession(s) },
        };
      }),
      'writeOpenSessions',
    );
  }

  async deleteOpenSessions(
    shard: number,
    sessions: readonly { tenant: string; seriesId: string; name: string }[],
  ): Promise<void> {
    const unique = new Map(sessions.map((s) => [sessionKey(s), keyOf(shard, s)]));
    await this.writer.deleteAll([...unique.values()], 'deleteOpenSessions');
  }

  async writePanes(panes: readonly { pane: SessionPane; expiresAtSec: number }[]): Promise<void> {
    await this.putVersioned(
      panes.map(({ pane, expiresAtSec }) => ({
        [ATTR.pk]: { S: seriesSessionPk(pane.tenant, pane.seriesId) },
        [ATTR.sk]: { S: `P#${time(pane.paneMs)}` },
        [ATTR.data]: { B: encodeSessionPane(pane) },
        [SESSION_VERSION_ATTR]: { N: String(pane.version) },
        [ATTR.ttl]: { N: String(expiresAtSec) },
      })),
      'writePanes',
    );
  }

  async readPanes(tenant: string, seriesId: string, fromMs: number, toMs: number): Promise<SessionPane[]> {
    const out: SessionPane[] = [];
    if (!(fromMs < toMs)) return out;
    const pk = seriesSessionPk(tenant, seriesId);
    const low = `P#${time(Math.max(0, fromMs))}`;
    const high = `P#${time(Math.min(MAX_TIME_MS, toMs - 1))}`;
    for (const item of await this.range(pk, low, high, 'readPanes')) {
      const paneMs = Number((item[ATTR.sk]?.S ?? '').slice(2));
      const version = safeIntegerOf(item, SESSION_VERSION_ATTR);
      const data = item[ATTR.data]?.B;
      if (data === undefined || version === undefined) {
        throw new StateCodecError(`malformed session pane item ${pk} / ${item[ATTR.sk]?.S}`);
      }
      out.push(decodeSessionPane({ tenant, seriesId, paneMs, version }, data));
    }
    return out;
  }

  async writeEmitted(records: readonly { session: EmittedSession; expiresAtSec: number }[]): Promise<void> {
    await this.putVersioned(
      records.map(({ session, expiresAtSec }) => ({
        [ATTR.pk]: { S: seriesSessionPk(session.tenant, session.seriesId) },
        [ATTR.sk]: { S: `${emittedPrefix(session.name)}${time(session.startMs)}` },
        [ATTR.data]: { B: encodeEmittedSession(session) },
        [SESSION_VERSION_ATTR]: { N: String(session.version) },
        [ATTR.ttl]: { N: String(expiresAtSec) },
      })),
      'writeEmitted',
    );
  }

  async readEmitted(
    tenant: string,
    seriesId: string,
    name: string,
    fromMs: number,
    toMs: number,
  ): Promise<EmittedSession[]> {
    const out: EmittedSession[] = [];
    if (!(fromMs < toMs)) return out;
    const pk = seriesSessionPk(tenant, seriesId);
    const prefix = emittedPrefix(name);
    const low = `${prefix}${time(Math.max(0, fromMs))}`;
    const high = `${prefix}${time(Math.min(MAX_TIME_MS, toMs - 1))}`;
    for (const item of await this.range(pk, low, high, 'readEmitted')) {
      const startMs = Number((item[ATTR.sk]?.S ?? '').slice(prefix.length));
      const version = safeIntegerOf(item, SESSION_VERSION_ATTR);
      const data = item[ATTR.data]?.B;
      if (data === undefined || version === undefined || !Number.isSafeInteger(startMs)) {
        throw new StateCodecError(`malformed session index item ${pk} / ${item[ATTR.sk]?.S}`);
      }
      out.push(decodeEmittedSession({ tenant, seriesId, name, startMs, version }, data));
    }
    return out;
  }

  async readPending(shard: number): Promise<PendingSession[]> {
    const pk = pendingPk(shard);
    const out: PendingSession[] = [];
    const pages = queryPartition({
      client: this.options.client,
      tableName: this.options.tableName,
      retry: this.retry,
      pk,
      what: 'readPending',
    });
    for await (const page of pages) {
      for (const item of page) {
        const sk = item[ATTR.sk]?.S ?? '';
        const [tenant, seriesId, name, anchor] = sk.split('#');
        const version = safeIntegerOf(item, SESSION_VERSION_ATTR);
        if (
          tenant === undefined ||
          seriesId === undefined ||
          name === undefined ||
          anchor === undefined ||
          version === undefined
        ) {
          throw new StateCodecError(`malformed pending session item ${pk} / ${sk}`);
        }
        out.push({ tenant, seriesId, name, anchorMs: Number(anchor), version });
      }
    }
    return out;
  }

  async writePending(
    shard: number,
    pending: readonly { session: PendingSession; expiresAtSec: number }[],
  ): Promise<void> {
    await this.writer.putAll(
      pending.map(({ session, expiresAtSec }) => ({
        [ATTR.pk]: { S: pendingPk(shard) },
        [ATTR.sk]: { S: pendingSk(session) },
        [SESSION_VERSION_ATTR]: { N: String(session.version) },
        [ATTR.ttl]: { N: String(expiresAtSec) },
      })),
      'writePending',
    );
  }

  async deletePending(shard: number, pending: readonly PendingSession[]): Promise<void> {
    const { client, tableName } = this.options;
    await forEachBounded(pending, this.concurrency, async (p) => {
      try {
        await withRetry(
          () =>
            client.send(
              new DeleteItemCommand({
                TableName: tableName,
                Key: { [ATTR.pk]: { S: pendingPk(shard) }, [ATTR.sk]: { S: pendingSk(p) } },
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': SESSION_VERSION_ATTR },
                ExpressionAttributeValues: { ':v': { N: String(p.version) } },
              }),
            ),
          'deletePending',
          this.retry,
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error; // written again since: it stays
      }
    });
  }

  /** Conditional puts, a few in flight: a stored item with a higher version is kept. */
  private async putVersioned(items: readonly Item[], what: string): Promise<void> {
    const { client, tableName } = this.options;
    await forEachBounded(items, this.concurrency, async (item) => {
      try {
        await withRetry(
          () =>
            client.send(
              new PutItemCommand({
                TableName: tableName,
                Item: item,
                ConditionExpression: 'attribute_not_exists(#pk) OR #v <= :v',
                ExpressionAttributeNames: { '#pk': ATTR.pk, '#v': SESSION_VERSION_ATTR },
                ExpressionAttributeValues: { ':v': item[SESSION_VERSION_ATTR] as AttributeValue },
              }),
            ),
          `${what} ${item[ATTR.pk]?.S} / ${item[ATTR.sk]?.S}`,
          this.retry,
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error; // a newer version is stored
      }
    });
  }

  /** Every item of `pk` with `low <= SK <= high`, strongly consistent, in SK order. */
  private async range(pk: string, low: string, high: string, what: string): Promise<Item[]> {
    const { client, tableName } = this.options;
    const out: Item[] = [];
    let startKey: Item | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await withRetry(
        () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
              ExpressionAttributeValues: { ':pk': { S: pk }, ':low': { S: low }, ':high': { S: high } },
              ConsistentRead: true,
              ExclusiveStartKey: exclusiveStartKey,
            }),
          ),
        `${what} ${pk}`,
        this.retry,
      );
      out.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return out;
  }
}
