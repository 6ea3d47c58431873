import { describe, expect, it } from 'vitest';
import {
  apiGatewayRequests,
  cloudWatchPerMillionSeriesMinutes,
  costOf,
  cpuSlowdown,
  DYNAMO_PARTITION_WU_PER_SECOND,
  dynamoReadUnits,
  dynamoWriteUnits,
  GIB,
  lambdaGbSeconds,
  logEventBytes,
  MINUTES_PER_MONTH,
  monthlyUsage,
  NO_USAGE,
  pacedStateWrites,
  partitionLoads,
  prometheusIngestCost,
  SHARD_LIMITS,
  type ShardInputs,
  seriesMinutesPerMonth,
  shardsFor,
  timestreamMemoryGbHours,
  timestreamTcuHours,
  timestreamWrites,
  usage,
  usagePerMillion,
  type Workload,
  writeKindOf,
} from './cost-model.js';
import { PRICES } from './cost-prices.js';

describe('metering', () => {
  it('API Gateway meters a request per started 512 KB', () => {
    expect(apiGatewayRequests(0)).toBe(1);
    expect(apiGatewayRequests(512 * 1024)).toBe(1);
    expect(apiGatewayRequests(512 * 1024 + 1)).toBe(2);
  });

  it('DynamoDB: a write unit per started KB, a read unit per started 4 KB, halved when eventually consistent', () => {
    expect(dynamoWriteUnits(0)).toBe(1);
    expect(dynamoWriteUnits(1024)).toBe(1);
    expect(dynamoWriteUnits(1025)).toBe(2);
    expect(dynamoReadUnits(0, true)).toBe(1);
    expect(dynamoReadUnits(4096, true)).toBe(1);
    expect(dynamoReadUnits(4097, true)).toBe(2);
    expect(dynamoReadUnits(4097, false)).toBe(1);
  });

  it("Timestream: the metering guide's batch of 12 events of 83 bytes is one write", () => {
    expect(timestreamWrites(12 * 83)).toBe(1);
    expect(timestreamWrites(13 * 83)).toBe(2);
  });

  it('Lambda GB-seconds bill whole milliseconds; the CPU share is full from 1,769 MB', () => {
    expect(lambdaGbSeconds(100.2, 1024)).toBeCloseTo(0.101, 12);
    expect(lambdaGbSeconds(1000, 512)).toBeCloseTo(0.5, 12);
    expect(cpuSlowdown(1769)).toBe(1);
    expect(cpuSlowdown(3008)).toBe(1);
    expect(cpuSlowdown(1024)).toBeCloseTo(1769 / 1024, 12);
    expect(logEventBytes(100)).toBe(126);
  });
});

