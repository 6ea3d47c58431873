import { describe, expect, it } from 'vitest';
import { parseQueryParams, QueryParamError } from '#app/query/params.js';
import { parseConfig } from '#core/config/config.js';

const config = parseConfig({ sink: 'dynamodb', sessions: [{ match: 'x.*', gap: '5m' }] });
const NOW = Date.parse('2026-12-01T12:00:00Z');
const by = (q: string) => parseQueryParams(`metric=m&${q}`, config, NOW).by;
const refusal = (q: string) => {
  try {
    parseQueryParams(`metric=m&${q}`, config, NOW);
  } catch (error) {
    if (error instanceof QueryParamError) return { param: error.param, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${q}`);
};

describe('by', () => {
  it('is absent without by, and [] for by= (every series in one group)', () => {
    expect(by('')).toBeUndefined();
    expect(by('by=')).toEqual([]);
  });

  it('reads attr.K, resource.K and a bare K as attr.K, comma-separated', () => {
    expect(by('by=http.route,resource.service.name,attr.host')).toEqual([
      { source: 'attr', name: 'http.route' },
      { source: 'resource', name: 'service.name' },
      { source: 'attr', name: 'host' },
    ]);
  });

  it('takes one key per by when given several times, so a key may hold a comma', () => {
    expect(by(`by=${encodeURIComponent('a,b')}&by=`)).toEqual([{ source: 'attr', name: 'a,b' }]);
    expect(by('by=x&by=resource.y')).toEqual([
      { source: 'attr', name: 'x' },
      { source: 'resource', name: 'y' },
    ]);
  });

  it('refuses too many keys, long keys, control characters, empty and repeated keys, naming by', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `k${i}`).join(',');
    for (const q of [
      `by=${eleven}`,
      `by=${'k'.repeat(257)}`,
      `by=${encodeURIComponent('a\u0001b')}`,
      'by=a,,b',
      'by=a,attr.a',
      'by=resource.',
    ]) {
      expect(refusal(q).param).toBe('by');
    }
  });

  it('refuses by with session windows, saying why', () => {
    const r = refusal('window=session&by=host');
    expect(r.param).toBe('by');
    expect(r.message).toMatch(/per-series bounds.*view/);
  });
});
