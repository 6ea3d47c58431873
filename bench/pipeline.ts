/**
 * The ingest hot path on one core, in-process: decode + normalize + pre-aggregate (group by series and
 * first-tier window, fold into states, encode them) — what the ingest Lambda does before its writes.
 * Baseline: `JSON.parse` alone on the same request's JSON body, the floor protobuf must beat.
 * Caches are warm (series ids, interned attribute sets), as in a warm Lambda receiving a sender's
 * next export.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_AGGREGATE_OPTIONS, encodeTaggedState, kindForPoint } from '#core/aggregate/index.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import type { DecodeResult } from '#core/point.js';
import { preAggregate } from '#core/preaggregate/preaggregate.js';
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
  const ingest = (decoded: DecodeResult) => {
    const agg = preAggregate(decoded.points, {
      tenant: 'default',
      tier,
      ids,
      aggregate: DEFAULT_AGGREGATE_OPTIONS,
      resolveKind: kindForPoint,
    });
    bytes = 0;
    states = 0;
    for (const group of agg.groups.values()) {
      for (const e of group.series.values()) {
        bytes += encodeTaggedState(e.kind, e.state).length;
        states++;
      }
    }
  };
  let parsed = 0;
  const rates = [0, 0, 0];
  for (let round = 0; round < 3; round++) {
    rates[0] = Math.max(
      rates[0] ?? 0,
      opsPerSecond(() => ingest(decodeOtlpProtobuf(w.protobuf, w.normalizeOptions)), w.pointCount, 300),
    );
    rates[1] = Math.max(
      rates[1] ?? 0,
      opsPerSecond(() => ingest(decodeOtlpJson(w.json, w.normalizeOptions)), w.pointCount, 300),
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
      'ingest path: protobuf decode + normalize + pre-aggregate + encode states (vs JSON.parse alone)',
      pb,
      'points/s',
      parse,
    ),
    figure(
      'ingest path: JSON decode + normalize + pre-aggregate + encode states (vs JSON.parse alone)',
      json,
      'points/s',
      parse,
    ),
    figure('encoded state per series-window (20 points each)', bytes / states, 'bytes'),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(pipelineBench());
}
