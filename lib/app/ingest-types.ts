import type { Rejections } from '../core/point.js';

/** The three body formats the HTTP edge accepts. */
export type IngestFormat = 'otlp-protobuf' | 'otlp-json' | 'points';

export interface IngestRequest {
  readonly tenant: string;
  readonly format: IngestFormat;
  /** The body after transport decoding (base64, gzip): what the decoder reads. */
  readonly body: Uint8Array;
}

/** What one request did: the edge builds its response and self-metrics from it. */
export interface IngestResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly rejections: Rejections;
  readonly seriesWindows: number;
  /** Partial items written (one per window × shard × chunk). */
  readonly partials: number;
  readonly bytes: number;
  readonly writeUnits: number;
  readonly itemSizes: readonly number[];
  /** Accepted points whose window may already be closing (late: a correction mark was written). */
  readonly latePoints: number;
  readonly corrections: number;
  readonly newSeries: number;
  /** Said to the sender without refusing anything (OTLP partial success with 0 rejected). */
  readonly warnings?: readonly string[];
}
