/**
 * `by` at query time (README "Across series"), end to end on the local stack (dynalite, in-process,
 * the default 8 shards): 1,000 series of one delta histogram (point attributes `host` × `http.route`:
 * 50 hosts × 20 routes, the SDK's default bounds) over 60 closed first-tier windows — what a 1-hour
 * chart of 1m windows reads. The one tier here is 1s, on a simulated clock, so the 60 windows close
 * in two planner ticks instead of an hour; a results pack holds one (metric, window, shard) whatever
 * the window's size, so the query reads the same items as over an hour of 1m windows.
 *
 * Timed: `GET /v1/query` over the 60 windows with `by=http.route` (20 groups of 50 series) and with
 * `by=` (every series in one), against the same query without `by` (1,000 series × 60 points) as the
 * baseline — each the median of interleaved rounds, until the answer is received. Then where a `by`
 * query's time goes: the results read (DynamoDB Query, inflate + JSON.parse, base64 states), the
 * states decoded alone, and `groupRecords` (decode + merge + finalize per group and window).
 */
import { pathToFileURL } from 'node:url';
import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { decodeResultPack, joinChunks } from '#adapters/dynamodb/results-codec.js';
import { parseResultSk, resultPk, resultSkRange } from '#adapters/dynamodb/results-keys.js';
import { groupRecords } from '#app/query/group-by.js';
import type { ResultRecord } from '#app/results.js';
import { parseConfig } from '#core/config/config.js';
import { decodeResultState } from '#core/group/group-state.js';
import type { GroupKey } from '#core/group/keys.js';
import { seededRandom } from '#local/random.js';
import { type LocalStack, RESULTS_TABLE, startLocalStack } from '#local/stack.js';
import { type BenchFigure, figure } from './report.js';

const METRIC = 'http.server.request.duration';
const HOSTS = 50;
const ROUTES = 20;
const SERIES = HOSTS * ROUTES;
const WINDOWS = 60;
const WINDOW_MS = 1_000;
const ROUNDS = 5;
/** The SDK's default explicit bucket boundaries. */
const BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