describe('costOf', () => {
  it('prices a hand-computed month', () => {
    const u = usage({
      apiRequests: 2_000,
      lambdaRequests: 2_000,
      ingestGbSeconds: 100,
      authorizerGbSeconds: 10,
      dynamoWriteUnits: 1_000_000,
      dynamoReadUnits: 2_000_000,
      dynamoStorageGbMonths: 4,
      sqsRequests: 500_000,
      schedulerInvocations: 43_800,
      logBytes: 2 * GIB,
      metricMonths: 10,
      timestreamWrites: 3_000_000,
      timestreamMemoryGbHours: 100,
      timestreamMagneticGbMonths: 10,
      queryGbSeconds: 1000,
      timestreamTcuHours: 10,
    });
    const { lines, total } = costOf(u, PRICES);
    const line = (name: string) => lines.find((l) => l.component === name)?.usd;
    expect(line('API Gateway HTTP API requests')).toBeCloseTo(0.002, 12);
    expect(line('Lambda requests')).toBeCloseTo(0.0004, 12);
    expect(line('Lambda duration: ingest')).toBeCloseTo(0.00133334, 12);
    expect(line('Lambda duration: authorizer')).toBeCloseTo(0.000133334, 12);
    expect(line('DynamoDB write request units')).toBeCloseTo(0.625, 12);
    expect(line('DynamoDB read request units')).toBeCloseTo(0.25, 12);
    expect(line('DynamoDB storage')).toBeCloseTo(1, 12);
    expect(line('SQS requests')).toBeCloseTo(0.2, 12);
    expect(line('EventBridge Scheduler')).toBeCloseTo(0.0438, 12);
    expect(line('CloudWatch Logs ingestion')).toBeCloseTo(1, 12);
    expect(line('CloudWatch metrics (own EMF)')).toBeCloseTo(3, 12);
    expect(line('Timestream writes')).toBeCloseTo(1.5, 12);
    expect(line('Timestream memory store')).toBeCloseTo(3.6, 12);
    expect(line('Timestream magnetic store')).toBeCloseTo(0.3, 12);
    expect(line('Lambda duration: query')).toBeCloseTo(0.0133334, 12);
    expect(line('Timestream queries (TCU-hours)')).toBeCloseTo(5.18, 12);
    // 0.002 + 0.0004 + 0.00133334 + 0.000133334 + 0.625 + 0.25 + 1 + 0.2 + 0.0438 + 1 + 3 + 1.5 + 3.6 + 0.3
    // + 0.0133334 + 5.18
    expect(total).toBeCloseTo(16.716000074, 10);
    expect(lines).toHaveLength(18);
    expect(costOf(NO_USAGE, PRICES).total).toBe(0);
  });

  it('prices the comparisons: CloudWatch per metric-month, Managed Prometheus per sample', () => {
    // One metric per series, a value a minute: a metric-month is 43,800 series-minutes.
    expect(cloudWatchPerMillionSeriesMinutes(PRICES)).toBeCloseTo((1e6 / 43_800) * 0.3, 12);
    expect(prometheusIngestCost(1e6, PRICES)).toBeCloseTo(0.09, 12);
    expect(seriesMinutesPerMonth(10)).toBe(10 * MINUTES_PER_MONTH);
  });
});

describe('a steady workload', () => {
  const workload: Workload = {
    perUnit: usage({ dynamoWriteUnits: 0.1, apiRequests: 0.002, timestreamWrites: 0.7 }),
    fixedPerMonth: usage({ schedulerInvocations: 43_800, metricMonths: 24, dynamoReadUnits: 300_000 }),
  };

  it('costs more a month with every series added, and less per million series-minutes', () => {
    let lastMonthly = 0;
    let lastPerMillion = Number.POSITIVE_INFINITY;
    for (const series of [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]) {
      const units = seriesMinutesPerMonth(series);
      const monthly = costOf(monthlyUsage(workload, units), PRICES).total;
      const perMillion = costOf(usagePerMillion(workload, units), PRICES).total;
      expect(monthly).toBeGreaterThan(lastMonthly);
      expect(perMillion).toBeLessThan(lastPerMillion);
      lastMonthly = monthly;
      lastPerMillion = perMillion;
    }
    // Fixed costs fade out: a million of units costs what a million units use.
    const perUnitOnly = costOf(usagePerMillion({ ...workload, fixedPerMonth: NO_USAGE }, 1), PRICES).total;
    expect(lastPerMillion).toBeGreaterThan(perUnitOnly);
    expect(lastPerMillion / perUnitOnly).toBeLessThan(1.01);
  });
});

describe('packed partials', () => {
  /** 10,000 series-window states of 150–300 bytes (deterministic). */
  const states = Array.from({ length: 10_000 }, (_, i) => 150 + ((i * 7919) % 151));
  const bytes = states.reduce((a, b) => a + b, 0);
  const KEYS = 100; // PK, SK, ttl and names of one item

  function packedUnits(maxItemBytes: number): number {
    let units = 0;
    let item = KEYS;
    for (const s of states) {
      if (item + s > maxItemBytes) {
        units += dynamoWriteUnits(item);
        item = KEYS;
      }
      item += s;
    }
    return units + dynamoWriteUnits(item);
  }

  it('cost about their bytes / 1 KB in write units', () => {
    const units = packedUnits(350_000);
    expect(units).toBeGreaterThanOrEqual(Math.ceil(bytes / 1024));
    expect(units / (bytes / 1024)).toBeLessThan(1.01);
  });

  it('cost several times less than an item per series-window', () => {
    const perSeries = states.reduce((a, s) => a + dynamoWriteUnits(s + KEYS), 0);
    expect(perSeries).toBe(states.length);
    expect(perSeries / packedUnits(350_000)).toBeGreaterThan(4);
  });
});

