/**
 * End-to-end local ingest: OTLP/protobuf requests of 500 series over real HTTP into the local stack
 * (dynalite), with 1, 4 and 16 concurrent clients. Also the DynamoDB cost of what was written,
 * counted at the DynamoDB client the way DynamoDB bills it (each item's started kilobytes), per
 * 1,000 series-windows, next to the byte floor (encoded state bytes / 1 KB) and next to one item per
 * series-window.
 */
import { pathToFileURL } from 'node:url';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSize } from '#adapters/dynamodb/item-size.js';
import { parseConfig } from '#core/config/config.js';
import { unpackStates } from '#core/preaggregate/partial-codec.js';
import { nearestRank } from '#core/sketch/index.js';
import { startLocalStack } from '#local/stack.js';
import { makeWorkload } from './decode.js';
import { type BenchFigure, figure } from './report.js';

const SERIES = 500;
const BODIES = 48;
const SECONDS_PER_LEVEL = 3;

/** Nearest rank, the ⌈q·n⌉-th smallest, like every percentile windrow reports. */
function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : (sorted[nearestRank(q, sorted.length)] ?? 0);
}

export async function ingestLocalBench(): Promise<BenchFigure[]> {
  const stack = await startLocalStack({ config: parseConfig({ sink: 'dynamodb' }), port: 0, quiet: true });
  const partialItems: { size: number; dataBytes: number; series: number }[] = [];
  stack.db.client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        RequestItems?: Record<string, { PutRequest?: { Item?: Record<string, AttributeValue> } }[]>;
      };
      for (const requests of Object.values(input.RequestItems ?? {})) {
        for (const r of requests) {
          const item = r.PutRequest?.Item;
          const data = item?.data?.B;
          if (item === undefined || data === undefined || !item.PK?.S?.startsWith('P#')) continue;
          partialItems.push({
            size: itemSize(item),
            dataBytes: data.length,
            series: unpackStates(data).length,
          });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchItemSizes' },
  );
  try {
    const now = Date.now();
    // Distinct bodies (different values and times), one point per series: what an SDK exports.
    const bodies = Array.from(
      { length: BODIES },
      (_, i) =>
        makeWorkload({ series: SERIES, pointsPerSeries: 1, startMs: now - 20_000 + i * 10, seed: i + 1 })
          .protobuf,
    );
    const figures: BenchFigure[] = [];
    let baseline: number | undefined;
    for (const clients of [1, 4, 16]) {
      let next = 0;
      let points = 0;
      let errors = 0;
      const deadline = performance.now() + SECONDS_PER_LEVEL * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < deadline) {
            const body = Buffer.from(bodies[next++ % BODIES] as Uint8Array);
            const response = await fetch(`${stack.url}/v1/metrics`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-protobuf' },
              body,
            });
            await response.arrayBuffer();
            if (response.status === 200) points += SERIES;
            else errors++;
          }
        }),
      );
      if (errors > 0) throw new Error(`${errors} requests failed`);
      const rate = points / ((performance.now() - started) / 1000);
      baseline ??= rate;
      figures.push(
        figure(
          `local ingest over HTTP into dynalite, ${clients} client(s) (vs 1 client)`,
          rate,
          'points/s',
          baseline,
        ),
      );
    }
    const seriesWindows = partialItems.reduce((a, p) => a + p.series, 0);
    const units = partialItems.reduce((a, p) => a + Math.max(1, Math.ceil(p.size / 1024)), 0);
    const floor = partialItems.reduce((a, p) => a + p.dataBytes, 0) / 1024;
    // One item per series-window: each state in its own item (keys + attributes ≈ 80 bytes more).
    const perSeries = partialItems.reduce(
      (a, p) => a + p.series * Math.max(1, Math.ceil((p.dataBytes / p.series + 80) / 1024)),
      0,
    );
    const per1000 = (x: number) => (x * 1000) / seriesWindows;
    const sizes = partialItems.map((p) => p.size).sort((a, b) => a - b);
    figures.push(
      figure(
        'DynamoDB write units per 1,000 series-windows (500-series requests) vs byte floor',
        per1000(units),
        'WCU',
        per1000(floor),
      ),
      figure(
        'DynamoDB write units per 1,000 series-windows, one item per series-window (vs packed)',
        per1000(perSeries),
        'WCU',
        per1000(units),
      ),
      figure('partial item size p50', percentile(sizes, 0.5), 'bytes'),
      figure('partial item size p99', percentile(sizes, 0.99), 'bytes'),
    );
    return figures;
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await ingestLocalBench());
}
