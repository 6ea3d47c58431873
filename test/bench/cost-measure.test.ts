/**
 * `npm run cost`'s measuring on a small run: the handlers run against dynalite and the Timestream
 * fake, and what they did adds up to usage in the units AWS bills.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { podFleetView, prometheusSamples, sinkFigures } from './cost.js';
import { type PodFleet, podFleetExport, podFleetSeries, runScenario, sdkExport } from './cost-measure.js';
import { costOf, type Usage } from './cost-model.js';
import { PRICES } from './cost-prices.js';
import { makeWorkload } from './decode.js';

describe('cost measuring', () => {
  it('measures ingest and closes of every tier, for both sinks', async () => {
    const config = parseConfig({});
    const run = await runScenario({
      config,
      request: sdkExport(200),
      minutes: 2,
      timestream: { memoryHours: 25, magneticMonths: () => 1 },
    });
    expect(run.ingest).toHaveLength(2);
    for (const s of run.ingest) {
      expect(s.seriesWindows).toBe(200);
      expect(s.counters.dynamoWriteUnits).toBeGreaterThan(0);
      expect(s.counters.logLines).toBeGreaterThan(0);
    }
    for (const tier of config.tiers) {
      const jobs = run.closes.filter((c) => c.job.tier === tier.level && c.series > 0);
      expect(jobs.length, tier.name).toBe(tier.level === 0 ? 2 * config.shards : config.shards);
      expect(
        jobs.reduce((a, j) => a + j.series, 0),
        tier.name,
      ).toBe(tier.level === 0 ? 400 : 200);
      for (const j of jobs) {
        expect(j.sinks.timestream.timestreamRecords).toBe(j.records);
        expect(j.sinks.dynamodb.dynamoWriteUnits).toBeGreaterThan(0);
        expect(j.sinks.timestream.dynamoWriteUnits).toBe(0);
      }
    }
    // The close worker's metrics (issue 15: CloseLag, Corrections, JobsFailed; nothing else emits).
    expect(run.metrics.some((m) => m.startsWith('windrow/CloseLag'))).toBe(true);

    const ts = sinkFigures(run, config, 'timestream', (r) => r.seriesWindows);
    const ddb = sinkFigures(run, config, 'dynamodb', (r) => r.seriesWindows);
    expect(ts.perUnit.timestreamWrites).toBeGreaterThan(0);
    // A record of the SDK workload measures well under 1 KiB, and a call packs many.
    expect(ts.perUnit.timestreamWrites).toBeLessThan(1);
    expect(ddb.perUnit.timestreamWrites).toBe(0);
    expect(ddb.perUnit.dynamoWriteUnits).toBeGreaterThan(ts.perUnit.dynamoWriteUnits);
    expect(ts.fixedPerMonth.schedulerInvocations).toBeGreaterThan(43_000);
    expect(costOf(ts.perUnit, PRICES).total).toBeGreaterThan(0);
  }, 60_000);

  it('prices a fleet of pods with a view that drops service.instance.id per source series-minute', async () => {
    const fleet: PodFleet = { services: 2, routes: 3, pods: 50 };
    const { source, withoutInstance } = podFleetSeries(fleet);
    expect([source, withoutInstance]).toEqual([300, 6]);
    const minutes = 2;
    const timestream = { memoryHours: 25, magneticMonths: () => 1 };
    const scenario = (config: ReturnType<typeof parseConfig>) =>
      runScenario({
        config,
        request: podFleetExport(fleet),
        requestsPerMinute: fleet.services,
        minutes,
        timestream,
      });
    const plain = parseConfig({});
    const viewed = podFleetView();
    expect(viewed.views[0]?.keepSource).toBe(false);
    const runs = { noView: await scenario(plain), view: await scenario(viewed) };

    // The same requests: every pod's points accepted; stored series-windows per request.
    for (const [name, run] of Object.entries(runs)) {
      expect(run.ingest, name).toHaveLength(minutes * fleet.services);
      for (const s of run.ingest) expect(s.points, name).toBe(fleet.routes * fleet.pods);
    }
    expect(runs.noView.ingest.map((s) => s.seriesWindows)).toEqual(
      runs.noView.ingest.map(() => fleet.routes * fleet.pods),
    );
    expect(runs.view.ingest.map((s) => s.seriesWindows)).toEqual(runs.view.ingest.map(() => fleet.routes));
    // Closed and stored at every tier: every pod's series without the view, only the view's with it.
    for (const tier of plain.tiers) {
      const stored = (run: typeof runs.view) =>
        run.closes.filter((c) => c.job.tier === tier.level).reduce((a, c) => a + c.series, 0);
      expect(stored(runs.noView), tier.name).toBe((tier.level === 0 ? minutes : 1) * source);
      expect(stored(runs.view), tier.name).toBe((tier.level === 0 ? minutes : 1) * withoutInstance);
    }

    for (const sink of ['dynamodb', 'timestream'] as const) {
      const noView = sinkFigures(runs.noView, plain, sink, (r) => r.points);
      const view = sinkFigures(runs.view, viewed, sink, (r) => r.points);
      expect(noView.detail['series-minutes per unit'], sink).toBe(1);
      expect(view.detail['series-minutes per unit'], sink).toBeCloseTo(withoutInstance / source, 12);
      // What is counted, not timed: fewer write units, less storage, fewer Timestream writes per
      // source series-minute, and so a lower price for those lines.
      expect(view.perUnit.dynamoWriteUnits, sink).toBeLessThan(noView.perUnit.dynamoWriteUnits / 5);
      expect(view.perUnit.dynamoStorageGbMonths, sink).toBeLessThan(noView.perUnit.dynamoStorageGbMonths / 5);
      if (sink === 'timestream') {
        expect(view.perUnit.timestreamWrites).toBeGreaterThan(0);
        expect(view.perUnit.timestreamWrites).toBeLessThan(noView.perUnit.timestreamWrites / 5);
      }
      // The same requests: API Gateway and Lambda requests per source series-minute are the same.
      expect(view.perUnit.apiRequests, sink).toBeCloseTo(noView.perUnit.apiRequests, 12);
      expect(view.perUnit.lambdaRequests, sink).toBeCloseTo(noView.perUnit.lambdaRequests, 12);
      const counted = (u: Usage): Usage => ({
        ...u,
        ingestGbSeconds: 0,
        plannerGbSeconds: 0,
        closeGbSeconds: 0,
        authorizerGbSeconds: 0,
      });
      expect(costOf(counted(view.perUnit), PRICES).total, sink).toBeLessThan(
        costOf(counted(noView.perUnit), PRICES).total / 5,
      );
    }
  }, 90_000);

  it('counts the Prometheus samples of an OTLP body: buckets + sum + count per histogram point', () => {
    const w = makeWorkload({ series: 100, pointsPerSeries: 1 });
    const { samples, points } = prometheusSamples(w.json);
    expect(points).toBe(100);
    // 5 metrics of 20 series: 4 number metrics, 1 histogram with 16 buckets.
    expect(samples).toBe(80 + 20 * (16 + 2));
  });
});
