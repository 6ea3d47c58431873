/**
 * Stand-ins for the ingest use case at the edge: one that runs the real decoders (so DecodeError and
 * per-point rejections flow exactly as in production) without a store, and the captured OTLP fixtures.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IngestFormat, IngestRequest, IngestResult } from '#app/ingest-types.js';
import { decodeOtlpJson } from '#core/otlp/decode-json.js';
import { decodeOtlpProtobuf } from '#core/otlp/decode-protobuf.js';
import { decodeSimplePoints } from '#core/otlp/simple-points.js';
import {
  DEFAULT_NORMALIZE_LIMITS,
  type DecodeResult,
  emptyRejections,
  type NormalizeOptions,
} from '#core/point.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/otlp/', import.meta.url));

/** The captured exporter bodies (see ../shared/fixtures/otlp/README.md). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** All fixture times are 2026-11-25 ~16:59:46Z; this is a few seconds later. */
export const FIXTURE_NOW_MS = 1_795_633_200_000;

const DECODERS: Record<IngestFormat, (body: Uint8Array, options: NormalizeOptions) => DecodeResult> = {
  'otlp-protobuf': decodeOtlpProtobuf,
  'otlp-json': decodeOtlpJson,
  points: decodeSimplePoints,
};

export interface DecodingIngest {
  (request: IngestRequest): Promise<IngestResult>;
  readonly calls: IngestRequest[];
}

/** An ingest that decodes with the real decoders at `nowMs` and writes nothing. */
export function decodingIngest(nowMs = FIXTURE_NOW_MS): DecodingIngest {
  const calls: IngestRequest[] = [];
  const fn = async (request: IngestRequest): Promise<IngestResult> => {
    calls.push(request);
    const decoded = DECODERS[request.format](request.body, {
      nowMs,
      correctionHorizonMs: 86_400_000,
      ...DEFAULT_NORMALIZE_LIMITS,
    });
    return ingestResult({
      accepted: decoded.accepted,
      rejected: decoded.rejections.total,
      rejections: decoded.rejections,
    });
  };
  return Object.assign(fn, { calls });
}

/** An IngestResult with zeros wherever `overrides` says nothing. */
export function ingestResult(overrides: Partial<IngestResult> = {}): IngestResult {
  return {
    accepted: 0,
    rejected: 0,
    rejections: emptyRejections(),
    seriesWindows: 0,
    partials: 0,
    bytes: 0,
    writeUnits: 0,
    itemSizes: [],
    latePoints: 0,
    corrections: 0,
    newSeries: 0,
    ...overrides,
  };
}
