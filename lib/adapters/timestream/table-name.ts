/**
 * One Timestream table per window name, so a table holds one resolution and its retention can be
 * set per tier. Shared with the CDK app, which creates the same tables.
 */
import type { WindowKind } from '../../app/results.js';

/** Characters Timestream allows in table names besides these are replaced by `_`. */
const UNSAFE_TABLE_CHARS = /[^A-Za-z0-9_.-]/g;

/**
 * The table of a window: `tier_<name>`, `sliding_<size>_<slide>`, `session_<gap>`.
 *
 * @example
 * timestreamTableName('1m', 'tier');            // 'tier_1m'
 * timestreamTableName('5m/1m', 'sliding');      // 'sliding_5m_1m'
 * timestreamTableName('session:5m', 'session'); // 'session_5m'
 */
export function timestreamTableName(window: string, windowKind: WindowKind): string {
  const name =
    windowKind === 'session' && window.startsWith('session:') ? window.slice('session:'.length) : window;
  return `${windowKind}_${name.replace(UNSAFE_TABLE_CHARS, '_')}`;
}
