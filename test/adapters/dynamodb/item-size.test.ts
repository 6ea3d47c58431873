import { describe, expect, it } from 'vitest';
import { itemSize, numberSize, utf8Length, valueSize, writeUnits } from '#adapters/dynamodb/item-size.js';

describe('Module: item-size', () => {
  it('counts numbers by significant digits: ⌈digits / 2⌉ + 1', () => {
    expect(numberSize('0')).toBe(2);
    expect(numberSize('7')).toBe(2);
    expect(numberSize('1000')).toBe(2); // trailing zeros trimmed
    expect(numberSize('-12.50')).toBe(3); // 125
    expect(numberSize('1767225600')).toBe(5); // 17672256: 8 digits
    expect(numberSize('123456789')).toBe(6);
    expect(numberSize('1.5e10')).toBe(2);
  });

  it('counts strings in UTF-8 bytes and binaries in bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é€😀')).toBe(2 + 3 + 4);
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(valueSize({ BOOL: true })).toBe(1);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { k: { S: 'ab' } } })).toBe(3 + 1 + 1 + 2);
  });

  it('sizes an item as names plus values, and bills ⌈size / 1 KB⌉ units, at least one', () => {
    const item = { PK: { S: 'P#0#1700000040000#0003' }, SK: { S: 'ab12#0000' }, ttl: { N: '1700003600' } };
    // 2+22 + 2+9 + 3+5
    expect(itemSize(item)).toBe(43);
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(350 * 1024)).toBe(350);
  });
});
