/**
 * Oracles for stats across series (`by` at query time, views at ingest; README "Across series"):
 * what a group's window must answer, computed from the raw points a test sent — never from
 * windrow's own per-series results.
 *
 * - gauges (and every number kind): count, sum, min, max of the pooled values exactly; avg and
 *   stddev (population) from exact sums; percentiles the nearest rank of the pooled values, which
 *   the answer may miss by the sketch's relative accuracy (1%); `rate` Σ of the series' rates; `last`
 *   Σ of the series' last values (`by`) or the latest value of any source (views).
 * - cumulative counters (snapshots): a series' increase in a window is its last snapshot in the
 *   window minus its last snapshot before the window (0 when none: a fresh series counts in full);
 *   `count` the snapshots, `last` the last snapshot; a group adds them up.
 * - explicit histograms (delta): count, sum, min, max and bucket counts of the pooled recorded
 *   values exactly; a percentile within the width of the bucket holding the nearest rank (clamped to
 *   min and max).
 *
 * @example
 * const key = groupKeyOf(sample, parseKeys(['http.route', 'resource.service.name']));
 * const want = gaugeWindow(samplesOfKeyInWindow, 1_000, 'sum');
 * expectGaugePoint(answerPoint, want, 'by route, 1s');
 */
import { expect } from 'vitest';
import { exactQuantile, exactStddev, exactSum } from './oracles.js';

export type Attrs = Readonly<Record<string, string>>;

/** One raw number sample as the test sent it. */
export interface Sample {
  /** The test's own name of the series (tenant-local). */
  readonly series: string;
  readonly t: number;
  readonly value: number;
  readonly resource: Attrs;
  readonly attributes: Attrs;
}

/** One snapshot of a cumulative counter as the SDK exported it. */
export interface Snapshot extends Sample {}

export interface GroupKeySpec {
  readonly where: 'attr' | 'resource';
  readonly name: string;
}

/** `attr.K`, `resource.K` or a bare `K` (= `attr.K`), as the README writes `by` keys. */
export function parseKeys(keys: readonly string[]): GroupKeySpec[] {
  return keys.map((k) =>
    k.startsWith('resource.')
      ? { where: 'resource', name: k.slice('resource.'.length) }
      : k.startsWith('attr.')
        ? { where: 'attr', name: k.slice('attr.'.length) }
        : { where: 'attr', name: k },
  );
}

/** What a group answer must carry as its `resource` and `attributes`: the group's keys only. */
export function groupIdentity(
  s: Pick<Sample, 'resource' | 'attributes'>,
  keys: readonly GroupKeySpec[],
): { resource: Record<string, string>; attributes: Record<string, string> } {
  const resource: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  for (const k of keys) {
    const value = (k.where === 'resource' ? s.resource : s.attributes)[k.name];
    if (value !== undefined) (k.where === 'resource' ? resource : attributes)[k.name] = value;
  }
  return { resource, attributes };
}

/** A canonical string of a group identity (attribute order does not matter). */
export function identityKey(id: { resource: Attrs; attributes: Attrs }): string {
  const sorted = (a: Attrs) => Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify([sorted(id.resource), sorted(id.attributes)]);
}

export function groupKeyOf(s: Sample, keys: readonly GroupKeySpec[]): string {
  return identityKey(groupIdentity(s, keys));
}

/** Samples grouped by key. */
export function groupSamples<T extends Sample>(samples: readonly T[], keys: readonly GroupKeySpec[]) {
  const out = new Map<string, T[]>();
  for (const s of samples) {
    const k = groupKeyOf(s, keys);
    const list = out.get(k);
    if (list === undefined) out.set(k, [s]);
    else list.push(s);
  }
  return out;
}

export interface WindowSpec {
  /** The window's length. */
  readonly sizeMs: number;
  /** How far apart windows start (= size for tumbling windows). */
  readonly slideMs: number;
}

export const tumbling = (sizeMs: number): WindowSpec => ({ sizeMs, slideMs: sizeMs });

/** The starts of every window of `spec` that holds time `t`. */
export function windowStartsOf(t: number, spec: WindowSpec): number[] {
  const last = Math.floor(t / spec.slideMs) * spec.slideMs;
  const out: number[] = [];
  for (let start = last; start > t - spec.sizeMs; start -= spec.slideMs) out.push(start);
  return out.reverse();
}

