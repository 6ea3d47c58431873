/**
 * Attribute values → dimension values (VARCHAR text): strings as they are, everything else as JSON
 * text with object keys sorted (so one value always renders the same), null and empty strings as
 * "no value" (Timestream refuses empty dimension values), and values over the cap cut to a prefix plus
 * a hash of the whole value, so two long values that share a prefix stay different dimension values.
 */
import type { AttributeValue } from '../../core/point.js';
import { shortHash } from './dimension-names.js';
import { utf8Bytes } from './limits.js';

/**
 * JSON text of a value with object keys sorted (UTF-16 code unit order), recursively.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: AttributeValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as { readonly [key: string]: AttributeValue };
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k] ?? null)}`).join(',')}}`;
}

/**
 * The dimension value of an attribute value, or undefined when it has none (null, empty string).
 *
 * @example
 * renderAttributeValue('GET');  // 'GET'
 * renderAttributeValue(404);    // '404'
 * renderAttributeValue(['a']);  // '["a"]'
 * renderAttributeValue('');     // undefined
 */
export function renderAttributeValue(value: AttributeValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return canonicalJson(value);
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Bytes(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/** `~` and 8 hex digits: what a cut value ends with. */
const CUT_SUFFIX_BYTES = 9;

/**
 * `text` when it fits in `maxBytes`, else a prefix and `~<8 hex digits of the whole text's hash>`,
 * `maxBytes` long at most.
 *
 * @example
 * capValue('x'.repeat(3000), 256); // 247 × 'x' + '~' + shortHash('xxx…') (256 bytes)
 */
export function capValue(text: string, maxBytes: number): { value: string; cut: boolean } {
  if (utf8Bytes(text) <= maxBytes) return { value: text, cut: false };
  return { value: `${utf8Prefix(text, maxBytes - CUT_SUFFIX_BYTES)}~${shortHash(text)}`, cut: true };
}
