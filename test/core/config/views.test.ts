/**
 * `views` in the configuration (README "Views at ingest"): what is accepted, and what is refused at
 * start with a message naming the view — unique names, `by` or `without` but not both, keys as for
 * the query (at most 10, at most 256 characters, no control characters), a view's name is not another
 * view's `metric` — through parseConfig and through `npm start`'s option parsing (`--config FILE`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { parseLocalOptions } from '#local/options.js';

const README_VIEW = {
  name: 'http.server.request.duration.by_route',
  metric: 'http.server.request.duration',
  by: ['http.route', 'resource.service.name'],
  keepSource: true,
};

const keys = (n: number) => Array.from({ length: n }, (_, i) => `attr.k${i}`);

describe('Configuration: views', () => {
  it('accepts the README example, without, keepSource: false, two views of one metric', () => {
    expect(() => parseConfig({ views: [README_VIEW] })).not.toThrow();
    expect(() =>
      parseConfig({
        views: [
          README_VIEW,
          {
            name: 'lat.no_instance',
            metric: 'http.server.request.duration',
            without: ['resource.service.instance.id'],
          },
          { name: 'q.total', metric: 'queue.depth', by: ['queue'], keepSource: false },
          { name: 'lat.limits', metric: 'lat', by: [...keys(9), `attr.${'k'.repeat(256)}`] },
          { name: 'lat.comma', metric: 'lat', by: ['attr.dc,zone', 'resource.host.name'] },
        ],
      }),
    ).not.toThrow();
    expect(() => parseConfig({})).not.toThrow();
  });

  it.each([
    [
      'both by and without',
      [{ name: 'both.keys', metric: 'm', by: ['a'], without: ['b'] }],
      /views\[0\]|both\.keys/,
    ],
    ['neither by nor without', [{ name: 'no.keys', metric: 'm' }], /views\[0\]|no\.keys/],
    [
      'two views of one name',
      [
        { name: 'dup.view', metric: 'm1', by: ['a'] },
        { name: 'dup.view', metric: 'm2', without: ['b'] },
      ],
      /dup\.view/,
    ],
    [
      "a view's name is another view's metric",
      [
        { name: 'http.by_route', metric: 'http.duration', by: ['http.route'] },
        { name: 'http.by_service', metric: 'http.by_route', by: ['resource.service.name'] },
      ],
      /http\.by_route|http\.by_service/,
    ],
    [
      "a view's name is another view's metric (listed first)",
      [
        { name: 'http.by_service', metric: 'http.by_route', by: ['resource.service.name'] },
        { name: 'http.by_route', metric: 'http.duration', by: ['http.route'] },
      ],
      /http\.by_route|http\.by_service/,
    ],
    ['11 keys', [{ name: 'many.keys', metric: 'm', by: keys(11) }], /views\[0\]|many\.keys/],
    ['11 keys to drop', [{ name: 'many.drop', metric: 'm', without: keys(11) }], /views\[0\]|many\.drop/],
    [
      'a 257-character key',
      [{ name: 'long.key', metric: 'm', by: ['k'.repeat(257)] }],
      /views\[0\]|long\.key/,
    ],
    [
      'a 300-character resource key',
      [{ name: 'long.rkey', metric: 'm', by: [`resource.${'k'.repeat(300)}`] }],
      /views\[0\]|long\.rkey/,
    ],
    [
      'a control character in a key',
      [{ name: 'ctl.key', metric: 'm', by: ['http\u0001route'] }],
      /views\[0\]|ctl\.key/,
    ],
    [
      'a newline in a key',
      [{ name: 'nl.key', metric: 'm', without: ['resource.host\nname'] }],
      /views\[0\]|nl\.key/,
    ],
    ['no name', [{ metric: 'm', by: ['a'] }], /views\[0\]/],
    ['no metric', [{ name: 'no.metric', by: ['a'] }], /views\[0\]|no\.metric/],
    ['an unknown key', [{ name: 'typo', metric: 'm', by: ['a'], keepsource: false }], /keepsource/],
    ['keepSource not a boolean', [{ name: 'ks', metric: 'm', by: ['a'], keepSource: 'no' }], /keepSource/],
    ['by not a list', [{ name: 'by.text', metric: 'm', by: 'http.route' }], /views\[0\]|by\.text/],
  ])('refuses %s, naming the view', (_, views, message) => {
    expect(() => parseConfig({ views })).toThrow(ConfigError);
    expect(() => parseConfig({ views })).toThrow(/views/);
    expect(() => parseConfig({ views })).toThrow(message);
  });

  it('refuses views that are not a list', () => {
    expect(() => parseConfig({ views: README_VIEW })).toThrow(/views/);
  });
});

describe('npm start --config FILE: a bad view is refused at start, named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windrow-views-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (config: unknown) => {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };

  it('takes good views from the file', () => {
    expect(() => parseLocalOptions(['--config', file({ views: [README_VIEW] })])).not.toThrow();
  });

  it.each([
    [[{ name: 'both.keys', metric: 'm', by: ['a'], without: ['b'] }], /both\.keys|views\[0\]/],
    [
      [
        { name: 'dup.view', metric: 'm1', by: ['a'] },
        { name: 'dup.view', metric: 'm2', by: ['a'] },
      ],
      /dup\.view/,
    ],
    [
      [
        { name: 'http.by_route', metric: 'http.duration', by: ['http.route'] },
        { name: 'http.by_service', metric: 'http.by_route', by: ['resource.service.name'] },
      ],
      /http\.by_route|http\.by_service/,
    ],
  ])('refuses %j', (views, message) => {
    const path = file({ views });
    expect(() => parseLocalOptions(['--config', path])).toThrow(ConfigError);
    expect(() => parseLocalOptions(['--config', path])).toThrow(message);
  });
});
