/**
 * The planner's composition: its environment, `planCloses` on the state table and the queue given,
 * and the deployment record reconciled once (the local runner at start).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStateStore } from '#adapters/dynamodb/deployment-state-store.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import type { CloseJob } from '#app/close-ports.js';
import { DeploymentState, IncompatibleConfigError } from '#app/deployment-state.js';
import { checkDeployment, composePlanner, readPlannerEnvironment } from '#compose/planner/compose.js';
import { parseConfig } from '#core/config/config.js';
import { ConfigError } from '#core/errors.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';
import { ManualClock } from '../../support/memory-ports.js';

describe('Function: readPlannerEnvironment', () => {
  it('reads the configuration, the state table and the close queue', () => {
    const env = readPlannerEnvironment({
      WINDROW_STATE_TABLE: 's',
      WINDROW_CONFIG: '{"shards":2}',
      WINDROW_CLOSE_QUEUE_URL: 'https://sqs.example/q',
    });
    expect(env).toMatchObject({ tableName: 's', queueUrl: 'https://sqs.example/q' });
    expect(env.config.shards).toBe(2);
  });

  it.each([
    [{ WINDROW_STATE_TABLE: 's', WINDROW_CONFIG: '{', WINDROW_CLOSE_QUEUE_URL: 'q' }, /WINDROW_CONFIG/],
    [{ WINDROW_CLOSE_QUEUE_URL: 'q' }, /WINDROW_STATE_TABLE is not set/],
    [{ WINDROW_STATE_TABLE: 's' }, /WINDROW_CLOSE_QUEUE_URL is not set/],
  ])('refuses %j with a ConfigError', (env, message) => {
    expect(() => readPlannerEnvironment(env)).toThrow(ConfigError);
    expect(() => readPlannerEnvironment(env)).toThrow(message);
  });
});

describe('Function: composePlanner', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
    await createWindowStateTable(db.client, 'plan');
    await createWindowStateTable(db.client, 'reconcile');
  });
  afterAll(() => db?.stop());

  it('plans on the state table and enqueues on the queue given', async () => {
    const config = parseConfig({ tiers: ['1m', '1h'], shards: 2 });
    const t0 = Date.UTC(2026, 10, 25, 17, 0, 0);
    const clock = new ManualClock(t0);
    const queued: CloseJob[] = [];
    const queue = { enqueue: async (jobs: readonly CloseJob[]) => void queued.push(...jobs) };
    const plan = composePlanner({ tableName: 'plan', config }, { dynamo: db.client, queue }, clock);
    // The first run starts every (tier, shard) in the state table.
    const first = await plan();
    expect(first.initialized).toBe(4);
    clock.now = t0 + 5 * 60_000;
    const report = await plan();
    expect(report.initialized).toBe(0);
    expect(report.jobs).toBeGreaterThan(0);
    expect(queued).toHaveLength(first.jobs + report.jobs);
    expect(new Set(queued.map((j) => j.shard))).toEqual(new Set([0, 1]));
  });

  it('checks the configuration against the recorded state without recording it (the planner records)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25));
    const dynamo = db.client;
    const environment = (sketchRelativeAccuracy: number) => ({
      tableName: 'reconcile',
      config: parseConfig({ sketchRelativeAccuracy }),
    });
    const store = new DynamoDeploymentStateStore({ client: dynamo, tableName: 'reconcile' });
    // Nothing recorded yet: any configuration passes, and the check records nothing.
    await checkDeployment(environment(0.02), { dynamo }, clock);
    expect(await store.read()).toBeUndefined();
    // Once the planner recorded one, an incompatible one is refused.
    await new DeploymentState(environment(0.01).config, clock, store).reconcile();
    await checkDeployment(environment(0.01), { dynamo }, clock);
    await expect(checkDeployment(environment(0.02), { dynamo }, clock)).rejects.toThrow(
      IncompatibleConfigError,
    );
  });
});
