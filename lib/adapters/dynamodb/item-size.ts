/**
 * Item sizes and write units as DynamoDB bills them, computed at the client so a `WriteReport` says
 * what a request cost without asking for `ReturnConsumedCapacity` (BatchWriteItem reports per table,
 * not per item, and dynalite reports nothing).
 *
 * Size of an item = Σ over its attributes of (UTF-8 length of the name + size of the value):
 * - string: UTF-8 length; binary: byte length;
 * - number: ⌈significant digits / 2⌉ + 1 (sign, decimal point, leading and trailing zeros not counted);
 * - boolean, null: 1;
 * - list, map: 3 + Σ (1 + size of each element), names of map entries counted like attribute names.
 *
 * A standard write costs ⌈size / 1024⌉ write units, at least 1. The number rule is DynamoDB's
 * documented approximation; the others are exact.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export const WRITE_UNIT_BYTES = 1024;

/** DynamoDB's item size limit (400 KB, names included). */
export const MAX_ITEM_BYTES = 400 * 1024;

const utf8 = new TextEncoder();

/** UTF-8 byte length without allocating for ASCII-only strings (the usual case for keys). */
export function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return utf8.encode(text).length;
  }
  return text.length;
}

/** Bytes DynamoDB counts for a number given as its decimal string (e.g. `"1767225600"` → 5). */
export function numberSize(decimal: string): number {
  const mantissa = decimal
    .replace(/^[+-]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

/** Size of one attribute value (without its name). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) {
    let size = 3;
    for (const element of value.L) size += 1 + valueSize(element);
    return size;
  }
  if (value.M !== undefined) {
    let size = 3;
    for (const [name, element] of Object.entries(value.M)) size += 1 + utf8Length(name) + valueSize(element);
    return size;
  }
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8Length(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  return 0;
}

/** Size of an item: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8Length(name) + valueSize(value);
  return size;
}

/** Write units of one standard (non-transactional) write of an item of `size` bytes. */
export function writeUnits(size: number): number {
  return Math.max(1, Math.ceil(size / WRITE_UNIT_BYTES));
}
