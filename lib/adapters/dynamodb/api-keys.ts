/**
 * API keys in the window-state table: `A#<keyHash>` / `key` for the authorizer's lookup (one
 * consistent GetItem), and `T#<tenant>` / `<keyId>` to list and revoke a tenant's keys. Only the
 * SHA-256 of a key is stored.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord, ApiKeyStore } from '../../app/auth/api-keys.js';
import type { Item } from './batch-writer.js';
import { isValidTenant } from './keys.js';
import { queryPartition } from './partition-query.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

export interface DynamoApiKeyStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
}

const HASH = /^[0-9a-f]{64}$/;

function lookupKey(keyHash: string): Item {
  return { [ATTR.pk]: { S: `A#${keyHash}` }, [ATTR.sk]: { S: 'key' } };
}

function indexKey(tenant: string, keyId: string): Item {
  return { [ATTR.pk]: { S: `T#${tenant}` }, [ATTR.sk]: { S: keyId } };
}

function fields(r: ApiKeyRecord): Item {
  return {
    keyHash: { S: r.keyHash },
    keyId: { S: r.keyId },
    tenant: { S: r.tenant },
    label: { S: r.label },
    createdMs: { N: String(r.createdMs) },
    ...(r.revokedMs === undefined ? {} : { revokedMs: { N: String(r.revokedMs) } }),
  };
}

function recordOf(item: Item): ApiKeyRecord {
  return {
    keyHash: item.keyHash?.S ?? '',
    keyId: item.keyId?.S ?? '',
    tenant: item.tenant?.S ?? '',
    label: item.label?.S ?? '',
    createdMs: Number(item.createdMs?.N ?? '0'),
    ...(item.revokedMs?.N === undefined ? {} : { revokedMs: Number(item.revokedMs.N) }),
  };
}

/** @example await new DynamoApiKeyStore({ client, tableName }).findByHash(hashApiKey(key)) */
export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly retry: RetryOptions;

  constructor(private readonly options: DynamoApiKeyStoreOptions) {
    this.retry = resolveRetry(options.retry);
  }

  private send<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, what, this.retry);
  }

  async put(record: ApiKeyRecord): Promise<void> {
    if (!isValidTenant(record.tenant))
      throw new RangeError(`invalid tenant ${JSON.stringify(record.tenant)}`);
    const { client, tableName } = this.options;
    // The index item first: a key that exists only in the index is listed but cannot authorize.
    await this.send('api key index', () =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...indexKey(record.tenant, record.keyId), ...fields(record) },
        }),
      ),
    );
    await this.send('api key', () =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...lookupKey(record.keyHash), ...fields(record) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      ),
    );
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    if (!HASH.test(keyHash)) return undefined;
    const { client, tableName } = this.options;
    const out = await this.send('api key lookup', () =>
      client.send(
        new GetItemCommand({ TableName: tableName, Key: lookupKey(keyHash), ConsistentRead: true }),
      ),
    );
    return out.Item === undefined ? undefined : recordOf(out.Item);
  }

  async list(tenant: string): Promise<ApiKeyRecord[]> {
    if (!isValidTenant(tenant)) return [];
    const out: ApiKeyRecord[] = [];
    for await (const page of queryPartition({
      ...this.options,
      retry: this.retry,
      pk: `T#${tenant}`,
      what: 'list api keys',
    })) {
      for (const item of page) out.push(recordOf(item));
    }
    return out.sort((a, b) => a.createdMs - b.createdMs);
  }

  async revoke(tenant: string, keyId: string, nowMs: number): Promise<boolean> {
    const found = (await this.list(tenant)).find((r) => r.keyId === keyId);
    if (found === undefined) return false;
    const { client, tableName } = this.options;
    // The lookup item first: once it says revoked, the key no longer authorizes.
    for (const key of [lookupKey(found.keyHash), indexKey(tenant, keyId)]) {
      await this.send('revoke api key', () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET revokedMs = if_not_exists(revokedMs, :now)',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
            ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
          }),
        ),
      );
    }
    return true;
  }
}
