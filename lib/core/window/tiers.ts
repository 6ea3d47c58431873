import { ConfigError } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';

/** One rollup level: windows of `sizeMs`, named by its duration text ("1m"). */
export interface Tier {
  readonly name: string;
  readonly sizeMs: number;
  /** Position in the tier list: 0 is the first (finest) tier, which ingest writes to. */
  readonly level: number;
}

/**
 * Parses a tier list such as `["1m", "1h", "1d"]`. Each tier must be a whole multiple of the one
 * below it, so every window of a coarse tier is exactly a union of finer windows and rollups never
 * split a window.
 *
 * @example parseTiers(['1m', '1h']) // [{ name: '1m', sizeMs: 60000, level: 0 }, { name: '1h', … level: 1 }]
 * @throws ConfigError naming the offending tier
 */
export function parseTiers(names: readonly string[]): Tier[] {
  if (names.length === 0) throw new ConfigError('tiers: at least one tier is required');
  const tiers: Tier[] = [];
  for (const [level, text] of names.entries()) {
    const sizeMs = parseDuration(text, `tiers[${level}]`);
    const below = tiers[level - 1];
    if (below !== undefined) {
      if (sizeMs <= below.sizeMs || sizeMs % below.sizeMs !== 0) {
        throw new ConfigError(
          `tiers[${level}]: "${text}" must be a whole multiple (> 1×) of the tier below ("${below.name}")`,
        );
      }
    } else if (sizeMs < 1000 || sizeMs % 1000 !== 0) {
      throw new ConfigError(`tiers[0]: "${text}" must be a whole number of seconds, at least 1s`);
    }
    tiers.push({ name: formatDuration(sizeMs), sizeMs, level });
  }
  return tiers;
}