function hrTime(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

/** One export: every series' delta histogram point of window `w` (OTLP/protobuf, as the JS SDK writes it). */
function exportBody(t0: number, w: number, random: () => number): Uint8Array {
  const start = t0 + w * WINDOW_MS;
  const dataPoints = [];
  for (let h = 0; h < HOSTS; h++) {
    for (let r = 0; r < ROUTES; r++) {
      const counts = BOUNDARIES.map(() => Math.floor(random() * 20)).concat([Math.floor(random() * 3)]);
      const count = counts.reduce((a, b) => a + b, 0);
      dataPoints.push({
        startTime: hrTime(start),
        endTime: hrTime(start + 500),
        attributes: { host: `ip-10-0-${Math.floor(h / 8)}-${h % 8}`, 'http.route': `/api/v1/route-${r}` },
        value: {
          buckets: { boundaries: BOUNDARIES, counts },
          count,
          sum: count * 120.5,
          min: 0.5,
          max: 9000 + random(),
        },
      });
    }
  }
  const resourceMetrics: ResourceMetrics = {
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'telemetry.sdk.language': 'nodejs' }),
    scopeMetrics: [
      {
        scope: { name: 'windrow-bench', version: '1.0.0' },
        metrics: [
          {
            descriptor: { name: METRIC, description: '', unit: 'ms', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints,
          },
        ],
      },
    ],
  };
  const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  if (body === undefined) throw new Error('serializer produced no body');
  return body;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Every results item of the range, as the reader's Query pages them (no decoding); and the pages. */
async function rawItems(
  stack: LocalStack,
  fromMs: number,
  toMs: number,
): Promise<{ items: { sk: string; data: Uint8Array }[]; pages: number }> {
  const range = resultSkRange(fromMs, toMs);
  if (range === undefined) throw new Error('empty range');
  const items: { sk: string; data: Uint8Array }[] = [];
  let pages = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const output = await stack.db.client.send(
      new QueryCommand({
        TableName: RESULTS_TABLE,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
        ExpressionAttributeValues: {
          ':pk': { S: resultPk('default', '1s', METRIC) },
          ':low': { S: range.low },
          ':high': { S: range.high },
        },
        ExclusiveStartKey: startKey,
      }),
    );
    pages++;
    for (const item of output.Items ?? []) {
      const sk = item.SK?.S;
      const data = item.data?.B;
      if (sk === undefined || data === undefined) throw new Error('a results item without SK or data');
      items.push({ sk, data });
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { items, pages };
}

/** The packs of `items` (chunks joined in order), decoded: what the reader does after its Query. */
function decodePacks(items: readonly { sk: string; data: Uint8Array }[]): number {
  const packs = new Map<string, Uint8Array[]>();
  for (const { sk, data } of items) {
    const key = parseResultSk(sk);
    if (key === undefined) throw new Error(`malformed SK ${sk}`);
    const id = `${key.windowStartMs}#${key.packId}`;
    const chunks = packs.get(id) ?? [];
    chunks[key.chunk] = data;
    packs.set(id, chunks);
  }
  let results = 0;
  for (const chunks of packs.values()) results += decodeResultPack(joinChunks(chunks)).length;
  return results;
}

interface Answer {
  readonly series: { readonly merged?: number; readonly points: { readonly count: number }[] }[];
  readonly truncated: boolean;
}

export async function groupByBench(): Promise<BenchFigure[]> {
  const t0 = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
  let nowMs = t0 - 500;
  const clock = { nowMs: () => nowMs };
  const config = parseConfig({ tiers: ['1s'], allowedLateness: '1s', sink: 'dynamodb' });
  const stack = await startLocalStack({ config, port: 0, quiet: true, clock });
  try {
    await stack.closer.tick(); // checkpoints start before the first window
    const random = seededRandom(13);
    for (let w = 0; w < WINDOWS; w++) {
      const body = exportBody(t0, w, random);
      const response = await fetch(`${stack.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.from(body),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
    }
    // Every 1s window due (end + 1 s lateness); the planner enqueues at most 60 windows per shard
    // and run, and the two empty windows before t0 come first: two ticks.
    nowMs = t0 + WINDOWS * WINDOW_MS + 1_500;
    for (let tick = 0; tick < 3 && stack.closer.totals.records < SERIES * WINDOWS; tick++) {
      await stack.closer.tick();
    }
    if (stack.closer.totals.records < SERIES * WINDOWS) {
      throw new Error(`closed ${stack.closer.totals.records} records, expected ${SERIES * WINDOWS}`);
    }

    const range = `metric=${METRIC}&tier=1s&from=${t0}&to=${t0 + WINDOWS * WINDOW_MS}`;
    const queries = { none: range, route: `${range}&by=http.route`, all: `${range}&by=` } as const;
    type Name = keyof typeof queries;
    const times: Record<Name, number[]> = { none: [], route: [], all: [] };
    const bytes: Record<Name, number> = { none: 0, route: 0, all: 0 };
    const answers: Partial<Record<Name, Answer>> = {};
    const ask = async (name: Name) => {
      const started = performance.now();
      const response = await fetch(`${stack.url}/v1/query?${queries[name]}`);
      const body = Buffer.from(await response.arrayBuffer());
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`${queries[name]} → ${response.status} ${body}`);
      bytes[name] = body.length;
      answers[name] ??= JSON.parse(body.toString('utf8')) as Answer;
      return ms;
    };
    const names = Object.keys(queries) as Name[];
    for (const name of names) await ask(name); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) times[name].push(await ask(name));
    }

    // The answers are what they should be: every window of every series, merged as asked.
    const totals = (a: Answer | undefined) =>
      (a?.series ?? []).reduce((s, x) => s + x.points.reduce((p, q) => p + q.count, 0), 0);
    const expectedCount = totals(answers.none);
    const shape = (a: Answer | undefined) =>
      `${a?.series.length} series, ${(a?.series ?? []).map((s) => s.points.length).join('/')} points`;
    if (
      answers.none?.truncated !== false ||
      answers.none.series.length !== SERIES ||
      answers.none.series.some((s) => s.points.length !== WINDOWS)
    )
      throw new Error(`no by: ${shape(answers.none)}`);
    if (answers.route?.series.length !== ROUTES || answers.route.series.some((s) => s.merged !== HOSTS))
      throw new Error(`by=http.route: ${shape(answers.route)}`);
    if (answers.all?.series.length !== 1 || answers.all.series[0]?.points.length !== WINDOWS)
      throw new Error(`by=: ${shape(answers.all)}`);
    for (const name of ['route', 'all'] as const) {
      if (totals(answers[name]) !== expectedCount) {
        throw new Error(`${name}: count ${totals(answers[name])}, expected ${expectedCount}`);
      }
    }

    // Where a `by` query's time goes, in-process (same read and merge the query function does).
    const phase = {
      read: [] as number[],
      query: [] as number[],
      packs: [] as number[],
      decode: [] as number[],
      group: [] as number[],
    };
    let itemCount = 0;
    let itemBytes = 0;
    let pageCount = 0;
    const keys: GroupKey[] = [{ source: 'attr', name: 'http.route' }];
    const options = { sketchRelativeAccuracy: config.sketchRelativeAccuracy, sketchMaxBuckets: 2048 };
    let records: ResultRecord[] = [];
    let stateBytes = 0;
    for (let round = 0; round < ROUNDS + 1; round++) {
      let started = performance.now();
      records = await stack.results.read({
        tenant: 'default',
        metric: METRIC,
        window: '1s',
        fromMs: t0,
        toMs: t0 + WINDOWS * WINDOW_MS,
        limit: 100_000,
        withState: true,
      });
      const read = performance.now() - started;
      started = performance.now();
      const raw = await rawItems(stack, t0, t0 + WINDOWS * WINDOW_MS);
      const query = performance.now() - started;
      started = performance.now();
      if (decodePacks(raw.items) !== SERIES * WINDOWS) throw new Error('packs decode to too few results');
      const packs = performance.now() - started;
      itemCount = raw.items.length;
      itemBytes = raw.items.reduce((a, i) => a + i.data.length, 0);
      pageCount = raw.pages;
      started = performance.now();
      stateBytes = 0;
      for (const r of records) {
        if (r.state === undefined) throw new Error('a result without state');
        decodeResultState(r.state);
        stateBytes += r.state.length;
      }
      const decode = performance.now() - started;
      started = performance.now();
      const grouped = groupRecords(records, keys, config.percentiles, options, false);
      const group = performance.now() - started;
      if (grouped.series.length !== ROUTES) throw new Error(`groupRecords: ${grouped.series.length} groups`);
      if (round === 0) continue; // warm-up
      phase.read.push(read);
      phase.query.push(query);
      phase.packs.push(packs);
      phase.decode.push(decode);
      phase.group.push(group);
    }
    if (records.length !== SERIES * WINDOWS) throw new Error(`read ${records.length} records`);

    const none = median(times.none);
    const kb = (n: number) => n / 1024;
    return [
      figure(
        'GET /v1/query, 1,000 series × 60 windows of a histogram, no by (local stack, dynalite)',
        none,
        'ms',
      ),
      figure(
        'GET /v1/query, same, by=http.route: 20 groups of 50 (vs no by)',
        median(times.route),
        'ms',
        none,
      ),
      figure('GET /v1/query, same, by= : 1 group of 1,000 (vs no by)', median(times.all), 'ms', none),
      figure('  answer size, no by', kb(bytes.none), 'KB'),
      figure('  answer size, by=http.route', kb(bytes.route), 'KB'),
      figure(
        '  by=http.route in-process: results read (Query, inflate, JSON, base64) (vs whole query)',
        median(phase.read),
        'ms',
        median(times.route),
      ),
      figure(
        '    of which DynamoDB Query, paged (dynalite in this process) (vs whole query)',
        median(phase.query),
        'ms',
        median(times.route),
      ),
      figure(
        '    of which packs decoded: inflate + JSON.parse, states left base64 (vs whole query)',
        median(phase.packs),
        'ms',
        median(times.route),
      ),
      figure(`  results items read: ${itemCount} packs in ${pageCount} Query pages`, kb(itemBytes), 'KB'),
      figure(
        '  by=http.route in-process: 60,000 states decoded alone (vs whole query)',
        median(phase.decode),
        'ms',
        median(times.route),
      ),
      figure(
        '  by=http.route in-process: groupRecords, decode + merge + finalize (vs whole query)',
        median(phase.group),
        'ms',
        median(times.route),
      ),
      figure('  result state size (histogram, 16 buckets)', stateBytes / records.length, 'bytes'),
    ];
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await groupByBench());
}