/** Samples by window start. */
export function byWindow<T extends Sample>(samples: readonly T[], spec: WindowSpec): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const s of samples) {
    for (const start of windowStartsOf(s.t, spec)) {
      const list = out.get(start);
      if (list === undefined) out.set(start, [s]);
      else list.push(s);
    }
  }
  return out;
}

export interface ExpectedNumbers {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly stddev: number;
  readonly rate: number;
  readonly last: number;
  readonly percentiles: Record<string, number>;
  /** Distinct series with data in the window. */
  readonly series: number;
}

export const PERCENTILES = [50, 90, 95, 99] as const;

/**
 * A group's (or a view's) window over number samples. `last`: 'sum' adds each series' latest value
 * (`by`); 'latest' is the latest value of any sample (a view). Timestamps must not tie.
 */
export function gaugeWindow(
  samples: readonly Sample[],
  sizeMs: number,
  last: 'sum' | 'latest',
): ExpectedNumbers {
  const values = samples.map((s) => s.value);
  const sum = exactSum(values);
  const perSeries = new Map<string, Sample[]>();
  for (const s of samples) perSeries.set(s.series, [...(perSeries.get(s.series) ?? []), s]);
  const latest = (list: readonly Sample[]) => list.reduce((a, b) => (b.t > a.t ? b : a), list[0] as Sample);
  const seconds = sizeMs / 1000;
  const percentiles: Record<string, number> = {};
  for (const p of PERCENTILES) percentiles[`p${p}`] = exactQuantile(values, p / 100);
  return {
    count: values.length,
    sum,
    min: Math.min(...values),
    max: Math.max(...values),
    avg: sum / values.length,
    stddev: exactStddev(values),
    rate: exactSum([...perSeries.values()].map((list) => exactSum(list.map((s) => s.value)) / seconds)),
    last:
      last === 'sum'
        ? exactSum([...perSeries.values()].map((list) => latest(list).value))
        : latest(samples).value,
    percentiles,
    series: perSeries.size,
  };
}

export interface ExpectedCounter {
  readonly count: number;
  readonly sum: number;
  readonly rate: number;
  readonly last: number;
  readonly series: number;
}

/**
 * A group of cumulative counters in window [start, start + size): per series, the increase is the
 * last snapshot in the window minus the last one before it (0 if none); the group adds increases,
 * snapshot counts, last snapshots and rates. Undefined when no series has a snapshot there.
 */
export function counterWindow(
  all: readonly Snapshot[],
  groupSeries: ReadonlySet<string>,
  start: number,
  sizeMs: number,
): ExpectedCounter | undefined {
  let count = 0;
  let sum = 0;
  let last = 0;
  let series = 0;
  for (const id of groupSeries) {
    const mine = all.filter((s) => s.series === id).sort((a, b) => a.t - b.t);
    const inside = mine.filter((s) => s.t >= start && s.t < start + sizeMs);
    if (inside.length === 0) continue;
    const before = mine.filter((s) => s.t < start).at(-1)?.value ?? 0;
    const lastIn = (inside.at(-1) as Snapshot).value;
    series++;
    count += inside.length;
    sum += lastIn - before;
    last += lastIn;
  }
  if (series === 0) return undefined;
  return { count, sum, rate: sum / (sizeMs / 1000), last, series };
}

/** An answer point as JSON. */
export type AnswerPoint = Record<string, unknown> & { start: string; end: string; version: number };
export interface AnswerSeries {
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
  unit: string;
  type?: string;
  merged?: number;
  points: AnswerPoint[];
}

/** |actual − expected| ≤ rel·|expected| + abs; a readable failure otherwise. */
export function expectNear(actual: unknown, expected: number, rel: number, abs: number, what: string): void {
  expect(typeof actual, `${what}: ${String(actual)} is not a number`).toBe('number');
  const error = Math.abs((actual as number) - expected);
  const allowed = rel * Math.abs(expected) + abs;
  expect(error <= allowed, `${what}: expected ${expected}, got ${actual} (error ${error} > ${allowed})`).toBe(
    true,
  );
}

