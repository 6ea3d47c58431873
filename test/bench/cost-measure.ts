/**
 * What windrow's own code does per unit of work, measured by running it: the ingest handler, the
 * planner handler and the close worker handler (the very handlers the Lambdas run, built the way the
 * local stack builds them) against the real DynamoDB adapters on dynalite, with the real Timestream
 * sink writing to a protocol-level fake of the Timestream write endpoint (test/support). Counted at
 * the SDK clients with a middleware, the way AWS meters:
 *
 * - DynamoDB: write units per item written (started KB, `itemSize` — windrow's own size rule), read
 *   units per Query page / GetItem / BatchGetItem item (started 4 KB, halved when eventually
 *   consistent), and for storage each item's size + 100 bytes for as long as its `ttl` keeps it;
 * - Timestream: per WriteRecords call, the records' metered bytes (`recordBytes`, with the call's
 *   CommonAttributes) in 1 KiB writes, kept in the memory store and the magnetic store as long as
 *   infra/stack.ts configures;
 * - logs: every line the handlers write to stdout (Powertools Logger and EMF), and the EMF metrics
 *   in them (each distinct namespace + name + dimension values is a custom metric);
 * - time: each handler's wall time, split into time with a store call in flight (I/O, run here
 *   against dynalite on loopback) and the rest (compute). See `cost.ts` for how both are scaled to
 *   Lambda.
 *
 * The close worker writes every result to both sinks in turn (a tee), each sink's calls and time
 * counted on their own, so one run measures both.
 */
import { gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { _Record, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, SQSEvent } from 'aws-lambda';
import { DynamoApiKeyStore } from '#adapters/dynamodb/api-keys.js';
import { DynamoCloseStore } from '#adapters/dynamodb/close-store.js';
import { itemSize } from '#adapters/dynamodb/item-size.js';
import { parseResultSk, resultSk } from '#adapters/dynamodb/results-keys.js';
import { DynamoResultsReader } from '#adapters/dynamodb/results-reader.js';
import { DynamoResultsSink, groupByShard } from '#adapters/dynamodb/results-sink.js';
import { DynamoSeriesBudget } from '#adapters/dynamodb/series-budget.js';
import { DynamoSeriesCatalog } from '#adapters/dynamodb/series-catalog.js';
import { DynamoSeriesLookup } from '#adapters/dynamodb/series-lookup.js';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.js';
import { createResultsTable, createWindowStateTable } from '#adapters/dynamodb/table.js';
import { DynamoWindowStore } from '#adapters/dynamodb/window-store.js';
import { createTimestreamWriteClient } from '#adapters/timestream/client.js';
import { mergeCommonAttributes, recordBytes } from '#adapters/timestream/rules.js';
import { TimestreamSink } from '#adapters/timestream/sink.js';
import { timestreamTableName } from '#adapters/timestream/table-name.js';
import { createAuthorizer } from '#app/auth/authorize.js';
import { createApiKey } from '#app/auth/manage-keys.js';
import type { CloseJob } from '#app/close-ports.js';
import type { CloseOutcome } from '#app/close-window.js';
import { planCloses } from '#app/plan-closes.js';
import type { ResultRecord, ResultSink, SinkReport, SupersededResult } from '#app/results.js';
import { createAuthorizerHandler } from '#compose/authorizer/create-handler.js';
import { bindClose } from '#compose/close-worker/compose.js';
import { createCloseWorkerHandler } from '#compose/close-worker/create-handler.js';
import { bindIngest } from '#compose/ingest/compose.js';
import { createIngestHandler } from '#compose/ingest/create-handler.js';
import { createPlannerHandler } from '#compose/planner/create-handler.js';
import { composeQuery } from '#compose/query/compose.js';
import { createQueryHandler } from '#compose/query/create-handler.js';
import type { WindrowConfig } from '#core/config/config.js';
import { lambdaContext } from '#local/apigw-bridge.js';
import { LocalCloseQueue } from '#local/close-queue.js';
import { startDynalite } from '#local/dynalite.js';
import { seededRandom } from '#local/random.js';
import { FakeTimestream } from '../support/fake-timestream.js';
import {
  DYNAMO_ITEM_STORAGE_OVERHEAD_BYTES,
  dynamoReadUnits,
  dynamoWriteUnits,
  GIB,
  SECONDS_PER_MONTH,
  timestreamMemoryGbHours,
  timestreamWrites,
  WRITE_KINDS,
  type WriteKind,
  writeKindOf,
} from './cost-model.js';
import { makeWorkload } from './decode.js';

export type Service = 'dynamodb' | 'timestream';

/** The DynamoDB writes of one kind (`WriteKind`): write units, items, and the bytes of the items put. */
export interface KindWrites {
  units: number;
  items: number;
  /** Item sizes of the puts (`itemSize`), and of their `data` attribute alone (the packed states). */
  bytes: number;
  dataBytes: number;
}

function noWrites(): Record<WriteKind, KindWrites> {
  return Object.fromEntries(
    WRITE_KINDS.map((k) => [k, { units: 0, items: 0, bytes: 0, dataBytes: 0 }]),
  ) as Record<WriteKind, KindWrites>;
}

/** Counters of one slice of work (a request, a planner run, one part of a close job). */
export class Counters {
  wallMs = 0;
  ioMs = 0;
  /** I/O rounds (time spans with at least one call in flight), by the slowest service in each. */
  readonly rounds: Record<Service, number> = { dynamodb: 0, timestream: 0 };
  dynamoWriteUnits = 0;
  /** `dynamoWriteUnits` by what was written (they add up to it). */
  readonly writes: Record<WriteKind, KindWrites> = noWrites();
  dynamoReadUnits = 0;
  /** Bytes of the items Query, GetItem and BatchGetItem returned (what reads are billed on). */
  dynamoReadBytes = 0;
  /** Of those, the results table's (Query pages): bytes, read units, pages. */
  resultReadBytes = 0;
  resultReadUnits = 0;
  resultReadPages = 0;
  /** Of `dynamoReadUnits`, those of reading partials (`P#…` partitions): they grow with the child windows a rollup merges. */
  partialReadUnits = 0;
  dynamoStorageGbMonths = 0;
  dynamoCalls = 0;
  timestreamCalls = 0;
  timestreamRecords = 0;
  timestreamBytes = 0;
  timestreamWrites = 0;
  timestreamMemoryGbHours = 0;
  timestreamMagneticGbMonths = 0;
  logBytes = 0;
  logLines = 0;

  /** Wall time minus I/O time: what the handler's own code took on this machine. */
  get computeMs(): number {
    return Math.max(0, this.wallMs - this.ioMs);
  }
}

/** Where the stores' calls and the handlers' output are counted right now. */
class Meter {
  current = new Counters();
  private inFlight = 0;
  private roundStart = 0;
  private roundServices = new Set<Service>();
  private roundOwner: Counters | undefined;
  readonly metrics = new Set<string>();
  /** The fields of the last `ingested` log line (accepted, rejected, seriesWindows, …). */
  lastIngested: Record<string, unknown> | undefined;

  /** Runs `fn` with `counters` current, adding its wall time to them. */
  async within<T>(counters: Counters, fn: () => Promise<T>): Promise<T> {
    const previous = this.current;
    this.current = counters;
    const started = performance.now();
    try {
      return await fn();
    } finally {
      counters.wallMs += performance.now() - started;
      this.current = previous;
    }
  }

  callStarted(service: Service): void {
    if (this.inFlight === 0) {
      this.roundStart = performance.now();
      this.roundServices = new Set();
      this.roundOwner = this.current;
    }
    this.inFlight++;
    this.roundServices.add(service);
  }

  callEnded(): void {
    this.inFlight--;
    if (this.inFlight > 0 || this.roundOwner === undefined) return;
    this.roundOwner.ioMs += performance.now() - this.roundStart;
    this.roundOwner.rounds[this.roundServices.has('timestream') ? 'timestream' : 'dynamodb']++;
    this.roundOwner = undefined;
  }

  /** One line a handler wrote to stdout. */
  logLine(line: string): void {
    this.current.logBytes += Buffer.byteLength(line, 'utf8');
    this.current.logLines++;
    if (line.includes('"message":"ingested"'))
      this.lastIngested = JSON.parse(line) as Record<string, unknown>;
    if (!line.includes('"_aws"')) return;
    try {
      const emf = JSON.parse(line) as {
        _aws?: {
          CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
        };
      } & Record<string, unknown>;
      for (const directive of emf._aws?.CloudWatchMetrics ?? []) {
        for (const dimensions of directive.Dimensions.length > 0 ? directive.Dimensions : [[]]) {
          const values = dimensions.map((d) => `${d}=${String(emf[d])}`).join(',');
          for (const m of directive.Metrics) this.metrics.add(`${directive.Namespace}/${m.Name}{${values}}`);
        }
      }
    } catch {
      // not EMF after all
    }
  }
}

type Item = Record<string, AttributeValue>;

/** Stores counted on `meter` (DynamoDB units and storage as DynamoDB bills them). */
function meterDynamo(client: DynamoDBClient, meter: Meter, nowMs: () => number, resultsTable: string): void {
  const wrote = (
    counters: Counters,
    table: string,
    key: Item | undefined,
    units: number,
    item?: Item,
  ): void => {
    const kind = writeKindOf(table, key?.PK?.S ?? '', key?.SK?.S ?? '', resultsTable);
    const w = counters.writes[kind];
    counters.dynamoWriteUnits += units;
    w.units += units;
    w.items++;
    if (item !== undefined) {
      w.bytes += itemSize(item);
      w.dataBytes += item.data?.B?.length ?? 0;
    }
  };
  const stored = (item: Item) => {
    const ttl = item.ttl?.N;
    const pk = item.PK?.S ?? '';
    // Items without ttl (series catalog, checkpoints) are per series or per shard, not per unit of
    // work; correction marks are deleted by the next close.
    if (ttl === undefined || pk.startsWith('D#')) return;
    const seconds = Math.max(0, Number(ttl) - nowMs() / 1000);
    meter.current.dynamoStorageGbMonths +=
      ((itemSize(item) + DYNAMO_ITEM_STORAGE_OVERHEAD_BYTES) / GIB) * (seconds / SECONDS_PER_MONTH);
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counters = meter.current;
      const input = args.input as Record<string, unknown>;
      const command = context.commandName ?? '';
      meter.callStarted('dynamodb');
      let output: Record<string, unknown>;
      try {
        const result = await next(args);
        output = result.output as unknown as Record<string, unknown>;
        counters.dynamoCalls++;
        switch (command) {
          case 'BatchWriteItemCommand': {
            const tables = input.RequestItems as Record<
              string,
              { PutRequest?: { Item?: Item }; DeleteRequest?: unknown }[]
            >;
            for (const [table, requests] of Object.entries(tables)) {
              for (const r of requests) {
                const item = r.PutRequest?.Item;
                if (item !== undefined) {
                  wrote(counters, table, item, dynamoWriteUnits(itemSize(item)), item);
                  stored(item);
                } else wrote(counters, table, (r.DeleteRequest as { Key?: Item } | undefined)?.Key, 1);
              }
            }
            break;
          }
          case 'PutItemCommand': {
            const item = input.Item as Item;
            wrote(counters, String(input.TableName), item, dynamoWriteUnits(itemSize(item)), item);
            stored(item);
            break;
          }
          case 'UpdateItemCommand':
          case 'DeleteItemCommand':
            // Checkpoints, correction marks, the metric index, leftover chunks: well under 1 KB.
            wrote(counters, String(input.TableName), input.Key as Item | undefined, 1);
            break;
          case 'QueryCommand':
          case 'ScanCommand': {
            // A page bills the summed size of the items it returns, rounded up to 4 KB.
            const items = (output.Items as Item[] | undefined) ?? [];
            const bytes = items.reduce((a, i) => a + itemSize(i), 0);
            const units = dynamoReadUnits(bytes, input.ConsistentRead === true);
            counters.dynamoReadUnits += units;
            counters.dynamoReadBytes += bytes;
            if (input.TableName === resultsTable) {
              counters.resultReadBytes += bytes;
              counters.resultReadUnits += units;
              counters.resultReadPages++;
            }
            const pk = (input.ExpressionAttributeValues as Item | undefined)?.[':pk']?.S ?? '';
            if (pk.startsWith('P#')) counters.partialReadUnits += units;
            break;
          }
          case 'GetItemCommand': {
            const item = output.Item as Item | undefined;
            const bytes = item === undefined ? 0 : itemSize(item);
            counters.dynamoReadUnits += dynamoReadUnits(bytes, input.ConsistentRead === true);
            counters.dynamoReadBytes += bytes;
            break;
          }
          case 'BatchGetItemCommand': {
            const requested = input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
            const responses = (output.Responses as Record<string, Item[]> | undefined) ?? {};
            for (const [table, items] of Object.entries(responses)) {
              // BatchGetItem bills each item on its own, rounded up to 4 KB.
              for (const i of items) {
                counters.dynamoReadUnits += dynamoReadUnits(
                  itemSize(i),
                  requested[table]?.ConsistentRead === true,
                );
                counters.dynamoReadBytes += itemSize(i);
              }
            }
            break;
          }
        }
        return result;
      } finally {
        meter.callEnded();
      }
    },
    { step: 'initialize', name: 'costMeter', priority: 'high' },
  );
}