describe('write units by item', () => {
  it('classifies a write by its table and key', () => {
    const results = 'windrow-results';
    const kind = (table: string, pk: string, sk: string) => writeKindOf(table, pk, sk, results);
    expect(kind('state', 'P#0#1764028800000#0003', 'q2Jx3uE1Zq8sS2Hq7bQm9A#0000')).toBe('ingest partials');
    expect(kind('state', 'P#1#1764028800000#0003', '~1764028860000#0000')).toBe('parent partials');
    expect(kind('state', 'C#0#1764028800000#0003', '0001764028891000#0000')).toBe('closed states');
    expect(kind(results, 'default#1m#http.server.duration', '1764028800000#0003#0000')).toBe('results packs');
    // Whatever its key looks like, an item of the results table is a results pack.
    expect(kind(results, 'P#odd#tenant', 'x')).toBe('results packs');
    expect(kind('state', 'K#0', '0003')).toBe('checkpoints');
    expect(kind('state', 'D#0', '1764028800000#0003')).toBe('correction marks');
    for (const pk of [
      'S#default#0123456789abcdef0123456789abcdef',
      'M#default',
      'Q#default',
      'O#0003',
      'L#layout',
    ])
      expect(kind('state', pk, 'meta')).toBe('other');
  });
});

describe("Timestream's memory store", () => {
  const bytes = 700;
  const HOUR = 3_600_000;

  it('keeps a record from its write until its time plus its table’s hours', () => {
    // tier_1m keeps 1 h: a 1m window's record (time = the window's start) written 91 s after it.
    expect(timestreamMemoryGbHours(bytes, 0, 91_000, 1)).toBeCloseTo((bytes / GIB) * (1 - 91 / 3600), 15);
    // tier_1d keeps 25 h: the day's record is written after the day ends, and stays about an hour.
    expect(timestreamMemoryGbHours(bytes, 0, 24 * HOUR + 31_000, 25)).toBeCloseTo(
      (bytes / GIB) * (1 - 31 / 3600),
      15,
    );
    // A correction older than the memory store goes to the magnetic store: no memory-store hours.
    expect(timestreamMemoryGbHours(bytes, 0, 2 * HOUR, 1)).toBe(0);
    // Never more than the table's hours, whatever the clock says.
    expect(timestreamMemoryGbHours(bytes, 0, -HOUR, 1)).toBeCloseTo(bytes / GIB, 15);
  });

  it('costs per table: a 1m record a 25th of what the whole horizon did', () => {
    const perTable = timestreamMemoryGbHours(bytes, 0, 91_000, 1);
    const wholeHorizon = (bytes / GIB) * 25;
    expect(perTable / wholeHorizon).toBeLessThan(1 / 25);
  });
});

describe('Timestream queries', () => {
  it('bill TCU-hours: at least 4 TCUs, at least 30 s a burst, at most until the next burst', () => {
    // A dashboard refreshing every minute for a month, its queries overlapping for 10 s.
    expect(timestreamTcuHours(MINUTES_PER_MONTH, 10, 4, 60)).toBeCloseTo(
      (MINUTES_PER_MONTH * 4 * 30) / 3600,
      9,
    );
    expect(timestreamTcuHours(MINUTES_PER_MONTH, 10, 4, 60)).toBeCloseTo(1460, 9);
    expect(timestreamTcuHours(60, 45, 4, 60)).toBeCloseTo(3, 12); // 45 s billed as 45 s
    expect(timestreamTcuHours(60, 90, 4, 60)).toBeCloseTo(4, 12); // busy all the time: 4 TCUs × 1 h
    expect(timestreamTcuHours(60, 10, 1, 60)).toBeCloseTo(2, 12); // never fewer than 4 TCUs
  });
});