/**
 * A number window: count, sum, min, max and `last` exactly (the tests send quarter values, whose
 * sums are exact in any order), avg/rate to ~1e-12, stddev to ~1e-9 of the data's magnitude, each
 * percentile within the sketch's 1% of the nearest-rank value; `series` exactly.
 */
export function expectGaugePoint(
  got: AnswerPoint,
  want: ExpectedNumbers,
  what: string,
  /** rate: true — Σ of the series' rates; false (default) — none (gauges); 'unchecked'. */
  options: { readonly series?: boolean; readonly rate?: boolean | 'unchecked' } = {},
): void {
  expect(got.count, `${what}: count`).toBe(want.count);
  expect(got.sum, `${what}: sum`).toBe(want.sum);
  expect(got.min, `${what}: min`).toBe(want.min);
  expect(got.max, `${what}: max`).toBe(want.max);
  const magnitude = Math.max(Math.abs(want.min), Math.abs(want.max));
  expectNear(got.avg, want.avg, 1e-12, 1e-13 * magnitude, `${what}: avg`);
  expectNear(got.stddev, want.stddev, 1e-9, 1e-9 * magnitude, `${what}: stddev`);
  // `rate` is a stat of sums ("rate (sums, per second)"): gauges have none, per series or grouped.
  if (options.rate === true) expectNear(got.rate, want.rate, 1e-12, 1e-13 * magnitude, `${what}: rate`);
  else if (options.rate === undefined || options.rate === false)
    expect(got.rate, `${what}: a gauge has no rate`).toBeUndefined();
  expect(got.last, `${what}: last`).toBe(want.last);
  for (const [name, value] of Object.entries(want.percentiles)) {
    // The sketch's relative accuracy α = 1% of the value of the rank (README "Percentiles").
    expectNear(got[name], value, 0.01 * (1 + 1e-9), 1e-12, `${what}: ${name} (nearest rank ${value})`);
  }
  if (options.series !== false) expect(got.series, `${what}: series with data`).toBe(want.series);
  expect(typeof got.version, `${what}: version`).toBe('number');
}

export function expectCounterPoint(got: AnswerPoint, want: ExpectedCounter, what: string): void {
  expect(got.count, `${what}: count (snapshots)`).toBe(want.count);
  expect(got.sum, `${what}: sum (increase)`).toBe(want.sum);
  expectNear(got.rate, want.rate, 1e-12, 1e-12, `${what}: rate`);
  expect(got.last, `${what}: last (Σ last totals)`).toBe(want.last);
  expect(got.series, `${what}: series with data`).toBe(want.series);
  expect(typeof got.version, `${what}: version`).toBe('number');
}

/** Nearest-rank bucket check for explicit histograms (README "Percentiles", explicit buckets). */
export function expectHistogramPercentile(
  got: unknown,
  values: readonly number[],
  bounds: readonly number[],
  q: number,
  what: string,
): void {
  const v = exactQuantile(values, q);
  const min = Math.min(...values);
  const max = Math.max(...values);
  // OTLP explicit buckets: bucket i holds (bounds[i−1], bounds[i]].
  let i = bounds.findIndex((b) => v <= b);
  if (i < 0) i = bounds.length;
  const lo = Math.max(min, i === 0 ? min : (bounds[i - 1] as number));
  const hi = Math.min(max, i === bounds.length ? max : (bounds[i] as number));
  expect(typeof got, `${what}: ${String(got)}`).toBe('number');
  const estimate = got as number;
  const eps = 1e-9 * Math.max(1, Math.abs(v));
  expect(
    Math.abs(estimate - v) <= hi - lo + eps && estimate >= min - eps && estimate <= max + eps,
    `${what}: ${estimate} not within the bucket width ${hi - lo} ([${lo}, ${hi}]) of the nearest rank ${v}`,
  ).toBe(true);
}

/** Bucket counts of `values` over explicit `bounds` (bucket i: (bounds[i−1], bounds[i]]). */
export function bucketCounts(values: readonly number[], bounds: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    let i = bounds.findIndex((b) => v <= b);
    if (i < 0) i = bounds.length;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Quarter-rounded values (sums exact in any order), at least 0.25. */
export const quarter = (x: number): number => Math.max(0.25, Math.round(x * 4) / 4);
