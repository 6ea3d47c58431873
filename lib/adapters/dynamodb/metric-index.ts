/**
 * The per-tenant metric index in the window-state table, for `GET /v1/metrics`: one item per
 * (tenant, metric name, type, unit) under `M#<tenant>`, with the number of series the catalog
 * created for it. Written by the series catalog when it meets a series it has not cached (an
 * idempotent `SET` plus `ADD series 1` only when the catalog item was new), read with one Query.
 *
 * The count can fall one short if a Lambda dies between the catalog put and this update; the item
 * itself is repaired by the next cold container that meets any series of the metric.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SeriesMeta } from '../../app/ports.js';
import type { MetricCatalog, MetricSummary } from '../../app/query/ports.js';
import { isValidTenant } from './keys.js';
import { queryPartition } from './partition-query.js';
import { type RetryOptions, resolveRetry, withRetry } from './retry.js';
import { ATTR } from './table.js';

/** DynamoDB's limit on a sort key value (UTF-8 bytes). */
const MAX_SK_BYTES = 1024;

function indexKey(tenant: string, meta: { name: string; kind: string; unit: string }) {
  // A name or unit that cannot be the readable SK is keyed by a hash instead: one `#` where the
  // readable form has two, so the forms never collide; listings read the item's attributes, never its SK.
  const sk =
    readableSk(meta) ??
    `#${createHash('sha256')
      .update(JSON.stringify([meta.name, meta.kind, meta.unit]))
      .digest('hex')}`;
  return { [ATTR.pk]: { S: `M#${tenant}` }, [ATTR.sk]: { S: sk } };
}

/**
 * `<name>#<kind>#<unit>`, name and unit URI-encoded (never `#`, so the parts stay apart; the SK is
 * ASCII). Undefined when too long for a DynamoDB SK (OTLP limits neither; non-ASCII grows up to
 * ninefold when encoded), or when `encodeURIComponent` throws (a lone surrogate, which OTLP/JSON can carry).
 */
function readableSk(meta: { name: string; kind: string; unit: string }): string | undefined {
  try {
    const sk = `${encodeURIComponent(meta.name)}#${meta.kind}#${encodeURIComponent(meta.unit)}`;
    return sk.length <= MAX_SK_BYTES ? sk : undefined;
  } catch {
    return undefined;
  }
}

/** Records that the catalog met a series of this metric. */
export async function indexSeries(
  client: DynamoDBClient,
  tableName: string,
  meta: SeriesMeta,
  /** Series added to the count: 1 for a series the catalog just created, 0 to only (re)write the item, −1 to take one back. */
  delta: number,
  retry: RetryOptions,
): Promise<void> {
  const { name, kind, unit } = meta.metric;
  await withRetry(
    () =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: indexKey(meta.tenant, { name, kind, unit }),
          UpdateExpression: 'SET #name = :name, #kind = :kind, #unit = :unit ADD #series :n',
          ExpressionAttributeNames: {
            '#name': 'name',
            '#kind': 'kind',
            '#unit': 'unit',
            '#series': 'series',
          },
          ExpressionAttributeValues: {
            ':name': { S: name },
            ':kind': { S: kind },
            ':unit': { S: unit },
            ':n': { N: String(delta) },
          },
        }),
      ),
    `metric index ${meta.tenant}`,
    retry,
  );
}

export interface DynamoMetricCatalogOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry?: Partial<RetryOptions>;
}

/** @example await new DynamoMetricCatalog({ client, tableName }).listMetrics('default') */
export class DynamoMetricCatalog implements MetricCatalog {
  private readonly retry: RetryOptions;

  constructor(private readonly options: DynamoMetricCatalogOptions) {
    this.retry = resolveRetry(options.retry);
  }

  async listMetrics(tenant: string): Promise<MetricSummary[]> {
    if (!isValidTenant(tenant)) return [];
    const out: MetricSummary[] = [];
    const pages = queryPartition({
      client: this.options.client,
      tableName: this.options.tableName,
      retry: this.retry,
      pk: `M#${tenant}`,
      what: `listMetrics ${tenant}`,
    });
    for await (const page of pages) {
      for (const item of page) {
        out.push({
          name: item.name?.S ?? '',
          type: item.kind?.S ?? '',
          unit: item.unit?.S ?? '',
          series: Number(item.series?.N ?? '0'),
        });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1));
  }
}
