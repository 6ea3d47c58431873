import { describe, expect, it } from 'vitest';
import {
  DeploymentState,
  IncompatibleConfigError,
  LAYOUT_CACHE_MS,
  LAYOUT_LEAD_MS,
} from '#app/deployment-state.js';
import { StoreUnavailableError } from '#app/errors.js';
import type { DeploymentRecord, DeploymentStateStore, StoredDeploymentState } from '#app/ports.js';
import { type ConfigInput, parseConfig } from '#core/config/config.js';

class MemoryDeploymentStore implements DeploymentStateStore {
  stored: StoredDeploymentState | undefined;
  writes = 0;
  async read() {
    return this.stored;
  }
  async write(record: DeploymentRecord, expected: number | undefined) {
    if ((this.stored?.revision ?? undefined) !== expected) return false;
    this.writes++;
    this.stored = { ...record, revision: (expected ?? 0) + 1 };
    return true;
  }
}

const HOUR = 3_600_000;

function setup() {
  const store = new MemoryDeploymentStore();
  let now = 1000 * HOUR + 123;
  const clock = { nowMs: () => now };
  const state = (input: ConfigInput) =>
    new DeploymentState(parseConfig({ tiers: ['1m', '1h'], ...input }), clock, store);
  return { store, state, advance: (ms: number) => (now += ms), now: () => now };
}

describe('DeploymentState', () => {
  it('records the configuration once and reads it at most once per LAYOUT_CACHE_MS', async () => {
    const t = setup();
    const a = t.state({ shards: 2 });
    expect((await a.current()).shardsAt(0)).toBe(2);
    expect(t.store.writes).toBe(1);
    let reads = 0;
    const read = t.store.read.bind(t.store);
    t.store.read = async () => {
      reads++;
      return read();
    };
    await a.current();
    expect(reads).toBe(0);
    t.advance(LAYOUT_CACHE_MS);
    await a.current();
    expect(reads).toBe(1);
  });

  it('puts a new shard count on the next top-tier window at least LAYOUT_LEAD_MS ahead', async () => {
    const t = setup();
    await t.state({ shards: 2 }).reconcile();
    const { layout } = await t.state({ shards: 4 }).reconcile();
    const boundary = layout.epochs[1]?.fromMs ?? 0;
    expect(boundary % HOUR).toBe(0);
    expect(boundary).toBeGreaterThanOrEqual(t.now() + LAYOUT_LEAD_MS);
    expect(layout.shardsAt(boundary - 1)).toBe(2);
    expect(layout.shardsAt(boundary)).toBe(4);
    // Writers still on 2 shards keep the record as it is.
    expect((await t.state({ shards: 2 }).current()).epochs).toEqual(layout.epochs);
  });

  it('refuses an incompatible configuration everywhere, as a transient store error (503 at the edge)', async () => {
    const t = setup();
    await t.state({}).reconcile();
    const wrong = t.state({ tiers: ['5m', '1h'] });
    const error = await wrong.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompatibleConfigError);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as IncompatibleConfigError).problems[0]).toMatch(/^tiers:/);
    await expect(wrong.reconcile()).rejects.toBeInstanceOf(IncompatibleConfigError);
    await expect(wrong.horizonMs()).rejects.toBeInstanceOf(IncompatibleConfigError);
    expect(t.store.stored?.settings?.tiers).toEqual(['1m', '1h']);
  });

  it('lets two writers racing on a fresh table agree on one record', async () => {
    const t = setup();
    const [a, b] = await Promise.all([t.state({ shards: 3 }).current(), t.state({ shards: 3 }).current()]);
    expect(a.epochs).toEqual(b.epochs);
    expect(t.store.stored?.revision).toBe(1);
  });
});
