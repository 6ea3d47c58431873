/** The README's examples stay true: every JSON configuration block in it is a valid configuration. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('README', () => {
  it('has configuration examples, and each one parses', () => {
    const configs = blocks.filter((b) => b.includes('"tiers"'));
    expect(configs.length).toBeGreaterThan(0);
    for (const block of configs) expect(() => parseConfig(JSON.parse(block))).not.toThrow();
  });
});
