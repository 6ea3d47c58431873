import { describe, expect, it } from 'vitest';
import {
  apiGatewayRequests,
  cloudWatchPerMillionSeriesMinutes,
  costOf,
  cpuSlowdown,
  dynamoReadUnits,
  dynamoWriteUnits,
  GIB,
  lambdaGbSeconds,
  logEventBytes,
  MINUTES_PER_MONTH,
  monthlyUsage,
  NO_USAGE,
  prometheusIngestCost,
  seriesMinutesPerMonth,
  timestreamWrites,
  usage,
  usagePerMillion,
  type Workload,
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
    // 0.002 + 0.0004 + 0.00133334 + 0.000133334 + 0.625 + 0.25 + 1 + 0.2 + 0.0438 + 1 + 3 + 1.5 + 3.6 + 0.3
    expect(total).toBeCloseTo(11.522666674, 10);
    expect(lines).toHaveLength(16);
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

describe('PRICES', () => {
  it('names a source and the day it was read for every price', () => {
    for (const [name, price] of Object.entries(PRICES)) {
      expect(price.usd, name).toBeGreaterThan(0);
      expect(price.source, name).toMatch(/^https:\/\//);
      expect(price.readOn, name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