export interface TimestreamStorage {
  /**
   * The memory store retention of each table, in hours (`timestreamMemoryHours`, as infra/stack.ts
   * sets it): a record stays there from its write until its time + these hours, then it is in the
   * magnetic store (`timestreamMemoryGbHours`).
   */
  readonly memoryHours: (table: string) => number;
  /** Months a record stays in the magnetic store, by table name. */
  readonly magneticMonths: (table: string) => number;
}

function meterTimestream(
  client: TimestreamWriteClient,
  meter: Meter,
  storage: TimestreamStorage,
  nowMs: () => number,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counters = meter.current;
      meter.callStarted('timestream');
      try {
        const result = await next(args);
        if (context.commandName === 'WriteRecordsCommand') {
          const input = args.input as { TableName: string; Records: _Record[]; CommonAttributes?: _Record };
          const memoryHours = storage.memoryHours(input.TableName);
          let bytes = 0;
          for (const r of input.Records) {
            const record = mergeCommonAttributes(input.CommonAttributes, r);
            const recordSize = recordBytes(record);
            bytes += recordSize;
            // windrow writes times in milliseconds (record-builder.ts).
            counters.timestreamMemoryGbHours += timestreamMemoryGbHours(
              recordSize,
              Number(record.Time),
              nowMs(),
              memoryHours,
            );
          }
          counters.timestreamCalls++;
          counters.timestreamRecords += input.Records.length;
          counters.timestreamBytes += bytes;
          counters.timestreamWrites += timestreamWrites(bytes);
          counters.timestreamMagneticGbMonths += (bytes / GIB) * storage.magneticMonths(input.TableName);
        }
        return result;
      } finally {
        meter.callEnded();
      }
    },
    { step: 'initialize', name: 'costMeter', priority: 'high' },
  );
}

