/**
 * Reads what the local stack stored, straight from dynalite, for integration tests: every item
 * (to compare stores byte for byte), and the partials merged per series and window with their
 * catalog names (to compare with what a client recorded).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AggregateKind } from '#core/aggregate/contract.js';
import { DEFAULT_AGGREGATE_OPTIONS, type FinalStats } from '#core/aggregate/index.js';
import { unpackStates } from '#core/preaggregate/partial-codec.js';
import { STATE_TABLE } from '#local/stack.js';

export type Item = Record<string, AttributeValue>;

export async function scanAll(client: DynamoDBClient, table = STATE_TABLE): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items.sort((a, b) => `${a.PK?.S}|${a.SK?.S}`.localeCompare(`${b.PK?.S}|${b.SK?.S}`));
}

/** Items as comparable text: binary attributes as hex. */
export function snapshot(items: Item[]): string[] {
  return items.map((item) =>
    JSON.stringify(item, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)),
  );
}

export interface StoredSeries {
  readonly name: string;
  readonly resource: Record<string, unknown>;
  readonly attributes: Record<string, unknown>;
  readonly windowStartMs: number;
  readonly stats: FinalStats;
  readonly kind: string;
}

/** Every first-tier series-window, its partials merged, finalized. */
export async function storedSeries(client: DynamoDBClient, windowMs = 60_000): Promise<StoredSeries[]> {
  const items = await scanAll(client);
  const catalog = new Map<string, Item>();
  for (const item of items) if (item.PK?.S?.startsWith('S#')) catalog.set(item.seriesId?.S ?? '', item);
  const merged = new Map<
    string,
    { kind: AggregateKind<unknown>; state: unknown; seriesId: string; windowStartMs: number }
  >();
  for (const item of items) {
    const pk = item.PK?.S ?? '';
    if (!pk.startsWith('P#0#')) continue;
    const windowStartMs = Number(pk.split('#')[2]);
    const data = item.data?.B;
    if (data === undefined) throw new Error(`partial ${pk} has no data`);
    for (const entry of unpackStates(data)) {
      const key = `${entry.seriesId}@${windowStartMs}`;
      const existing = merged.get(key);
      if (existing === undefined)
        merged.set(key, { kind: entry.kind, state: entry.state, seriesId: entry.seriesId, windowStartMs });
      else existing.state = entry.kind.merge(existing.state, entry.state, DEFAULT_AGGREGATE_OPTIONS);
    }
  }
  return [...merged.values()].map((m) => {
    const meta = catalog.get(m.seriesId);
    if (meta === undefined) throw new Error(`series ${m.seriesId} is not in the catalog`);
    return {
      name: meta.name?.S ?? '',
      resource: JSON.parse(meta.resource?.S ?? '{}') as Record<string, unknown>,
      attributes: JSON.parse(meta.attributes?.S ?? '{}') as Record<string, unknown>,
      windowStartMs: m.windowStartMs,
      kind: m.kind.name,
      stats: m.kind.finalize(m.state, {
        windowStartMs: m.windowStartMs,
        windowEndMs: m.windowStartMs + windowMs,
        percentiles: [50],
      }),
    };
  });
}