describe('shards by fleet size', () => {
  /** Round numbers, so the expectations can be worked out by hand. */
  const inputs: ShardInputs = {
    seriesPerRequest: 500,
    ingestBytesPerSeries: 20,
    ingestItemBytes: 100,
    stateBytesPerSeries: 50,
    resultBytesPerSeries: 64,
    seriesPerMetric: 20,
    closeJobMs: 50,
    closeMsPerSeries: 0.2,
  };

  it('loads each partition as worked out by hand', () => {
    // 10,000 series, 1 shard: 20 requests a minute, each one item of 100 + 500 × 20 bytes = 10 WU.
    const one = partitionLoads(10_000, 1, inputs);
    expect(one.ingest.perMinute).toBeCloseTo(200, 9);
    expect(one.ingest.averagePerSecond).toBeCloseTo(200 / 60, 9);
    expect(one.ingest.peakPerSecond).toBeCloseTo((200 / 60) * SHARD_LIMITS.peakFactor, 9);
    expect(one.closedState.peakPerSecond).toBeCloseTo((10_000 * 50) / 1024, 9);
    expect(one.closeJobMs).toBeCloseTo(50 + 10_000 * 0.2, 9);
    // A metric of 20 series: its results, plus half a KB of rounding per shard's pack.
    expect(one.results.perMinute).toBeCloseTo((20 * 64) / 1024 + 0.5, 9);
    expect(partitionLoads(10_000, 8, inputs).results.perMinute).toBeCloseTo((20 * 64) / 1024 + 4, 9);
    // 100,000 series, 5 shards: 200 requests a minute, each an item of 100 + 100 × 20 bytes (3 WU) per shard.
    const five = partitionLoads(100_000, 5, inputs);
    expect(five.ingest.perMinute).toBeCloseTo(600, 6);
    expect(five.closedState.peakPerSecond).toBeCloseTo((20_000 * 50) / 1024, 9);
  });

  it('chooses the fewest shards that keep every partition under 1,000 WU/s and a 1m close under 20 s', () => {
    expect(shardsFor(10_000, inputs)).toMatchObject({ shards: 1, binding: 'none', unmet: [] });
    // 100,000: one shard's close writes 4,883 WU at once and takes 20.05 s; 5 shards: 977 WU, 4.05 s.
    expect(shardsFor(100_000, inputs)).toMatchObject({ shards: 5, binding: 'closed states', unmet: [] });
    // 1,000,000: 1e6 × 50 / 1024 / 1,000 = 48.8 → 49 shards.
    expect(shardsFor(1_000_000, inputs)).toMatchObject({ shards: 49, binding: 'closed states', unmet: [] });
    // Paced state writes: only the job time, 50 + 1e6 / N × (0.2 + 50 / 1024) ms ≤ 20 s → 13.
    expect(shardsFor(1_000_000, pacedStateWrites(inputs))).toMatchObject({
      shards: 13,
      binding: 'close job time',
    });
    // Slow closes: the job time binds.
    expect(shardsFor(100_000, { ...inputs, closeMsPerSeries: 2 }).shards).toBe(11);
  });

  it('meets every limit at its count and misses one just below it', () => {
    const limit = DYNAMO_PARTITION_WU_PER_SECOND;
    for (const series of [3_000, 50_000, 250_000, 1_000_000, 5_000_000]) {
      for (const limits of [SHARD_LIMITS, { ...SHARD_LIMITS, peakFactor: 60 }]) {
        const { shards, loads } = shardsFor(series, inputs, limits);
        expect(loads.shards).toBe(shards);
        expect(loads.ingest.peakPerSecond).toBeLessThanOrEqual(limit);
        expect(loads.closedState.peakPerSecond).toBeLessThanOrEqual(limit);
        expect(loads.closeJobMs).toBeLessThanOrEqual(limits.maxCloseJobMs);
        if (shards > 1) {
          const below = partitionLoads(series, shards - 1, inputs, limits);
          expect(
            below.ingest.peakPerSecond > limit ||
              below.closedState.peakPerSecond > limit ||
              below.closeJobMs > limits.maxCloseJobMs,
          ).toBe(true);
        }
      }
    }
  });

  it('names the limits no shard count meets', () => {
    // A close job that takes 25 s even empty: the shards meet the partition limits only.
    const choice = shardsFor(100_000, { ...inputs, closeJobMs: 25_000 });
    expect(choice.unmet).toEqual(['close job time']);
    expect(choice.shards).toBe(5);
  });
});

describe('PRICES', () => {
  it('names a source and the day it was read for every price', () => {
    for (const [name, price] of Object.entries(PRICES)) {
      expect(price.usd, name).toBeGreaterThan(0);
      expect(price.source, name).toMatch(/^https:\/\//);
      expect(price.readOn, name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
