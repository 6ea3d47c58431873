/**
 * Ports: what the use cases need from the world, implemented by lib/adapters (DynamoDB, Timestream,
 * SQS) in AWS and by the same adapters against dynalite locally. Use cases never see an SDK.
 */

import type { DeployedSettings } from '../core/config/deployed-settings.js';
import type { Attributes, MetricDescriptor, Scope } from '../core/point.js';
import type { ShardEpoch } from '../core/window/shard-layout.js';

/** Time comes in through a port so tests and the local runner control it. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/**
 * One packed partial: the states of many series in one (tier, window, shard), written by one request
 * (`partialId` derived from its content) or one closed child window. Items with the same key are
 * overwritten, which is what makes retries idempotent.
 */
export interface PartialWrite {
  /** Tier level (0 = the first tier). */
  readonly tier: number;
  readonly windowStartMs: number;
  readonly shard: number;
  readonly partialId: string;
  readonly chunk: number;
  /** `packStates` output. */
  readonly data: Uint8Array;
  /** Epoch seconds after which the item may be deleted (DynamoDB TTL). */
  readonly expiresAtSec: number;
}

/** A closed window that received new data: the planner re-closes it (a correction). */
export interface CorrectionMark {
  readonly tier: number;
  readonly windowStartMs: number;
  readonly shard: number;
  readonly expiresAtSec: number;
  /**
   * What made the window late (ingest: the request's partialId; a cascade: the child's close). Marks
   * keep the set of their causes; a re-close removes only the causes it saw when it started, so a
   * mark that got a new cause meanwhile — or whose re-close failed — stays for the planner. The same
   * cause twice (a retried request) changes nothing.
   */
  readonly cause?: string;
}

/** What a batch of writes cost, counted at the client the way DynamoDB bills it. */
export interface WriteReport {
  readonly items: number;
  readonly bytes: number;
  /** Σ ⌈item size / 1 KB⌉. */
  readonly writeUnits: number;
  /** Item sizes, for percentiles. */
  readonly itemSizes: readonly number[];
}

export interface WindowStore {
  /** Writes every partial or throws; never drops one silently. */
  writePartials(partials: readonly PartialWrite[]): Promise<WriteReport>;
  markCorrections(marks: readonly CorrectionMark[]): Promise<WriteReport>;
  /** The shards of `tier` that have a checkpoint (the planner has started closing them). */
  checkpointedShards(tier: number): Promise<ReadonlySet<number>>;
}

/** The readable identity of a series, kept in the catalog for queries. */
export interface SeriesMeta {
  readonly tenant: string;
  readonly seriesId: string;
  readonly metric: MetricDescriptor;
  readonly resource: Attributes;
  readonly scope: Scope;
  readonly attributes: Attributes;
}

export interface SeriesCatalog {
  /** Makes sure each series is in the catalog; returns the series it created (not there before). */
  ensure(series: readonly SeriesMeta[]): Promise<readonly SeriesMeta[]>;
  /**
   * Takes series this request just created back out of the catalog (a series refused by the
   * cardinality guard must still count as new next time).
   */
  forget(series: readonly SeriesMeta[]): Promise<void>;
}

/**
 * The cardinality guard's counter: new series per tenant per first-tier window (DynamoDB `ADD`).
 * `reserve` grants up to `count` of `limit` and returns how many it granted.
 */
export interface SeriesBudget {
  reserve(
    tenant: string,
    windowStartMs: number,
    count: number,
    limit: number,
    expiresAtSec: number,
  ): Promise<number>;
}

/** What the deployment's stored state depends on: the shard layout over time and the settings. */
export interface DeploymentRecord {
  readonly epochs: readonly ShardEpoch[];
  /** Absent in records written before settings were recorded. */
  readonly settings?: DeployedSettings;
}

/** The deployment record as stored, with its revision for conditional writes. */
export interface StoredDeploymentState extends DeploymentRecord {
  readonly revision: number;
}

/** Where the deployment record lives (one item of the window-state table). */
export interface DeploymentStateStore {
  read(): Promise<StoredDeploymentState | undefined>;
  /**
   * Stores `record` as revision `expected + 1` (the first, 1, when `expected` is undefined) if the
   * stored revision is still `expected`; false when another writer got there first.
   */
  write(record: DeploymentRecord, expected: number | undefined): Promise<boolean>;
}
