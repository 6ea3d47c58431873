/**
 * Ingest step 4: one packed partial per (first-tier window, shard, chunk), keyed by the request's
 * content-derived id, so a retried request overwrites its own items instead of adding to them.
 */
import { createHash } from 'node:crypto';
import type { WindrowConfig } from '../../core/config/config.js';
import { packStatesChunked } from '../../core/preaggregate/partial-codec.js';
import type { SeriesWindowState } from '../../core/preaggregate/preaggregate.js';
import type { ShardGroup } from '../../core/window/shard-layout.js';
import type { Tier } from '../../core/window/tiers.js';
import type { IngestRequest } from '../ingest-types.js';
import { MAX_PARTIAL_CHUNK_BYTES, PARTIAL_RETENTION_AFTER_HORIZON_MS } from '../partials.js';
import type { PartialWrite } from '../ports.js';

/**
 * The content-derived id of a request's partials: SHA-256 of tenant, format and decoded body,
 * 128 bits in base64url (22 characters, short in every sort key). Gzip or not, the same body gives
 * the same id.
 */
export function partialIdOf(request: IngestRequest): string {
  return createHash('sha256')
    .update(request.tenant)
    .update('\u0000')
    .update(request.format)
    .update('\u0000')
    .update(request.body)
    .digest('base64url')
    .slice(0, 22);
}

/** When a first-tier window's partials (and marks) expire: from the window, never the clock. */
export function partialExpiry(config: WindrowConfig, tier: Tier): (windowStartMs: number) => number {
  return (windowStartMs) =>
    Math.ceil(
      (windowStartMs + tier.sizeMs + config.correctionHorizonMs + PARTIAL_RETENTION_AFTER_HORIZON_MS) / 1000,
    );
}

/** The partial chunks of the non-empty groups (deterministic: same states, same chunks). */
export function partialWrites(
  groups: readonly ShardGroup<SeriesWindowState>[],
  partialId: string,
  expiresAtSec: (windowStartMs: number) => number,
): PartialWrite[] {
  const writes: PartialWrite[] = [];
  for (const group of groups) {
    if (group.series.size === 0) continue;
    const chunks = packStatesChunked(group.series.values(), MAX_PARTIAL_CHUNK_BYTES);
    for (const [chunk, data] of chunks.entries()) {
      writes.push({
        tier: 0,
        windowStartMs: group.windowStartMs,
        shard: group.shard,
        partialId,
        chunk,
        data,
        expiresAtSec: expiresAtSec(group.windowStartMs),
      });
    }
  }
  return writes;
}
