/**
 * `npm run cost`'s measuring on a small run: the handlers run against dynalite and the Timestream
 * fake, and what they did adds up to usage in the units AWS bills.
 */
import { describe, expect, it } from 'vitest';
import { timestreamMemoryHours } from '#adapters/timestream/table-retention.js';
import { CLOSE_METRICS } from '#compose/close-worker/telemetry.js';
import { parseConfig } from '#core/config/config.js';
import {
  breakdownTotal,
  metricNames,
  OWN_METRICS,
  podFleetView,
  prometheusSamples,
  queryWorkload,
  shardInputs,
  sinkFigures,
  timestreamStorage,
} from './cost.js';
import {
  type Counters,
  type PodFleet,
  podFleetExport,
  podFleetSeries,
  runScenario,
  sdkExport,
} from './cost-measure.js';
import { costOf, GIB, MINUTES_PER_MONTH, type Usage, WRITE_KINDS } from './cost-model.js';
import { PRICES } from './cost-prices.js';
import { makeWorkload } from './decode.js';

/** The write units of `c` by kind add up to its write units. */
function expectKindsAddUp(c: Counters, what: string): void {
  expect(
    WRITE_KINDS.reduce((a, k) => a + c.writes[k].units, 0),
    what,
  ).toBe(c.dynamoWriteUnits);
}

