/**
 * The ingest hot path on one core, in-process: decode + normalize + pre-aggregate (group by series and
 * first-tier window, fold into states) + pack each (window, shard)'s states into one partial — what the ingest Lambda does before its writes.
 * Baseline: `JSON.parse` alone on the same request's JSON body, the floor protobuf must beat.
 * Caches are warm (series ids, interned attribute sets), as in a warm Lambda receiving a sender's
 * next export.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_AGGREGATE_OPTIONS, kindForPoint } from '#core/aggregate/index.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import type { NormalizedPoint } from '#core/point.js';
import { packStates } from '#core/preaggregate/partial-codec.js';
import { PreAggregator } from '#core/preaggregate/preaggregate.js';
import { SeriesIdCache } from '#core/series/id.js';
import { parseTiers } from '#core/window/tiers.js';
import { makeWorkload } from './decode.js';
import { type BenchFigure, figure, opsPerSecond } from './report.js';

export function pipelineBench(): BenchFigure[] {
  const w = makeWorkload();
  const [tier] = parseTiers(['1m']);
  if (tier === undefined) throw new Error('unreachable');
  const ids = new SeriesIdCache(8);
  let bytes = 0;
  let states = 0;
  type Decoder = (sink: (p: NormalizedPoint) => void) => unknown;
  const ingest = (decode: Decoder) => {
    const pre = new PreAggregator({
      tenant: 'default',
      tier,
      ids,
      aggregate: DEFAULT_AGGREGATE_OPTIONS,
      resolveKind: kindForPoint,
    });
    decode((p) => pre.add(p));
    const agg = pre.result();
    bytes = 0;
    states = 0;
    for (const group of agg.groups.values()) {
      bytes += packStates(group.series.values()).length;
      states += group.series.size;
    }
  };
  let parsed = 0;
  const rates = [0, 0, 0];
  for (let round = 0; round < 3; round++) {
    rates[0] = Math.max(
      rates[0] ?? 0,
      opsPerSecond(
        () => ingest((sink) => decodeOtlpProtobuf(w.protobuf, w.normalizeOptions, sink)),
        w.pointCount,
        300,
      ),
    );
    rates[1] = Math.max(
      rates[1] ?? 0,
      opsPerSecond(
        () => ingest((sink) => decodeOtlpJson(w.json, w.normalizeOptions, sink)),
        w.pointCount,
        300,
      ),
    );
    rates[2] = Math.max(
      rates[2] ?? 0,
      opsPerSecond(
        () => {
          parsed += (JSON.parse(w.json) as { resourceMetrics: unknown[] }).resourceMetrics.length;
        },
        w.pointCount,
        300,
      ),
    );
  }
  if (parsed === 0) throw new Error('nothing parsed');
  const [pb = 0, json = 0, parse = 0] = rates;
  return [
    figure(
      'ingest path: protobuf decode + normalize + pre-aggregate + pack partials (vs JSON.parse alone)',
      pb,
      'points/s',
      parse,
    ),
    figure(
      'ingest path: JSON decode + normalize + pre-aggregate + pack partials (vs JSON.parse alone)',
      json,
      'points/s',
      parse,
    ),
    figure(
      'packed partial bytes per series-window (20 points each, incl. 16-byte id)',
      bytes / states,
      'bytes',
    ),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(pipelineBench());
}