/** One ingest request as measured. */
export interface IngestSample {
  readonly bodyBytes: number;
  readonly points: number;
  readonly seriesWindows: number;
  readonly counters: Counters;
}

/** One close job: the common part, and each sink's own part. */
export interface CloseSample {
  readonly job: CloseJob;
  readonly tierName: string;
  readonly status: CloseOutcome['status'];
  readonly series: number;
  readonly records: number;
  readonly common: Counters;
  readonly sinks: Record<Service, Counters>;
}

export interface InvocationSample {
  readonly jobs: number;
  /** Wall time outside the jobs (middy, Powertools, batch processing) and the invocation's own logs. */
  readonly overhead: Counters;
}

export interface PlannerSample {
  readonly jobs: number;
  readonly counters: Counters;
}

/** A query the scenario asks at its end, over the first tier's windows of one hour. */
export interface QuerySpec {
  readonly name: string;
  readonly metric: string;
  /** More parameters (`&by=…`) after `metric`, `tier=auto`, `from` and `to`. */
  readonly extra?: string;
}

/** One answer to a `QuerySpec`, as the query function gave it. */
export interface QuerySample {
  readonly name: string;
  readonly status: number;
  readonly bodyBytes: number;
  /** Series (or groups) in the answer, and their points. */
  readonly series: number;
  readonly points: number;
  /** The query function's work: reads (results Query pages, checkpoints), time, log lines. */
  readonly counters: Counters;
  /**
   * With the Timestream sink the reader gets each answered series' catalog item (BatchGetItem,
   * `DynamoSeriesLookup`): that lookup alone, for the same series.
   */
  readonly lookup: Counters;
  readonly lookedUp: number;
  /**
   * False for the first round: a cold query function (its catalog cache empty, its code not yet
   * optimized). Later rounds are a warm function's, as a dashboard refreshing every minute keeps it.
   */
  readonly warm: boolean;
}

export interface ScenarioRun {
  readonly ingest: IngestSample[];
  /** The authorizer deciding on the request's API key, before each ingest request (a cache miss). */
  readonly authorizer: Counters[];
  readonly closes: CloseSample[];
  readonly closeInvocations: InvocationSample[];
  readonly planner: PlannerSample[];
  /** Distinct EMF metrics (namespace/name{dimension values}) the handlers emitted. */
  readonly metrics: string[];
  /** Minutes of data ingested (the hour's other 1m windows were skipped, see `runScenario`). */
  readonly minutesWithData: number;
  /** Each query's answers, one per round (`ScenarioOptions.queries`; the first round `warm: false`). */
  readonly queries: QuerySample[];
}

export interface ScenarioOptions {
  readonly config: WindrowConfig;
  /**
   * Body, content type and encoding of the `index`-th request sent in minute `minute` (data at
   * `startMs`).
   */
  readonly request: (
    minute: number,
    startMs: number,
    index: number,
  ) => { body: Uint8Array; path: string; headers: Record<string, string> };
  /** Requests sent each minute (default 1), one after the other. */
  readonly requestsPerMinute?: number;
  /** Minutes with data (1…60), starting at the hour. */
  readonly minutes: number;
  readonly timestream: TimestreamStorage;
  /**
   * Queries asked at the end (step 5 of `runScenario`) over the hour's first-tier windows, each
   * `queryRounds` times (default 3; the first is a cold function's).
   */
  readonly queries?: readonly QuerySpec[];
  readonly queryRounds?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The day the runs happen in (the clock is simulated; nothing depends on the real date). */
const DAY = Date.UTC(2026, 10, 25);

/** Swaps stdout for the meter while the handlers run (their logs are counted, not printed). */
function captureStdout(meter: Meter): () => void {
  const original = process.stdout.write.bind(process.stdout);
  let partial = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      meter.logLine(partial.slice(0, newline));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
  };
}