describe('cost measuring', () => {
  it('measures ingest and closes of every tier, for both sinks', async () => {
    const config = parseConfig({});
    const names = metricNames(makeWorkload({ series: 200, pointsPerSeries: 1, seed: 1 }).json);
    expect(names).toHaveLength(10);
    const histogram = names.find((n) => n.startsWith('http.server.duration')) ?? '';
    const run = await runScenario({
      config,
      request: sdkExport(200),
      minutes: 2,
      timestream: timestreamStorage(config),
      queries: [
        ...names.map((metric) => ({ name: `chart ${metric}`, metric })),
        { name: 'by', metric: histogram, extra: '&by=http.route' },
        { name: 'plain', metric: histogram },
      ],
      queryRounds: 2,
    });
    expect(run.ingest).toHaveLength(2);
    for (const s of run.ingest) {
      expect(s.seriesWindows).toBe(200);
      expect(s.counters.dynamoWriteUnits).toBeGreaterThan(0);
      expect(s.counters.logLines).toBeGreaterThan(0);
      expectKindsAddUp(s.counters, 'ingest');
    }
    // A warm request writes packed partials only (the catalog registered its series the first time).
    const warm = run.ingest[1]?.counters;
    expect(warm?.writes['ingest partials'].units).toBe(warm?.dynamoWriteUnits);
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
        for (const c of [j.common, j.sinks.dynamodb]) expectKindsAddUp(c, tier.name);
        // The results table's writes are the DynamoDB sink's, and nothing else is.
        expect(j.sinks.dynamodb.writes['results packs'].units).toBe(j.sinks.dynamodb.dynamoWriteUnits);
        expect(j.common.writes['results packs'].units).toBe(0);
        expect(j.common.writes['closed states'].units, tier.name).toBeGreaterThan(0);
        // Every tier but the last hands its merged states to the next as `~` partials.
        expect(j.common.writes['parent partials'].units > 0, tier.name).toBe(tier.level < 2);
        // Timestream's memory store per table: from the write (the tick, 31 s past the window's end
        // for 1m; 31 s past the hour or day) until the record's time + the table's hours.
        const hours = timestreamMemoryHours({ kind: 'tier', sizeMs: tier.sizeMs }, config);
        const writtenAfterStartH = (tier.sizeMs + 31_000) / 3_600_000;
        expect(
          j.sinks.timestream.timestreamMemoryGbHours / (j.sinks.timestream.timestreamBytes / GIB),
        ).toBeCloseTo(hours - writtenAfterStartH, 9);
      }
    }
    for (const p of run.planner) expectKindsAddUp(p.counters, 'planner');
    // The close worker's metrics (issue 15: CloseLag, Corrections, JobsFailed; nothing else emits):
    // a clean run emits only CloseLag, all three are priced.
    expect(run.metrics.some((m) => m.startsWith('windrow/CloseLag'))).toBe(true);
    expect(OWN_METRICS).toEqual(Object.keys(CLOSE_METRICS));
    expect(OWN_METRICS).toEqual(['CloseLag', 'Corrections', 'JobsFailed']);

    const ts = sinkFigures(run, config, 'timestream', (r) => r.seriesWindows);
    const ddb = sinkFigures(run, config, 'dynamodb', (r) => r.seriesWindows);
    expect(ts.perUnit.timestreamWrites).toBeGreaterThan(0);
    // A record of the SDK workload measures well under 1 KiB, and a call packs many.
    expect(ts.perUnit.timestreamWrites).toBeLessThan(1);
    expect(ddb.perUnit.timestreamWrites).toBe(0);
    expect(ddb.perUnit.dynamoWriteUnits).toBeGreaterThan(ts.perUnit.dynamoWriteUnits);
    expect(ts.fixedPerMonth.schedulerInvocations).toBeGreaterThan(43_000);
    expect(ts.fixedPerMonth.metricMonths).toBe(3);
    expect(costOf(ts.perUnit, PRICES).total).toBeGreaterThan(0);
    // The write units by item add up to the write units priced, per unit and fixed.
    for (const f of [ts, ddb]) {
      expect(breakdownTotal(f.writesPerUnit)).toBeCloseTo(f.perUnit.dynamoWriteUnits, 12);
      expect(WRITE_KINDS.reduce((a, k) => a + f.fixedWritesPerMonth[k], 0)).toBeCloseTo(
        f.fixedPerMonth.dynamoWriteUnits,
        6,
      );
      expect(Object.keys(f.writesPerUnit)).toEqual(['ingest', '1m', '1h', '1d']);
    }
    const kindTotal = (f: typeof ddb, k: (typeof WRITE_KINDS)[number]) =>
      Object.values(f.writesPerUnit).reduce((a, x) => a + x[k], 0);
    expect(kindTotal(ts, 'results packs')).toBe(0);
    expect(kindTotal(ddb, 'results packs')).toBeGreaterThan(0);
    expect(kindTotal(ddb, 'ingest partials')).toBeCloseTo(kindTotal(ts, 'ingest partials'), 12);
    expect(ddb.writesPerUnit.ingest?.['ingest partials']).toBeGreaterThan(0);

    // The shard rule's inputs, from the same run.
    const inputs = shardInputs(run, config, 20);
    expect(inputs.seriesPerRequest).toBe(200);
    expect(inputs.ingestBytesPerSeries).toBeGreaterThan(0);
    expect(inputs.stateBytesPerSeries).toBeGreaterThan(0);
    expect(inputs.resultBytesPerSeries).toBeGreaterThan(0);
    expect(inputs.closeJobMs).toBeGreaterThan(0);

    // Queries: the query function answered every chart with 60 windows of each of its 20 series.
    const charts = run.queries.filter((q) => q.name.startsWith('chart '));
    expect(charts).toHaveLength(2 * names.length);
    for (const q of run.queries) {
      expect(q.status, q.name).toBe(200);
      // A Query page bills the summed size of the items it returns, in 4 KB units, halved
      // (eventually consistent) — not each item rounded up on its own.
      expect(q.counters.resultReadPages, q.name).toBe(1);
      expect(q.counters.resultReadUnits, q.name).toBe(Math.ceil(q.counters.resultReadBytes / 4096) / 2);
      // The Timestream reader's catalog lookup: one item each, read on its own (cold), cached after.
      if (!q.warm && q.name.startsWith('chart ')) expect(q.lookup.dynamoReadUnits).toBe(q.lookedUp / 2);
      if (q.warm) expect(q.lookup.dynamoReadUnits).toBe(0);
    }
    for (const q of charts) expect([q.series, q.points]).toEqual([20, 20 * 60]);
    const by = run.queries.filter((q) => q.name === 'by');
    for (const q of by) expect(q.series).toBeGreaterThan(1);
    for (const q of by) expect(q.series).toBeLessThan(20);
    // Packs of several series: far fewer read units than one per series-window.
    for (const q of charts) expect(q.counters.resultReadUnits).toBeLessThan((20 * 60) / 8);

    const workload = queryWorkload(run, run);
    const warmChartReads = names.reduce((a, n) => {
      const qs = charts.filter((q) => q.warm && q.name === `chart ${n}`);
      return a + qs.reduce((x, q) => x + q.counters.dynamoReadUnits, 0) / qs.length;
    }, 0);
    const warmBy = by.filter((q) => q.warm);
    const byReads = warmBy.reduce((a, q) => a + q.counters.dynamoReadUnits, 0) / warmBy.length;
    const authorizerReads =
      run.authorizer.slice(1).reduce((a, c) => a + c.dynamoReadUnits, 0) / (run.authorizer.length - 1);
    expect(workload.perMonth.dynamodb.dynamoReadUnits).toBeCloseTo(
      MINUTES_PER_MONTH * (warmChartReads + byReads + authorizerReads / 5),
      3,
    );
    expect(workload.perMonth.dynamodb.apiRequests).toBe(MINUTES_PER_MONTH * 11);
    expect(workload.perMonth.dynamodb.timestreamTcuHours).toBe(0);
    // 4 TCUs × the 30 s minimum, once a minute.
    expect(workload.perMonth.timestream.timestreamTcuHours).toBeCloseTo(1460, 9);
  }, 90_000);

  it('prices the Timestream memory store per table, as infra/stack.ts sets it', () => {
    const config = parseConfig({});
    const storage = timestreamStorage(config);
    expect(['tier_1m', 'tier_1h', 'tier_1d'].map((t) => storage.memoryHours(t))).toEqual([1, 2, 25]);
    for (const tier of config.tiers) {
      expect(storage.memoryHours(`tier_${tier.name}`)).toBe(
        timestreamMemoryHours({ kind: 'tier', sizeMs: tier.sizeMs }, config),
      );
    }
    // Magnetic store: each tier's retention (default 7 days), in months of 730 h.
    expect(storage.magneticMonths('tier_1m')).toBeCloseTo((7 * 24) / 730, 12);
    expect(() => storage.memoryHours('tier_5m')).toThrow(/no Timestream table/);
  });

  it('prices a fleet of pods with a view that drops service.instance.id per source series-minute', async () => {
    const fleet: PodFleet = { services: 2, routes: 3, pods: 50 };
    const { source, withoutInstance } = podFleetSeries(fleet);
    expect([source, withoutInstance]).toEqual([300, 6]);
    const minutes = 2;
    const timestream = { memoryHours: () => 25, magneticMonths: () => 1 };
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
