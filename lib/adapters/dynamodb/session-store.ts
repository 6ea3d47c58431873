/**
 * Open session windows in the window-state table: `O#<shard>` / `<tenant>#<seriesId>#<session name>`
 * (DESIGN.md §3), `data` = the encoded open session (see lib/core/close/sessions.ts). No `ttl`: a
 * session item lives until its session ends, and the close that ends it deletes it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SessionStore } from '../../app/close-ports.js';
import {
  decodeOpenSession,
  encodeOpenSession,
  type OpenSession,
  sessionKey,
} from '../../core/close/sessions.js';
import { StateCodecError } from '../../core/errors.js';
import { BatchWriter } from './batch-writer.js';
import { openSessionKey, type TableKey } from './keys.js';
import { queryPartition } from './partition-query.js';
import { type RetryOptions, resolveRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoSessionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
}

const SESSION_NAME = /^[^#]{1,64}$/;

function keyOf(shard: number, s: { tenant: string; seriesId: string; name: string }): TableKey {
  if (!SESSION_NAME.test(s.name)) throw new StateCodecError(`invalid session name ${JSON.stringify(s.name)}`);
  const key = openSessionKey(shard, s.tenant, s.seriesId);
  return { pk: key.pk, sk: `${key.sk}#${s.name}` };
}

/**
 * @example
 * const sessions = new DynamoSessionStore({ client, tableName: 'windrow-state' });
 * await sessions.writeOpenSessions(3, upserts); await sessions.readOpenSessions(3);
 */
export class DynamoSessionStore implements SessionStore {
  private readonly retry: RetryOptions;
  private readonly writer: BatchWriter;

  constructor(private readonly options: DynamoSessionStoreOptions) {
    this.retry = resolveRetry(options.retry);
    this.writer = new BatchWriter({ ...options, retry: this.retry, concurrency: 4 });
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
}
