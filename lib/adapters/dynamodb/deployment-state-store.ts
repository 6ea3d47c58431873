/**
 * The deployment record in the window-state table: one item `L#layout` / `current` with `epochs`
 * (JSON `[{fromMs, shards}]`), `settings` (JSON, see core/config/deployed-settings.ts) and
 * `revision` (N), no TTL. Written only with a condition on the revision
 * read, so concurrent planners and cold starts agree on one layout.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentRecord, DeploymentStateStore, StoredDeploymentState } from '../../app/ports.js';
import type { DeployedSettings } from '../../core/config/deployed-settings.js';
import { StateCodecError } from '../../core/errors.js';
import type { ShardEpoch } from '../../core/window/shard-layout.js';
import { isConditionalCheckFailed } from './partition-query.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

const KEY = { [ATTR.pk]: { S: 'L#layout' }, [ATTR.sk]: { S: 'current' } };

export interface DynamoDeploymentStateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
}

export class DynamoDeploymentStateStore implements DeploymentStateStore {
  private readonly retry: RetryOptions;

  constructor(private readonly options: DynamoDeploymentStateStoreOptions) {
    this.retry = resolveRetry(options.retry);
  }

  async read(): Promise<StoredDeploymentState | undefined> {
    const { client, tableName } = this.options;
    const output = await withRetry(
      () => client.send(new GetItemCommand({ TableName: tableName, Key: KEY, ConsistentRead: true })),
      'readShardLayout',
      this.retry,
    );
    const item = output.Item;
    if (item === undefined) return undefined;
    const revision = Number(item.revision?.N);
    let settings: DeployedSettings | undefined;
    if (item.settings?.S !== undefined) {
      try {
        settings = JSON.parse(item.settings.S) as DeployedSettings;
      } catch {
        throw new StateCodecError('the deployment item L#layout / current has malformed settings');
      }
    }
    let epochs: unknown;
    try {
      epochs = JSON.parse(item.epochs?.S ?? '');
    } catch {
      epochs = undefined;
    }
    if (!Number.isSafeInteger(revision) || !Array.isArray(epochs) || !epochs.every(isEpoch)) {
      throw new StateCodecError('the shard layout item L#layout / current is malformed');
    }
    return settings === undefined ? { epochs, revision } : { epochs, settings, revision };
  }

  async write(record: DeploymentRecord, expected: number | undefined): Promise<boolean> {
    const { epochs, settings } = record;
    const { client, tableName } = this.options;
    const revision = (expected ?? 0) + 1;
    try {
      await withRetry(
        () =>
          client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: {
                ...KEY,
                epochs: { S: JSON.stringify(epochs.map((e) => ({ fromMs: e.fromMs, shards: e.shards }))) },
                revision: { N: String(revision) },
                ...(settings === undefined ? {} : { settings: { S: JSON.stringify(settings) } }),
              },
              ...(expected === undefined
                ? {
                    ConditionExpression: 'attribute_not_exists(#pk)',
                    ExpressionAttributeNames: { '#pk': ATTR.pk },
                  }
                : {
                    ConditionExpression: '#r = :expected',
                    ExpressionAttributeNames: { '#r': 'revision' },
                    ExpressionAttributeValues: { ':expected': { N: String(expected) } },
                  }),
            }),
          ),
        'writeShardLayout',
        this.retry,
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

function isEpoch(value: unknown): value is ShardEpoch {
  if (typeof value !== 'object' || value === null) return false;
  const { fromMs, shards } = value as Record<string, unknown>;
  return Number.isSafeInteger(fromMs) && Number.isSafeInteger(shards);
}
