/**
 * The `by` parameter of `GET /v1/query` (DESIGN.md §9): which attribute keys a grouped answer keeps.
 * `attr.K` is a point attribute, `resource.K` a resource attribute, a bare `K` means `attr.K`.
 */
import { type GroupKey, groupKeyOf, groupKeyText } from '../../core/group/keys.js';
import { QueryParamError } from './query-errors.js';

export { type GroupKey, groupKeyText } from '../../core/group/keys.js';

/** Keys per `by` at most. */
export const MAX_GROUP_KEYS = 10;

/**
 * The keys of every `by` value: one `by` is a comma-separated list; when `by` is given several times
 * each value is one key (so a key holding a comma is `by=a,b&by=`). Undefined when there is no `by`,
 * `[]` for `by=` (every series in one group).
 *
 * @example parseGroupKeys(['http.route,resource.service.name'], 256)
 * // [{ source: 'attr', name: 'http.route' }, { source: 'resource', name: 'service.name' }]
 * @throws QueryParamError naming `by`
 */
export function parseGroupKeys(values: readonly string[], maxKeyLength: number): GroupKey[] | undefined {
  if (values.length === 0) return undefined;
  const many = values.length > 1;
  const keys: GroupKey[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    // One `by` lists keys with commas; several `by`s give one key each (a key may hold a comma).
    const parts = many ? [value] : value.split(',');
    for (const raw of parts) {
      if (raw.length === 0) {
        // `by=` alone: every series in one group; `by=a,b&by=` : the single key "a,b".
        if (parts.length > 1) throw new QueryParamError('by', 'an empty key in the list');
        continue;
      }
      const key = groupKeyOf(raw, maxKeyLength);
      if (typeof key === 'string') throw new QueryParamError('by', key);
      const text = groupKeyText(key);
      if (seen.has(text)) throw new QueryParamError('by', `${text} given twice`);
      seen.add(text);
      keys.push(key);
      if (keys.length > MAX_GROUP_KEYS) throw new QueryParamError('by', `at most ${MAX_GROUP_KEYS} keys`);
    }
  }
  return keys;
}