function authorizerEvent(path: string, authorization: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:us-east-1:123456789012:cost/$default/POST${path}`,
    identitySource: [authorization],
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    cookies: [],
    headers: { authorization },
    requestContext: {
      accountId: '123456789012',
      apiId: 'cost',
      domainName: 'cost.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'cost',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'OTel-OTLP-Exporter',
      },
      requestId: 'cost-auth',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '25/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    pathParameters: {},
    stageVariables: {},
  };
}

function apiEvent(
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  n: number,
  tenant: string,
): APIGatewayProxyEventV2 {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'cost',
      domainName: 'cost.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'cost',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'OTel-OTLP-Exporter',
      },
      requestId: `cost-${n}`,
      routeKey: '$default',
      stage: '$default',
      time: '25/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
  // What API Gateway passes on from the Lambda authorizer's context.
  Object.assign(event.requestContext, { authorizer: { lambda: { tenant } } });
  return event;
}

/**
 * Copies the first tier's results packs of `metrics` from the `minutes` minutes with data (from
 * `DAY`) to the hour's other minutes: minute m gets minute m mod `minutes`'s items, unchanged but
 * for the window start in the SK.
 */
async function fillHour(
  client: DynamoDBClient,
  table: string,
  metrics: ReadonlySet<string>,
  tier: string,
  minutes: number,
): Promise<void> {
  const items: Item[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const [, window, ...rest] = (item.PK?.S ?? '').split('#');
      if (window === tier && metrics.has(rest.join('#'))) items.push(item);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  const copies: Item[] = [];
  for (const item of items) {
    const key = parseResultSk(item.SK?.S ?? '');
    if (key === undefined) continue;
    const minute = Math.round((key.windowStartMs - DAY) / MINUTE_MS);
    if (minute < 0 || minute >= minutes) continue;
    for (let m = minute + minutes; m < 60; m += minutes) {
      copies.push({ ...item, SK: { S: resultSk(DAY + m * MINUTE_MS, key.packId, key.chunk) } });
    }
  }
  for (let i = 0; i < copies.length; i += 25) {
    let pending: { PutRequest: { Item: Item } }[] = copies
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

/** `GET /v1/query?…` as API Gateway passes it on, with the tenant from the authorizer. */
function queryEvent(rawQueryString: string, requestId: string): APIGatewayProxyEventV2 {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: 'GET /v1/query',
    rawPath: '/v1/query',
    rawQueryString,
    headers: { accept: 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'cost',
      domainName: 'cost.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'cost',
      http: {
        method: 'GET',
        path: '/v1/query',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'windrow-dashboard',
      },
      requestId,
      routeKey: 'GET /v1/query',
      stage: '$default',
      time: '25/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
  Object.assign(event.requestContext, { authorizer: { lambda: { tenant: 'default' } } });
  return event;
}

/**
 * One scenario end to end on a fresh dynalite and Timestream fake, on a simulated clock:
 *
 * 1. three planner ticks before any data: checkpoints are created, and empty 1m windows close (the
 *    cost every (window, shard) has whatever the traffic);
 * 2. for each of `minutes` minutes: the minute's requests are ingested 40 s into the minute (their
 *    points from 5 s on), and the planner ticks 31 s after the minute ends (allowed lateness 30 s),
 *    closing that 1m window in every shard;
 * 3. the 1m checkpoints are moved to the end of the hour (windows of that hour with no data would
 *    close empty: their cost is step 1's), and a tick closes the 1h window, rolled up from the 1m
 *    windows' states;
 * 4. the 1m and 1h checkpoints are moved to the end of the day, and a tick closes the 1d window,
 *    rolled up from the one hour that had data;
 * 5. with `queries`: the first tier's results packs of the queried metrics are copied from the
 *    minutes with data to the hour's other minutes (minute m gets minute m mod `minutes`'s items, as
 *    they are: an hour of the same traffic), and each query is asked through the query function's
 *    handler (lib/compose/query, DynamoDB sink) over that hour with `tier=auto` — 60 1m windows.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioRun> {
  const { config } = options;
  const meter = new Meter();
  let nowMs = DAY - 4 * MINUTE_MS;
  const clock = { nowMs: () => nowMs };
  const db = await startDynalite();
  const timestream = await FakeTimestream.start({ now: () => nowMs });
  const restoreStdout = captureStdout(meter);
  const savedEnv = {
    level: process.env.POWERTOOLS_LOG_LEVEL,
    metrics: process.env.POWERTOOLS_METRICS_DISABLED,
    dev: process.env.POWERTOOLS_DEV,
  };
  // What the Lambdas run with: INFO logs, EMF metrics on.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  try {
    const STATE = 'windrow-state';
    const RESULTS = 'windrow-results';
    const DATABASE = 'windrow';
    await createWindowStateTable(db.client, STATE);
    await createResultsTable(db.client, RESULTS);
    // As infra/stack.ts creates them: the memory store per table, magnetic-store writes on.
    for (const table of [
      ...config.tiers.map((t) => timestreamTableName(t.name, 'tier')),
      ...config.sliding.map((w) => timestreamTableName(w.name, 'sliding')),
      ...config.sessions.map((w) => timestreamTableName(w.name, 'session')),
    ]) {
      timestream.createTable(DATABASE, table, {
        memoryStoreRetentionMs: options.timestream.memoryHours(table) * HOUR_MS,
        magneticStoreWrites: true,
      });
    }
    meterDynamo(db.client, meter, clock.nowMs, RESULTS);
    const tsClient = createTimestreamWriteClient({
      endpoint: timestream.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'cost', secretAccessKey: 'cost' },
      maxAttempts: 1,
    });
    meterTimestream(tsClient, meter, options.timestream, clock.nowMs);

    // The authorizer, as lib/compose/authorizer builds it, and one API key.
    const keys = new DynamoApiKeyStore({ client: db.client, tableName: STATE });
    const { key } = await createApiKey(keys, 'default', 'npm run cost', nowMs);
    const authorizer = createAuthorizerHandler({ authorizer: createAuthorizer(keys, clock) });
    // Ingest, as lib/compose/ingest builds it (on dynalite), without the deployment record.
    const ingestFn = bindIngest(
      config,
      {
        store: new DynamoWindowStore({ client: db.client, tableName: STATE, clock }),
        catalog: new DynamoSeriesCatalog({ client: db.client, tableName: STATE, clock }),
        budget: new DynamoSeriesBudget({ client: db.client, tableName: STATE }),
      },
      clock,
    );
    const ingestHandler = createIngestHandler({ config, ingest: ingestFn });

    // Close worker, as lib/compose/close-worker builds it, with both sinks in turn.
    const store = new DynamoCloseStore({ client: db.client, tableName: STATE, clock });
    const sinks: Record<Service, ResultSink> = {
      timestream: new TimestreamSink({ client: tsClient, databaseName: DATABASE }),
      dynamodb: new DynamoResultsSink({
        client: db.client,
        tableName: RESULTS,
        groupOf: groupByShard(config.shards),
        retentionMs: config.retentionMs,
      }),
    };
    let jobSinks: Record<Service, Counters> = { timestream: new Counters(), dynamodb: new Counters() };
    const tee: ResultSink = {
      async write(records: readonly ResultRecord[]): Promise<SinkReport> {
        const ts = await meter.within(jobSinks.timestream, () => sinks.timestream.write(records));
        const ddb = await meter.within(jobSinks.dynamodb, () => sinks.dynamodb.write(records));
        if (ts.rejected > 0 || ddb.rejected > 0) {
          throw new Error(`sink rejected records: timestream ${ts.rejected}, dynamodb ${ddb.rejected}`);
        }
        return ts;
      },
      async supersede(results: readonly SupersededResult[]): Promise<SinkReport> {
        const ts = await meter.within(jobSinks.timestream, () => sinks.timestream.supersede(results));
        await meter.within(jobSinks.dynamodb, () => sinks.dynamodb.supersede(results));
        return ts;
      },
    };
    const close = bindClose(
      config,
      {
        store,
        sessions: new DynamoSessionStore({ client: db.client, tableName: STATE }),
        lookup: new DynamoSeriesLookup({ client: db.client, tableName: STATE }),
        sink: tee,
      },
      clock,
    );
    const closes: CloseSample[] = [];
    const worker = createCloseWorkerHandler({
      tierNames: config.tiers.map((t) => t.name),
      close: async (job) => {
        const common = new Counters();
        jobSinks = { timestream: new Counters(), dynamodb: new Counters() };
        const sinksOfJob = jobSinks;
        const outcome = await meter.within(common, () => close(job));
        // The sinks' wall time was counted in `common` too.
        common.wallMs -= sinksOfJob.timestream.wallMs + sinksOfJob.dynamodb.wallMs;
        closes.push({
          job,
          tierName: config.tiers[job.tier]?.name ?? String(job.tier),
          status: outcome.status,
          series: outcome.series,
          records: outcome.records,
          common,
          sinks: sinksOfJob,
        });
        // The worker's log line for this job is written after close returns: count it with the job.
        meter.current = common;
        return outcome;
      },
    });
    const queue = new LocalCloseQueue({ clock });
    const planner = createPlannerHandler({ plan: () => planCloses({ store, queue, clock, config }) });
    const plannerRuns: PlannerSample[] = [];
    const invocations: InvocationSample[] = [];
    const ingestSamples: IngestSample[] = [];
    const authorizerSamples: Counters[] = [];
    const idle = new Counters();
    meter.current = idle;

    const tick = async (atMs: number) => {
      nowMs = atMs;
      const counters = new Counters();
      const report = await meter.within(counters, () =>
        planner({}, lambdaContext('windrow-planner', `tick-${atMs}`)),
      );
      plannerRuns.push({ jobs: report.jobs, counters });
      meter.current = idle;
      await queue.pump(
        async (event: SQSEvent, context) => {
          const before = closes.length;
          const overhead = new Counters();
          const started = performance.now();
          const response = await meter.within(overhead, () => worker(event, context));
          const jobs = closes.slice(before);
          overhead.wallMs =
            performance.now() -
            started -
            jobs.reduce(
              (a, j) => a + j.common.wallMs + j.sinks.timestream.wallMs + j.sinks.dynamodb.wallMs,
              0,
            );
          invocations.push({ jobs: jobs.length, overhead });
          meter.current = idle;
          return response;
        },
        lambdaContext('windrow-close-worker', `tick-${atMs}`),
      );
      if (queue.deadLetters.length > 0)
        throw new Error(`close jobs dead-lettered: ${queue.deadLetters.length}`);
    };

    const moveCheckpoints = async (tier: number, toMs: number) => {
      for (const [shard, checkpoint] of await store.readCheckpoints(tier)) {
        if (checkpoint.closedThroughMs < toMs) {
          await store.advanceCheckpoint(tier, shard, checkpoint.closedThroughMs, toMs);
        }
      }
    };

    // 1. Empty windows.
    for (const m of [-3, -2, -1]) await tick(DAY + m * MINUTE_MS + 31_000);
    // 2. Minutes with data.
    for (let minute = 0; minute < options.minutes; minute++) {
      const windowStartMs = DAY + minute * MINUTE_MS;
      nowMs = windowStartMs + 40_000;
      for (let index = 0; index < (options.requestsPerMinute ?? 1); index++) {
        const n = minute * (options.requestsPerMinute ?? 1) + index;
        const { body, path, headers } = options.request(minute, windowStartMs + 5_000, index);
        const auth = new Counters();
        const decision = await meter.within(auth, () =>
          authorizer(
            authorizerEvent(path, `Bearer ${key}`),
            lambdaContext('windrow-authorizer', `authorize-${n}`),
          ),
        );
        meter.current = idle;
        if (!decision.isAuthorized) throw new Error('the authorizer refused the API key');
        authorizerSamples.push(auth);
        const counters = new Counters();
        const response = await meter.within(counters, () =>
          ingestHandler(
            apiEvent(path, headers, body, n, decision.context.tenant),
            lambdaContext('windrow-ingest', `ingest-${n}`),
          ),
        );
        meter.current = idle;
        const logged = meter.lastIngested;
        meter.lastIngested = undefined;
        if (response.statusCode !== 200 || logged === undefined || Number(logged.rejected) > 0) {
          throw new Error(`ingest answered ${response.statusCode}: ${JSON.stringify(logged)}`);
        }
        ingestSamples.push({
          bodyBytes: body.length,
          points: Number(logged.accepted),
          seriesWindows: Number(logged.seriesWindows),
          counters,
        });
      }
      await tick(windowStartMs + MINUTE_MS + 31_000);
    }
    // 3. The hour.
    await moveCheckpoints(0, DAY + HOUR_MS - MINUTE_MS);
    await tick(DAY + HOUR_MS + 31_000);
    // 4. The day.
    await moveCheckpoints(0, DAY + DAY_MS - MINUTE_MS);
    await moveCheckpoints(1, DAY + DAY_MS - HOUR_MS);
    await tick(DAY + DAY_MS + 31_000);

    // 5. Queries over the hour.
    const querySamples: QuerySample[] = [];
    if (options.queries !== undefined && options.queries.length > 0) {
      const specs = options.queries;
      const firstTier = config.tiers[0]?.name ?? '1m';
      meter.current = new Counters(); // the copies are not counted
      await fillHour(db.client, RESULTS, new Set(specs.map((q) => q.metric)), firstTier, options.minutes);
      const queryHandler = createQueryHandler(
        composeQuery(
          { tableName: STATE, config, sink: { kind: 'dynamodb', resultsTable: RESULTS } },
          { dynamo: db.client },
          { clock },
        ),
      );
      const results = new DynamoResultsReader({ client: db.client, tableName: RESULTS, clock });
      const lookup = new DynamoSeriesLookup({ client: db.client, tableName: STATE });
      const fromMs = DAY;
      const toMs = DAY + HOUR_MS;
      const rounds = options.queryRounds ?? 3;
      for (let round = 0; round < rounds; round++) {
        for (const spec of specs) {
          const rawQueryString = `metric=${encodeURIComponent(spec.metric)}&tier=auto&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}${spec.extra ?? ''}`;
          const counters = new Counters();
          const response = await meter.within(counters, () =>
            queryHandler(
              queryEvent(rawQueryString, `query-${round}-${spec.name}`),
              lambdaContext('windrow-query', `query-${round}-${spec.name}`),
            ),
          );
          meter.current = new Counters();
          const body = typeof response.body === 'string' ? response.body : '';
          const answer = (response.statusCode === 200 ? JSON.parse(body) : { series: [] }) as {
            series: { points: unknown[] }[];
          };
          // The Timestream reader's catalog lookup of the same series.
          const records = await results.read({
            tenant: 'default',
            metric: spec.metric,
            window: firstTier,
            fromMs,
            toMs,
            limit: 100_000,
          });
          const ids = [...new Set(records.map((r) => r.seriesId))];
          const looked = new Counters();
          await meter.within(looked, () =>
            lookup.lookup(ids.map((seriesId) => ({ tenant: 'default', seriesId }))),
          );
          meter.current = new Counters();
          querySamples.push({
            name: spec.name,
            status: response.statusCode ?? 0,
            bodyBytes: Buffer.byteLength(body),
            series: answer.series.length,
            points: answer.series.reduce((a, x) => a + x.points.length, 0),
            counters,
            lookup: looked,
            lookedUp: ids.length,
            warm: round > 0,
          });
        }
      }
      meter.current = idle;
    }

    return {
      ingest: ingestSamples,
      authorizer: authorizerSamples,
      closes,
      closeInvocations: invocations,
      planner: plannerRuns,
      metrics: [...meter.metrics].sort(),
      minutesWithData: options.minutes,
      queries: querySamples,
    };
  } finally {
    restoreStdout();
    for (const [k, v] of [
      ['POWERTOOLS_LOG_LEVEL', savedEnv.level],
      ['POWERTOOLS_METRICS_DISABLED', savedEnv.metrics],
      ['POWERTOOLS_DEV', savedEnv.dev],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await timestream.stop();
    await db.stop();
  }
}

/** An OpenTelemetry SDK's export: `series` series, one point each, OTLP/protobuf, gzip. */
export function sdkExport(series: number) {
  return (minute: number, startMs: number) => ({
    body: gzipSync(makeWorkload({ series, pointsPerSeries: 1, startMs, seed: minute + 1 }).protobuf),
    path: '/v1/metrics',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
  });
}

/**
 * A Collector's batch to `/v1/points`: `points` gauge samples over `series` series (10 metrics, the
 * rest in attributes), spread over the minute, plain JSON.
 */
export function collectorBatch(points: number, series: number) {
  return (minute: number, startMs: number) => {
    const random = seededRandom(minute + 7);
    const perSeries = Math.ceil(points / series);
    const step = Math.floor(50_000 / perSeries);
    const list = [];
    for (let i = 0; i < points; i++) {
      const s = i % series;
      list.push({
        metric: `sensor.reading.${s % 10}`,
        timestamp: startMs + Math.floor(i / series) * step,
        value: Math.round((20 + random() * 10) * 100) / 100,
        attributes: { 'sensor.id': `sensor-${s}`, site: `site-${s % 7}`, floor: String(s % 3) },
      });
    }
    return {
      body: new TextEncoder().encode(JSON.stringify({ points: list })),
      path: '/v1/points',
      headers: { 'content-type': 'application/json' },
    };
  };
}

/** A fleet of pods: `services` services, each with `pods` pods reporting one series per route. */
export interface PodFleet {
  readonly services: number;
  readonly routes: number;
  readonly pods: number;
}

/** The metric each pod reports (a delta histogram per route, the SDK's default bounds). */
export const POD_METRIC = 'http.server.request.duration';
const POD_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** Source series of a fleet (every pod's own series) and the series left when `service.instance.id` is dropped. */
export function podFleetSeries(fleet: PodFleet): { source: number; withoutInstance: number } {
  return {
    source: fleet.services * fleet.routes * fleet.pods,
    withoutInstance: fleet.services * fleet.routes,
  };
}

/**
 * Service `index`'s pods exporting once a minute, batched into one request (a Collector in front
 * of them, or a gateway): per pod a resource with `service.name` and its own `service.instance.id`
 * (as the SDK sets it, a random UUID per process), and one delta histogram point per route, delta
 * temporality (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta`, what a view pools).
 * OTLP/protobuf as the JS SDK's serializer writes it (one request per pod, concatenated: a repeated
 * field), gzip.
 */
