/**
 * `npm run cost`'s measuring on a small run: the handlers run against dynalite and the Timestream
 * fake, and what they did adds up to usage in the units AWS bills.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { prometheusSamples, sinkFigures } from './cost.js';
import { runScenario, sdkExport } from './cost-measure.js';
import { costOf } from './cost-model.js';
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
    expect(run.metrics.some((m) => m.startsWith('windrow/SeriesClosed'))).toBe(true);

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

  it('counts the Prometheus samples of an OTLP body: buckets + sum + count per histogram point', () => {
    const w = makeWorkload({ series: 100, pointsPerSeries: 1 });
    const { samples, points } = prometheusSamples(w.json);
    expect(points).toBe(100);
    // 5 metrics of 20 series: 4 number metrics, 1 histogram with 16 buckets.
    expect(samples).toBe(80 + 20 * (16 + 2));
  });
});
