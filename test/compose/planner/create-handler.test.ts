/**
 * The middy-wrapped planner with a fake `plan`: the report it returns, its one log line, and the EMF
 * metrics — per tier with the `tier` dimension, the total without it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PlanReport, planCloses } from '#app/plan-closes.js';
import { createPlannerHandler, PLANNER_SERVICE } from '#compose/planner/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness } from '../../support/close-harness.js';
import {
  captureOutput,
  dimensions,
  emf,
  type LogRecord,
  lambdaContext,
  logs,
  metric,
  metricNames,
} from '../../support/lambda-output.js';

const REPORT: PlanReport = {
  jobs: 21,
  closes: { '1m': 16, '1h': 2, '1d': 0 },
  corrections: { '1m': 3, '1h': 0, '1d': 0 },
  initialized: 0,
  behindMs: { '1m': 95_000, '1h': 3_630_000 },
};

async function invoke(
  plan: () => Promise<PlanReport>,
): Promise<{ result: PlanReport; records: LogRecord[] }> {
  const handler = createPlannerHandler({ plan });
  let result: PlanReport | undefined;
  const records = await captureOutput(async () => {
    result = await handler({}, lambdaContext('windrow-planner', 'plan-req-1'));
  });
  if (result === undefined) throw new Error('no result');
  return { result, records };
}

beforeEach(() => {
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('Function: createPlannerHandler', () => {
  it("returns the plan report and logs one INFO 'planned' line with it", async () => {
    const { result, records } = await invoke(async () => REPORT);
    expect(result).toEqual(REPORT);
    expect(logs(records)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'planned',
        service: PLANNER_SERVICE,
        function_request_id: 'plan-req-1',
        cold_start: true,
        ...REPORT,
      }),
    ]);
    expect(records.filter((r) => 'unstructured' in r)).toEqual([]);
  });

  it('publishes ClosesEnqueued, CorrectionsEnqueued and Behind per tier with the tier dimension', async () => {
    const { records } = await invoke(async () => REPORT);
    const perTier = metric(records, 'ClosesEnqueued');
    expect(perTier.map((r) => [r.tier, r.ClosesEnqueued, r.CorrectionsEnqueued, r.Behind])).toEqual([
      ['1m', 16, 3, 95_000],
      ['1h', 2, 0, 3_630_000],
      ['1d', 0, 0, 0],
    ]);
    for (const blob of perTier) {
      expect(blob._aws.CloudWatchMetrics[0]?.Namespace).toBe('windrow');
      expect(dimensions(blob)).toEqual([['service', 'tier']]);
      expect(blob.service).toBe(PLANNER_SERVICE);
      expect(metricNames(blob)).toEqual(['Behind', 'ClosesEnqueued', 'CorrectionsEnqueued']);
      const units = Object.fromEntries(
        (blob._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit]),
      );
      expect(units).toEqual({
        Behind: 'Milliseconds',
        ClosesEnqueued: 'Count',
        CorrectionsEnqueued: 'Count',
      });
    }
  });

  it('publishes JobsEnqueued once per run, without the tier dimension', async () => {
    const { records } = await invoke(async () => REPORT);
    const [total, ...more] = metric(records, 'JobsEnqueued');
    expect(more).toEqual([]);
    expect(total).toMatchObject({ service: PLANNER_SERVICE, JobsEnqueued: 21 });
    expect(total).not.toHaveProperty('tier');
    expect(dimensions(total)).toEqual([['service']]);
    expect(metricNames(total)).toEqual(['JobsEnqueued']);
    expect(emf(records)).toHaveLength(4);
  });

  it('reports a run with nothing due: zeros per tier and JobsEnqueued 0', async () => {
    const quiet: PlanReport = {
      jobs: 0,
      closes: { '1m': 0, '1h': 0 },
      corrections: { '1m': 0, '1h': 0 },
      initialized: 8,
      behindMs: {},
    };
    const { result, records } = await invoke(async () => quiet);
    expect(result).toEqual(quiet);
    expect(metric(records, 'ClosesEnqueued').map((r) => [r.tier, r.ClosesEnqueued, r.Behind])).toEqual([
      ['1m', 0, 0],
      ['1h', 0, 0],
    ]);
    expect(metric(records, 'JobsEnqueued')[0]).toMatchObject({ JobsEnqueued: 0 });
    expect(logs(records)[0]).toMatchObject({ message: 'planned', initialized: 8 });
  });

  it('lets a failing plan fail the invocation (the schedule runs it again next minute)', async () => {
    const handler = createPlannerHandler({
      plan: async () => {
        throw new Error('close queue: 3 jobs not sent after 5 attempts');
      },
    });
    const records = await captureOutput(async () => {
      await expect(handler({}, lambdaContext('windrow-planner'))).rejects.toThrow(
        /not sent after 5 attempts/,
      );
    });
    expect(logs(records).filter((r) => r.message === 'planned')).toEqual([]);
    expect(metric(records, 'ClosesEnqueued')).toEqual([]);
  });

  it('runs planCloses through the handler: the report matches what was enqueued', async () => {
    const config = parseConfig({ tiers: ['1m', '1h'], shards: 2, allowedLateness: '30s' });
    const t0 = Date.UTC(2026, 10, 25, 17, 0, 0);
    const h = new CloseHarness(config, t0);
    for (const shard of [0, 1])
      await h.store.initCheckpoint({ tier: 0, shard, closedThroughMs: t0 - 60_000 });
    h.clock.now = t0 + 3 * 60_000 + 30_000; // 17:00, 17:01 and 17:02 are due
    const { result, records } = await invoke(() =>
      planCloses({ store: h.store, queue: h.queue, clock: h.clock, config }),
    );
    expect(result).toMatchObject({ jobs: 6, closes: { '1m': 6, '1h': 0 }, behindMs: { '1m': 210_000 } });
    expect(h.queue.jobs).toHaveLength(6);
    expect(metric(records, 'ClosesEnqueued').map((r) => [r.tier, r.ClosesEnqueued, r.Behind])).toEqual([
      ['1m', 6, 210_000],
      ['1h', 0, 0],
    ]);
    expect(metric(records, 'JobsEnqueued')[0]).toMatchObject({ JobsEnqueued: 6 });
  });
});
