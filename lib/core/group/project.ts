/**
 * Keeping some attributes of a set (a view's `by` or `without`) with the canonical key the kept
 * attributes would have had on their own (lib/core/series/canonical.ts), so a view's series have
 * the same identity whatever the source's encoding (OTLP protobuf, JSON, simple points).
 */
import type { AttributeSet, Attributes, AttributeValue } from '../point.js';

/** Which attribute names a projection keeps. */
export type Keep = (name: string) => boolean;

/**
 * The attributes of `set` that `keep` accepts, with their canonical key: the kept entries of the
 * set's own key, in order (a sorted, de-duplicated set stays so when entries are left out).
 *
 * @example projectSet({ attributes: { a: 'x', b: 1 }, key: '"a"="x","b"=n1' }, (k) => k === 'b')
 * // → { attributes: { b: 1 }, key: '"b"=n1' }
 */
export function projectSet(set: AttributeSet, keep: Keep): AttributeSet {
  const attributes: Record<string, AttributeValue> = {};
  const parts: string[] = [];
  for (const entry of keyEntries(set.key)) {
    if (!keep(entry.name)) continue;
    const value = (set.attributes as Attributes)[entry.name];
    if (value === undefined) continue;
    attributes[entry.name] = value;
    parts.push(entry.text);
  }
  return { attributes, key: parts.join(',') };
}

/** A set's key split into its entries: the attribute name and the entry's text (`"k"=value`). */
export function keyEntries(key: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  let i = 0;
  while (i < key.length) {
    const start = i;
    const nameEnd = skipString(key, i);
    const name = JSON.parse(key.slice(i, nameEnd)) as string;
    if (key[nameEnd] !== '=') throw new RangeError(`not a canonical attribute key at ${nameEnd}`);
    i = nameEnd + 1;
    let depth = 0;
    while (i < key.length) {
      const c = key[i];
      if (c === '"') {
        i = skipString(key, i);
        continue;
      }
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') depth--;
      else if (c === ',' && depth === 0) break;
      i++;
    }
    out.push({ name, text: key.slice(start, i) });
    i++; // the comma
  }
  return out;
}

/** The index just past the JSON string that starts at `i`. */
function skipString(text: string, i: number): number {
  if (text[i] !== '"') throw new RangeError(`not a canonical attribute key at ${i}`);
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else j++;
  }
  throw new RangeError('unterminated string in a canonical attribute key');
}
