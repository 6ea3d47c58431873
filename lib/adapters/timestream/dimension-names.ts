/**
 * Attribute keys → Timestream dimension names, deterministically and without silent collisions.
 *
 * - A key that already is a good name (only `A–Z a–z 0–9 _ . -`, at most 60 bytes, not reserved, not
 *   taken by windrow's own dimensions and measures) is used as it is: `service.name`, `http.route`.
 * - Any other key is *rewritten*: every character outside that set becomes `_` (so `:` never
 *   survives), a reserved prefix (`ts_`, `measure_value`) gets `attr_` in front, an empty key becomes
 *   `attr`, the result is cut to 51 bytes, and `_` plus the first 8 hex digits of the key's hash is
 *   appended: `k8s:pod` → `k8s_pod_1a2b3c4d`, `time` → `time_5e6f7a8b`. The suffix depends on the
 *   key alone, so one key gets the same name in every record and two keys that differ only in what
 *   was rewritten still get different names.
 * - Resource attributes are named `resource.<key>` by the same rules (a point attribute whose own
 *   key starts with `resource.` is rewritten, so it never takes a resource attribute's name).
 * - Names are handed out in the policy's order; should a name still be taken (a verbatim key that
 *   happens to look like `x_<8 hex>`), the later key gets another hash suffix (seeded 1, 2, …).
 *   Reserved and taken names are compared case-insensitively; other names are case-sensitive, as
 *   in Timestream.
 */
import { murmur3x86_128 } from '../../core/series/hash.js';
import { MAX_DIMENSION_NAME_BYTES, RESERVED_PREFIXES } from './limits.js';
import { dimensionNameProblem } from './rules.js';

/** Characters a dimension name keeps as they are. */
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
const UNSAFE_CHARS = /[^A-Za-z0-9_.-]/g;
const HASH_SUFFIX_LENGTH = 9; // "_" + 8 hex digits

/** Where an attribute comes from: its dimension name gets `resource.` in front for resources. */
export type AttributeOrigin = 'point' | 'resource';

export const RESOURCE_PREFIX = 'resource.';

/** 8 hex digits of `text`'s Murmur3 hash (seed 0 for the first try, then 1, 2, … on collisions). */
export function shortHash(text: string, seed = 0): string {
  return murmur3x86_128(text, seed).slice(0, 8);
}

/**
 * The dimension name of one attribute key, before collisions with other keys are looked at.
 * `taken` holds lower-cased names windrow uses itself (its fixed dimensions and measure names);
 * `isTaken` extends it with patterns (percentile measures `p50`, `p99_9`).
 *
 * @example
 * dimensionNameOf('service.name', 'resource', new Set()); // 'resource.service.name'
 * dimensionNameOf('a:b', 'point', new Set());             // 'a_b_' + shortHash('a:b')
 */
export function dimensionNameOf(
  key: string,
  origin: AttributeOrigin,
  isTaken: (lowerCaseName: string) => boolean,
): string {
  const raw = origin === 'resource' ? `${RESOURCE_PREFIX}${key}` : key;
  const verbatim =
    SAFE_NAME.test(raw) &&
    raw.length <= MAX_DIMENSION_NAME_BYTES &&
    dimensionNameProblem(raw) === undefined &&
    !isTaken(raw.toLowerCase()) &&
    !(origin === 'point' && raw.startsWith(RESOURCE_PREFIX));
  if (verbatim) return raw;
  return rewrittenName(raw, 0);
}

/** The rewritten form of `raw` (see the module comment), with the hash seeded by `seed`. */
function rewrittenName(raw: string, seed: number): string {
  let base = raw.replace(UNSAFE_CHARS, '_');
  if (base === '') base = 'attr';
  const lower = base.toLowerCase();
  if (RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) base = `attr_${base}`;
  const keep = MAX_DIMENSION_NAME_BYTES - HASH_SUFFIX_LENGTH;
  return `${base.slice(0, keep)}_${shortHash(raw, seed)}`;
}

/**
 * Hands out names in order, never the same one twice: the first key to want a name gets it, a later
 * one gets its rewritten form with the next seed until the name is free.
 */
export class DimensionNamer {
  private readonly used = new Set<string>();

  constructor(private readonly isTaken: (lowerCaseName: string) => boolean) {}

  /** Marks windrow's own dimension names as used (they are handed out first, verbatim). */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** The name of `key`, unique among the names handed out so far. */
  nameOf(key: string, origin: AttributeOrigin): string {
    let name = dimensionNameOf(key, origin, this.isTaken);
    const raw = origin === 'resource' ? `${RESOURCE_PREFIX}${key}` : key;
    for (let seed = 1; this.used.has(name); seed++) name = rewrittenName(raw, seed);
    this.used.add(name);
    return name;
  }
}
