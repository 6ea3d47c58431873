/**
 * The deployment's recorded state as every function sees it — the shard layout over time and the
 * settings stored state depends on (core/config/deployed-settings.ts) — read from the store and
 * cached for at most {@link LAYOUT_CACHE_MS}. The planner (`reconcile`, every run; the local stack at
 * start) makes the record follow the configuration, or refuses a configuration the stored state
 * cannot follow.
 *
 * Safe against writers with a stale cache: a new shard count takes effect from an epoch boundary at
 * least {@link LAYOUT_LEAD_MS} ahead (the top tier's next window start after that), longer than any
 * cache lives plus how far in the future a point may be written, so by the time a window of the new
 * epoch can be written, every writer has re-read the layout. Until then everyone uses the old count,
 * so a restart with a new `shards` in the middle of a window changes nothing for that window. A
 * longer correction horizon settles the same way (see `effectiveHorizonMs`).
 */
import type { WindrowConfig } from '../core/config/config.js';
import {
  type DeployedSettings,
  effectiveHorizonMs,
  initialSettings,
  settingsChange,
} from '../core/config/deployed-settings.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../core/point.js';
import { epochBoundary, ShardLayout } from '../core/window/shard-layout.js';
import { StoreUnavailableError } from './errors.js';
import type { Clock, DeploymentRecord, DeploymentStateStore } from './ports.js';

/** Longest a function keeps the record it read before reading it again. */
export const LAYOUT_CACHE_MS = 60_000;

/** How far ahead of the decision a new shard count (or a longer horizon) takes effect, at least. */
export const LAYOUT_LEAD_MS = DEFAULT_NORMALIZE_LIMITS.maxFutureMs + 2 * LAYOUT_CACHE_MS + 5_000;

/** Conditional-write rounds before giving up on a write (another writer keeps winning). */
const WRITE_ROUNDS = 5;

/**
 * The configuration cannot run on this deployment's stored state (README "Changing the
 * configuration"). Transient from a sender's point of view (503: its data is not lost while an
 * operator deploys a compatible configuration); the message names each setting.
 */
export class IncompatibleConfigError extends StoreUnavailableError {
  constructor(readonly problems: readonly string[]) {
    super(`the configuration does not fit this deployment's stored state: ${problems.join('; ')}`, 60);
  }
}

interface Known {
  readonly layout: ShardLayout;
  readonly settings: DeployedSettings;
  readonly atMs: number;
}

export class DeploymentState {
  private cached: Known | undefined;

  /** Without a store, the configured count and settings since the beginning (tests, demos). */
  constructor(
    private readonly config: WindrowConfig,
    private readonly clock: Clock,
    private readonly store?: DeploymentStateStore,
  ) {}

  /** The layout last read (the configured count since the beginning before any read). Synchronous. */
  latest(): ShardLayout {
    return this.cached?.layout ?? ShardLayout.single(this.config.shards);
  }

  /**
   * The layout, read at most {@link LAYOUT_CACHE_MS} ago; the record is created from the
   * configuration if there is none.
   * @throws {IncompatibleConfigError} when the configuration cannot run on the recorded state.
   */
  async current(): Promise<ShardLayout> {
    return (await this.known()).layout;
  }

  /** How far back points are accepted now (the configured horizon, or less while a longer one settles). */
  async horizonMs(): Promise<number> {
    const { settings } = await this.known();
    return effectiveHorizonMs(settings.horizon, this.clock.nowMs());
  }

  /**
   * Makes the record follow the configuration (the planner, every run): a new shard count gets an
   * epoch from the next boundary, settings changes are recorded; always re-reads.
   * @returns the layout and the tiers added at the end of the list by this change (none mostly).
   * @throws {IncompatibleConfigError} when the configuration cannot run on the recorded state.
   */
  async reconcile(): Promise<{ layout: ShardLayout; addedTiers: readonly string[] }> {
    const nowMs = this.clock.nowMs();
    if (this.store === undefined) return { layout: ShardLayout.single(this.config.shards), addedTiers: [] };
    const top = this.config.tiers.at(-1);
    if (top === undefined) throw new RangeError('configuration has no tiers');
    const boundary = epochBoundary(nowMs, top, LAYOUT_LEAD_MS);
    let addedTiers: readonly string[] = [];
    const record = await this.update((stored) => {
      if (stored === undefined) return this.initial();
      const change = this.changeOrRefuse(stored, nowMs);
      addedTiers = change.addedTiers;
      const layout = new ShardLayout(stored.epochs).changedTo(this.config.shards, nowMs, boundary);
      return layout.epochs === stored.epochs && change.settings === stored.settings
        ? stored
        : { epochs: layout.epochs, settings: change.settings };
    });
    return { layout: this.remember(record, nowMs).layout, addedTiers };
  }

  /**
   * Whether the configuration can run on the recorded state, without recording anything (the local
   * runner at start: recording is the planner's, which acts on what a change adds).
   * @returns the recorded shard layout (none before anything was recorded)
   * @throws {IncompatibleConfigError} when it cannot.
   */
  async check(): Promise<ShardLayout | undefined> {
    const stored = await this.store?.read();
    if (stored === undefined) return undefined;
    this.changeOrRefuse(stored, this.clock.nowMs());
    return new ShardLayout(stored.epochs);
  }

  private async known(): Promise<Known> {
    const nowMs = this.clock.nowMs();
    if (this.store === undefined) {
      return {
        layout: ShardLayout.single(this.config.shards),
        settings: initialSettings(this.config),
        atMs: nowMs,
      };
    }
    if (this.cached !== undefined && nowMs - this.cached.atMs < LAYOUT_CACHE_MS) return this.cached;
    const record = await this.update((stored) => {
      if (stored === undefined) return this.initial();
      this.changeOrRefuse(stored, nowMs);
      return stored;
    });
    return this.remember(record, nowMs);
  }

  private initial(): DeploymentRecord {
    return { epochs: ShardLayout.single(this.config.shards).epochs, settings: initialSettings(this.config) };
  }

  /** The settings change, or the refusal; a record from before settings were kept takes the config's. */
  private changeOrRefuse(stored: DeploymentRecord, nowMs: number) {
    const change = settingsChange(
      stored.settings ?? initialSettings(this.config),
      this.config,
      nowMs,
      LAYOUT_LEAD_MS,
    );
    if (change.problems.length > 0) throw new IncompatibleConfigError(change.problems);
    return stored.settings === undefined ? { ...change, settings: initialSettings(this.config) } : change;
  }

  private remember(record: DeploymentRecord, atMs: number): Known {
    const known = {
      layout: new ShardLayout(record.epochs),
      settings: record.settings ?? initialSettings(this.config),
      atMs,
    };
    this.cached = known;
    return known;
  }

  /** Reads, applies `next`, writes when it changed (conditionally, retrying when another writer won). */
  private async update(
    next: (stored: DeploymentRecord | undefined) => DeploymentRecord,
  ): Promise<DeploymentRecord> {
    const store = this.store as DeploymentStateStore;
    for (let round = 0; round < WRITE_ROUNDS; round++) {
      const stored = await store.read();
      const wanted = next(stored);
      if (stored !== undefined && wanted === stored) return stored;
      if (await store.write(wanted, stored?.revision)) return wanted;
    }
    throw new StoreUnavailableError(
      `the deployment record kept changing under ${WRITE_ROUNDS} conditional writes`,
      1,
    );
  }
}
