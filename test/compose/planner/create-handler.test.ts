/**
 * The middy-wrapped planner with a fake `plan`: the report it returns and its one log line — and no
 * EMF: the planner emits no CloudWatch metric (windrow's only ones are the close worker's); the jobs
 * per tier, the corrections and how far each tier is behind are fields of the log line.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PlanReport, planCloses } from '#app/plan-closes.js';
import { createPlannerHandler, PLANNER_SERVICE } from '#compose/planner/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { CloseHarness } from '../../support/close-harness.js';
import { captureOutput, emf, type LogRecord, lambdaContext, logs } from '../../support/lambda-output.js';

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

  it('emits no EMF metric and no Powertools warning: one log line is all the planner writes', async () => {
    const { records } = await invoke(async () => REPORT);
    expect(emf(records)).toEqual([]);
    // What were JobsEnqueued, and per tier ClosesEnqueued, CorrectionsEnqueued and Behind.
    expect(records).toEqual([
      expect.objectContaining({
        message: 'planned',
        jobs: 21,
        closes: { '1m': 16, '1h': 2, '1d': 0 },
        corrections: { '1m': 3, '1h': 0, '1d': 0 },
        behindMs: { '1m': 95_000, '1h': 3_630_000 },
      }),
    ]);
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
    expect(records).toEqual([
      expect.objectContaining({ message: 'planned', jobs: 0, closes: { '1m': 0, '1h': 0 }, initialized: 8 }),
    ]);
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
    expect(emf(records)).toEqual([]);
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
    expect(logs(records)).toEqual([
      expect.objectContaining({
        message: 'planned',
        jobs: 6,
        closes: { '1m': 6, '1h': 0 },
        behindMs: { '1m': 210_000 },
      }),
    ]);
    expect(emf(records)).toEqual([]);
  });
});
