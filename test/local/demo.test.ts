import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { runDemo } from '#local/demo.js';
import { demoRequests } from '#local/demo-traffic.js';

const START = Date.UTC(2026, 10, 25) + 7_000;
const config = parseConfig({ tiers: ['1m', '1h', '1d'], correctionHorizon: '4h' });

describe('Function: runDemo', () => {
  const result = runDemo(config, { startMs: START, hours: 3, seed: 3 });

  it('accepts every generated point', () => {
    expect(result.requests).toBe(180);
    expect(result.pointsRejected).toBe(0);
    expect(result.series).toBe(18);
  });

  it('rolls up from merged state: each tier’s counts, sums, min and max equal the tier below', () => {
    for (const series of result.results) {
      const [m, h, d] = ['1m', '1h', '1d'].map((t) => series.tiers[t] ?? []);
      const total = (rows: typeof m) => (rows ?? []).reduce((a, r) => a + r.stats.count, 0);
      expect(total(h)).toBe(total(m));
      expect(total(d)).toBe(total(m));
      const sum = (rows: typeof m) => (rows ?? []).reduce((a, r) => a + (r.stats.sum ?? 0), 0);
      expect(sum(d)).toBeCloseTo(sum(m), 6);
      const min = (rows: typeof m) =>
        Math.min(...(rows ?? []).map((r) => r.stats.min ?? Number.POSITIVE_INFINITY));
      expect(min(d)).toBe(min(m));
    }
  });

  it('counts every histogram observation the traffic generated', () => {
    let generated = 0;
    for (const request of demoRequests({ startMs: START, hours: 3, seed: 3 })) {
      const body = JSON.parse(request.body);
      for (const rm of body.resourceMetrics) {
        for (const metric of rm.scopeMetrics[0].metrics) {
          if (metric.histogram) for (const p of metric.histogram.dataPoints) generated += Number(p.count);
        }
      }
    }
    const histogramCount = result.results
      .filter((r) => r.metric === 'http.server.duration')
      .reduce((a, r) => a + (r.tiers['1d'] ?? []).reduce((b, row) => b + row.stats.count, 0), 0);
    expect(histogramCount).toBe(generated);
  });

  it('keeps first-tier states small (≤ 1 KB each)', () => {
    expect(result.firstTierStateBytes / result.firstTierStates).toBeLessThan(1024);
  });
});

describe('CLI: npm run demo:core', () => {
  it('prints tier tables, and refuses an unknown flag with exit code 2', () => {
    const out = execFileSync('npx', ['tsx', 'lib/local/demo-main.ts', '--hours', '2'], { encoding: 'utf8' });
    expect(out).toMatch(/http\.server\.duration/);
    expect(out).toMatch(/1h \(last 3 of 3\)\s+count/);
    let status = 0;
    try {
      execFileSync('npx', ['tsx', 'lib/local/demo-main.ts', '--bogus'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