export function podFleetExport(fleet: PodFleet) {
  return (minute: number, startMs: number, index: number) => {
    const random = seededRandom(minute * 1_000 + index + 11);
    const service = `service-${index % fleet.services}`;
    const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
    const parts: Uint8Array[] = [];
    for (let pod = 0; pod < fleet.pods; pod++) {
      const dataPoints = Array.from({ length: fleet.routes }, (_, route) => {
        const counts = POD_BOUNDARIES.map(() => Math.floor(random() * 20)).concat([Math.floor(random() * 3)]);
        const count = counts.reduce((a, b) => a + b, 0);
        return {
          startTime: hr(startMs - MINUTE_MS),
          endTime: hr(startMs),
          attributes: {
            'http.route': `/api/v1/resource-${route}`,
            'http.request.method': 'GET',
            'http.response.status_code': 200,
          },
          value: {
            buckets: { boundaries: POD_BOUNDARIES, counts },
            count,
            sum: count * 120.5,
            min: 0.5,
            max: 9000 + random(),
          },
        };
      });
      const body = ProtobufMetricsSerializer.serializeRequest({
        resource: resourceFromAttributes({
          'service.name': service,
          'service.version': '4.2.0',
          'service.instance.id': `${service}-${pod.toString(16).padStart(8, '0')}-1b7d-4a55-9d61-0a7c3f1e2b90`,
          'telemetry.sdk.language': 'nodejs',
          'telemetry.sdk.name': 'opentelemetry',
          'telemetry.sdk.version': '2.12.0',
        }),
        scopeMetrics: [
          {
            scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
            metrics: [
              {
                descriptor: { name: POD_METRIC, description: '', unit: 'ms', valueType: ValueType.DOUBLE },
                aggregationTemporality: AggregationTemporality.DELTA,
                dataPointType: DataPointType.HISTOGRAM,
                dataPoints,
              },
            ],
          },
        ],
      });
      if (body === undefined) throw new Error('serializer produced no body');
      parts.push(body);
    }
    return {
      body: gzipSync(Buffer.concat(parts)),
      path: '/v1/metrics',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    };
  };
}
