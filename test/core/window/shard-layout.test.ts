import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shardOf } from '#core/series/id.js';
import { epochBoundary, regroupByLayout, ShardLayout } from '#core/window/shard-layout.js';
import { parseTiers } from '#core/window/tiers.js';

const DAY = 86_400_000;

describe('ShardLayout', () => {
  const layout = new ShardLayout([
    { fromMs: 0, shards: 2 },
    { fromMs: 10 * DAY, shards: 4 },
  ]);

  it('gives each window the count of its epoch', () => {
    expect(layout.shardsAt(10 * DAY - 1)).toBe(2);
    expect(layout.shardsAt(10 * DAY)).toBe(4);
    expect(layout.maxShards()).toBe(4);
    expect(layout.shardOf('0'.repeat(31) + '7', 0)).toBe(shardOf('0'.repeat(31) + '7', 2));
  });

  it('retires shards that no later epoch has', () => {
    const shrink = new ShardLayout([
      { fromMs: 0, shards: 4 },
      { fromMs: DAY, shards: 2 },
    ]);
    expect(shrink.retiredFrom(3, 0)).toBe(false);
    expect(shrink.retiredFrom(3, DAY)).toBe(true);
    expect(shrink.retiredFrom(1, DAY)).toBe(false);
    expect(layout.retiredFrom(3, 0)).toBe(false); // a later epoch has it
  });

  it('adds an epoch at the boundary, replaces a pending one, and drops a change undone before it began', () => {
    const one = ShardLayout.single(2);
    expect(one.changedTo(2, 5, 100)).toBe(one);
    const grown = one.changedTo(4, 5, 100);
    expect(grown.epochs).toEqual([
      { fromMs: 0, shards: 2 },
      { fromMs: 100, shards: 4 },
    ]);
    expect(grown.changedTo(8, 50, 200).epochs).toEqual([
      { fromMs: 0, shards: 2 },
      { fromMs: 200, shards: 8 },
    ]);
    expect(grown.changedTo(2, 50, 200).epochs).toEqual([{ fromMs: 0, shards: 2 }]);
    expect(grown.changedTo(2, 150, 200).epochs).toEqual([...grown.epochs, { fromMs: 200, shards: 2 }]);
  });

  it('refuses malformed layouts', () => {
    expect(() => new ShardLayout([])).toThrow();
    expect(() => new ShardLayout([{ fromMs: 5, shards: 1 }])).toThrow();
    expect(() => new ShardLayout([{ fromMs: 0, shards: 0 }])).toThrow();
    expect(
      () =>
        new ShardLayout([
          { fromMs: 0, shards: 1 },
          { fromMs: 0, shards: 2 },
        ]),
    ).toThrow();
  });

  it('puts the boundary on a start of the top tier at least the lead ahead', () => {
    const [, , day] = parseTiers(['1m', '1h', '1d']);
    if (day === undefined) throw new Error('no tier');
    expect(epochBoundary(3 * DAY + 5, day, 1000)).toBe(4 * DAY);
    expect(epochBoundary(3 * DAY - 1000, day, 1000)).toBe(3 * DAY);
    expect(epochBoundary(4 * DAY - 10, day, 1000)).toBe(5 * DAY);
  });
});

describe('regroupByLayout', () => {
  it('moves every series to its shard under the window epoch, keeping groups whose count is unchanged', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(hex, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        (ids, shards) => {
          const layout = new ShardLayout([
            { fromMs: 0, shards: 3 },
            { fromMs: 1000, shards },
          ]);
          const groups = [0, 1000].flatMap((windowStartMs) => {
            const byShard = new Map<number, Map<string, number>>();
            for (const id of ids) {
              const shard = shardOf(id, 3);
              const m = byShard.get(shard) ?? new Map<string, number>();
              m.set(id, windowStartMs);
              byShard.set(shard, m);
            }
            return [...byShard].map(([shard, series]) => ({ windowStartMs, shard, series }));
          });
          const out = regroupByLayout(groups, 3, layout);
          const seen: string[] = [];
          for (const g of out) {
            for (const id of g.series.keys()) {
              expect(g.shard).toBe(shardOf(id, layout.shardsAt(g.windowStartMs)));
              seen.push(`${g.windowStartMs} ${id}`);
            }
          }
          expect(seen.sort()).toEqual(ids.flatMap((id) => [`0 ${id}`, `1000 ${id}`]).sort());
          for (const g of out.filter((x) => x.windowStartMs === 0)) expect(groups).toContain(g);
        },
      ),
    );
  });
});
