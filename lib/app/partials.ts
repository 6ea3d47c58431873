/**
 * What ingest, the close worker and the planner share about partials (packed per-window states in the
 * window-state table) and about the clocks that decide when a window may be closing.
 */

/** DynamoDB items are limited to 400 KB; keys and attribute names need a little of that. */
export const MAX_PARTIAL_CHUNK_BYTES = 350_000;

/**
 * How far the planner's clock may be ahead of ours. Lambda clocks are NTP-synchronized to within
 * milliseconds; one second is a generous bound that costs at most a spare correction mark.
 */
export const CLOCK_SKEW_MARGIN_MS = 1_000;

/** Partials stay one day past the correction horizon, then DynamoDB TTL removes them for free. */
export const PARTIAL_RETENTION_AFTER_HORIZON_MS = 86_400_000;
