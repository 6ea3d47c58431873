import { describe, expect, it } from 'vitest';
import { KnownCheckpoints, RECHECK_MS } from '#app/known-checkpoints.js';
import { MemoryWindowStore } from '../support/memory-ports.js';

function setup() {
  const store = new MemoryWindowStore();
  store.checkpointed = new Set();
  let reads = 0;
  const read = store.checkpointedShards.bind(store);
  store.checkpointedShards = async () => {
    reads++;
    return read();
  };
  let now = 1_000_000;
  const clock = { nowMs: () => now };
  return {
    store,
    known: new KnownCheckpoints(store, clock),
    reads: () => reads,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('KnownCheckpoints', () => {
  it('reports shards without a checkpoint, re-reading at most once per RECHECK_MS', async () => {
    const t = setup();
    expect([...(await t.known.notStarted([0, 1]))]).toEqual([0, 1]);
    expect(t.reads()).toBe(1);
    t.store.checkpointed = new Set([0]);
    // Within RECHECK_MS: not read again, so still treated as not started (a spare mark, never a loss).
    expect([...(await t.known.notStarted([0, 1]))]).toEqual([0, 1]);
    expect(t.reads()).toBe(1);
    t.advance(RECHECK_MS);
    expect([...(await t.known.notStarted([0, 1]))]).toEqual([1]);
    expect(t.reads()).toBe(2);
  });

  it('never reads again once every asked shard is known to be started', async () => {
    const t = setup();
    t.store.checkpointed = new Set([0, 1, 2]);
    expect((await t.known.notStarted([0, 1, 2])).size).toBe(0);
    t.store.checkpointed = new Set(); // checkpoints are never removed; even if read, known stays known
    t.advance(10 * RECHECK_MS);
    expect((await t.known.notStarted([2, 1, 0])).size).toBe(0);
    expect(t.reads()).toBe(1);
  });
});
