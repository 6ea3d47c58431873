/**
 * The DynamoDB tables as data: one definition read by the local runner (which creates the tables in
 * dynalite with {@link createWindowStateTable} / {@link createResultsTable}) and by the CDK app
 * (`partitionKey`, `sortKey`, `timeToLiveAttribute`, `billingMode` map one to one onto
 * `aws_dynamodb.TableProps`: `AttributeType.STRING === 'S'`, `BillingMode.PAY_PER_REQUEST`).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../app/errors.js';

/** Attribute names shared by the items of both tables. */
export const ATTR = {
  pk: 'PK',
  sk: 'SK',
  /** Epoch seconds; DynamoDB TTL deletes the item some time after. */
  ttl: 'ttl',
  /** Packed states (binary). */
  data: 'data',
} as const;

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** Number attribute, epoch seconds. */
  readonly timeToLiveAttribute: string;
  readonly billingMode: 'PAY_PER_REQUEST';
}

/**
 * Window state (DESIGN.md §4): partials, closed states, series catalog, checkpoints, correction
 * marks, open sessions — all in one table, told apart by key prefix (see `keys.ts`).
 */
export const windowStateTable: TableDefinition = {
  partitionKey: { name: ATTR.pk, type: 'S' },
  sortKey: { name: ATTR.sk, type: 'S' },
  timeToLiveAttribute: ATTR.ttl,
  billingMode: 'PAY_PER_REQUEST',
};

/**
 * Results of the DynamoDB sink: `PK = <tenant>#<window>#<metric>`, `SK = <windowStart>#<pack>#<chunk>`
 * (pack: the close job's shard, or a session's series id; DESIGN.md §4, and `results-keys.ts` for why),
 * items `{data: B, version: N, chunks: N, ttl: N}` (see `results-sink.ts`).
 */
export const resultsTable: TableDefinition = {
  partitionKey: { name: ATTR.pk, type: 'S' },
  sortKey: { name: ATTR.sk, type: 'S' },
  timeToLiveAttribute: ATTR.ttl,
  billingMode: 'PAY_PER_REQUEST',
};

export interface CreateTableOptions {
  /** How long to wait for ACTIVE (default 120 s: a new on-demand table takes seconds in AWS). */
  readonly timeoutMs?: number;
  /** Between DescribeTable polls (default 100 ms). */
  readonly pollMs?: number;
}

/**
 * Creates the table from its definition unless it exists, then waits until it is ACTIVE. Idempotent,
 * and safe when two processes race (the loser's `ResourceInUseException` means "exists").
 *
 * TTL is not switched on here: dynalite has no UpdateTimeToLive, and in AWS the CDK stack sets
 * `timeToLiveAttribute`. Readers ignore expired items either way.
 *
 * @example
 * const client = createLocalDynamoClient(endpoint);
 * await createWindowStateTable(client, 'windrow-state');
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
  options: CreateTableOptions = {},
): Promise<TableDescription> {
  const existing = await describe(client, tableName);
  if (existing === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: definition.partitionKey.name, AttributeType: definition.partitionKey.type },
            { AttributeName: definition.sortKey.name, AttributeType: definition.sortKey.type },
          ],
          KeySchema: [
            { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
          ],
          BillingMode: definition.billingMode,
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
  }
  return waitUntilActive(client, tableName, options);
}

/** The window-state table (see {@link windowStateTable}). */
export function createWindowStateTable(
  client: DynamoDBClient,
  tableName: string,
  options?: CreateTableOptions,
): Promise<TableDescription> {
  return createTable(client, tableName, windowStateTable, options);
}

/** The results table of the DynamoDB sink (see {@link resultsTable}). */
export function createResultsTable(
  client: DynamoDBClient,
  tableName: string,
  options?: CreateTableOptions,
): Promise<TableDescription> {
  return createTable(client, tableName, resultsTable, options);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  { timeoutMs = 120_000, pollMs = 100 }: CreateTableOptions,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    if (table?.TableStatus === 'ACTIVE') return table;
    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `table ${tableName} not ACTIVE after ${timeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`,
        Math.ceil(pollMs / 1000),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
