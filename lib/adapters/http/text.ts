/** Bounded, UTF-8-safe text for response bodies and log fields. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, ending in `…` when cut. Never splits a character.
 *
 * @example truncateUtf8('héllo wörld', 8) // 'héll…' (5 bytes + 3 for the ellipsis)
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A JS string of n UTF-16 units is at most 3n UTF-8 bytes: skip encoding the short ones.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  if (maxBytes < ELLIPSIS_BYTES) return '';
  let end = maxBytes - ELLIPSIS_BYTES;
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end)) + ELLIPSIS;
}
