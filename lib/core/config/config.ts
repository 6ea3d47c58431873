import { ConfigError } from '../errors.js';
import { formatDuration, parseDuration } from '../window/duration.js';
import { parseTiers, type Tier } from '../window/tiers.js';
import { describeView, parseViews, type ViewConfig, type ViewInput } from './views.js';

/** Where closed windows go: Amazon Timestream, the DynamoDB results table, or PostgreSQL/TimescaleDB. */
export const SINK_KINDS = ['timestream', 'dynamodb', 'postgres'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/**
 * The one configuration schema (DESIGN.md §10), shared by the local runner (`--config`, flags) and the
 * CDK app (cdk.json context). Validated once at start; unknown keys are errors, to catch typos.
 */
export interface WindrowConfig {
  readonly tiers: readonly Tier[];
  readonly allowedLatenessMs: number;
  readonly correctionHorizonMs: number;
  readonly shards: number;
  readonly percentiles: readonly number[];
  readonly sketchRelativeAccuracy: number;
  readonly sliding: readonly SlidingWindowConfig[];
  readonly sessions: readonly SessionWindowConfig[];
  /** Retention per tier name, in ms. */
  readonly retentionMs: Readonly<Record<string, number>>;
  readonly sink: SinkKind;
  readonly limits: RequestLimits;
  /** Series families aggregated at ingest (README "Views at ingest"). */
  readonly views: readonly ViewConfig[];
}

export interface SlidingWindowConfig {
  /** `5m/1m`: size and slide, used as the window kind's name in results. */
  readonly name: string;
  readonly sizeMs: number;
  readonly slideMs: number;
}

export interface SessionWindowConfig {
  readonly name: string;
  /** Metric-name pattern; `*` matches any run of characters. */
  readonly match: string;
  readonly gapMs: number;
}

export interface RequestLimits {
  readonly maxBodyBytes: number;
  readonly maxInflatedBytes: number;
  readonly maxPointsPerRequest: number;
  readonly maxAttributes: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
  /** Longest metric name accepted (255: OpenTelemetry's instrument-name limit); longer → `name_limit`. */
  readonly maxNameLength: number;
  /** Longest unit accepted (63: OpenTelemetry's instrument-unit limit); longer → `name_limit`. */
  readonly maxUnitLength: number;
  /** New series a tenant may create per first-tier window (the cardinality guard). */
  readonly maxNewSeriesPerWindow: number;
}

/** The input form: what a JSON file or cdk.json context holds. Every key optional. */
export interface ConfigInput {
  tiers?: string[];
  allowedLateness?: string;
  correctionHorizon?: string;
  shards?: number;
  percentiles?: number[];
  sketchRelativeAccuracy?: number;
  sliding?: { size: string; slide: string }[];
  sessions?: { match: string; gap: string }[];
  retention?: Record<string, string>;
  sink?: SinkKind;
  limits?: Partial<RequestLimits>;
  views?: ViewInput[];
}

export const DEFAULT_CONFIG_INPUT = {
  tiers: ['1m', '1h', '1d'],
  allowedLateness: '30s',
  correctionHorizon: '24h',
  shards: 8,
  percentiles: [50, 90, 95, 99],
  sketchRelativeAccuracy: 0.01,
  sliding: [],
  sessions: [],
  retention: {} as Record<string, string>,
  sink: 'timestream',
  limits: {
    maxBodyBytes: 6 * 1024 * 1024,
    maxInflatedBytes: 32 * 1024 * 1024,
    maxPointsPerRequest: 100_000,
    maxAttributes: 128,
    maxKeyLength: 256,
    maxValueLength: 4096,
    maxNameLength: 255,
    maxUnitLength: 63,
    maxNewSeriesPerWindow: 50_000,
  },
  views: [],
} as const satisfies ConfigInput;

/** Default retention of a tier's results: ~100× its size, at least 7 days. */
function defaultRetentionMs(tier: Tier): number {
  return Math.max(7 * 86_400_000, tier.sizeMs * 100 * 24);
}

const KEYS = new Set(Object.keys(DEFAULT_CONFIG_INPUT));
const LIMIT_KEYS = new Set(Object.keys(DEFAULT_CONFIG_INPUT.limits));

/**
 * Validates a configuration input and applies defaults. Collects every problem before failing, so a
 * user fixes them in one round.
 *
 * @example parseConfig({ tiers: ['1s', '10s', '1m'], allowedLateness: '1s' })
 * @throws ConfigError whose message names each bad key
 */
export function parseConfig(input: unknown): WindrowConfig {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('configuration must be a JSON object');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KEYS.has(key)) problems.push(`unknown key "${key}"`);
  }
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      problems.push(error instanceof ConfigError ? error.message : String(error));
      return fallback;
    }
  };
  const d = DEFAULT_CONFIG_INPUT;

  const tiers = attempt(() => parseTiers(stringArray(raw.tiers ?? d.tiers, 'tiers')), parseTiers(d.tiers));
  const allowedLatenessMs = attempt(
    () => duration(raw.allowedLateness ?? d.allowedLateness, 'allowedLateness'),
    0,
  );
  const correctionHorizonMs = attempt(
    () => duration(raw.correctionHorizon ?? d.correctionHorizon, 'correctionHorizon'),
    0,
  );
  if (correctionHorizonMs > 0 && correctionHorizonMs < allowedLatenessMs) {
    problems.push('correctionHorizon must be at least allowedLateness');
  }
  const shards = attempt(() => integer(raw.shards ?? d.shards, 'shards', 1, 1024), 1);
  const percentiles = attempt(() => {
    const list = numberArray(raw.percentiles ?? d.percentiles, 'percentiles');
    for (const p of list)
      if (!(p > 0 && p < 100)) throw new ConfigError(`percentiles: ${p} is not in (0, 100)`);
    return [...new Set(list)].sort((a, b) => a - b);
  }, []);
  const sketchRelativeAccuracy = attempt(() => {
    const a = raw.sketchRelativeAccuracy ?? d.sketchRelativeAccuracy;
    if (typeof a !== 'number' || !(a >= 0.0001 && a <= 0.1)) {
      throw new ConfigError('sketchRelativeAccuracy must be a number in [0.0001, 0.1]');
    }
    return a;
  }, 0.01);
  const sliding = attempt(() => parseSliding(raw.sliding ?? d.sliding, tiers), []);
  const sessions = attempt(() => parseSessions(raw.sessions ?? d.sessions, tiers), []);
  const retentionMs = attempt(() => parseRetention(raw.retention ?? d.retention, tiers), {});
  const sink = attempt(() => {
    const s = raw.sink ?? d.sink;
    if (!(SINK_KINDS as readonly unknown[]).includes(s))
      throw new ConfigError('sink must be "timestream", "dynamodb" or "postgres"');
    return s as SinkKind;
  }, 'dynamodb' as const);
  const limits = attempt(() => parseLimits(raw.limits ?? {}), d.limits);
  const views = attempt(() => parseViews(raw.views ?? d.views, limits.maxKeyLength), []);

  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return {
    tiers,
    allowedLatenessMs,
    correctionHorizonMs,
    shards,
    percentiles,
    sketchRelativeAccuracy,
    sliding,
    sessions,
    retentionMs,
    sink,
    limits,
    views,
  };
}

/** The configuration in force as readable JSON (durations as text), for logs and `npm start`. */
export function describeConfig(config: WindrowConfig): Record<string, unknown> {
  return {
    tiers: config.tiers.map((t) => t.name),
    allowedLateness: formatDuration(config.allowedLatenessMs),
    correctionHorizon: formatDuration(config.correctionHorizonMs),
    shards: config.shards,
    percentiles: config.percentiles,
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    sliding: config.sliding.map((s) => ({
      size: formatDuration(s.sizeMs),
      slide: formatDuration(s.slideMs),
    })),
    sessions: config.sessions.map((s) => ({ match: s.match, gap: formatDuration(s.gapMs) })),
    retention: Object.fromEntries(Object.entries(config.retentionMs).map(([k, v]) => [k, formatDuration(v)])),
    sink: config.sink,
    limits: config.limits,
    views: config.views.map((v) => ({ name: v.name, ...describeView(v) })),
  };
}

function duration(value: unknown, what: string): number {
  if (typeof value !== 'string') throw new ConfigError(`${what} must be a duration string like "30s"`);
  return parseDuration(value, what);
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${what} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function stringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${what} must be a list of strings`);
  }
  return value;
}

function numberArray(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new ConfigError(`${what} must be a list of numbers`);
  }
  return value;
}

function objectWithKeys(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${what} must be an object with ${keys.join(', ')}`);
  }
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw new ConfigError(`${what}: unknown key "${k}"`);
  }
  return value as Record<string, unknown>;
}

function parseSliding(value: unknown, tiers: readonly Tier[]): SlidingWindowConfig[] {
  if (!Array.isArray(value)) throw new ConfigError('sliding must be a list of {"size","slide"}');
  return value.map((entry, i) => {
    const o = objectWithKeys(entry, `sliding[${i}]`, ['size', 'slide']);
    const sizeMs = duration(o.size, `sliding[${i}].size`);
    const slideMs = duration(o.slide, `sliding[${i}].slide`);
    if (!tiers.some((t) => t.sizeMs === slideMs)) {
      throw new ConfigError(
        `sliding[${i}].slide must be one of the tiers (${tiers.map((t) => t.name).join(', ')})`,
      );
    }
    if (sizeMs <= slideMs || sizeMs % slideMs !== 0) {
      throw new ConfigError(`sliding[${i}].size must be a whole multiple (> 1×) of its slide`);
    }
    if (sizeMs / slideMs > 1440) throw new ConfigError(`sliding[${i}]: at most 1440 panes per window`);
    return { name: `${formatDuration(sizeMs)}/${formatDuration(slideMs)}`, sizeMs, slideMs };
  });
}

function parseSessions(value: unknown, tiers: readonly Tier[]): SessionWindowConfig[] {
  if (!Array.isArray(value)) throw new ConfigError('sessions must be a list of {"match","gap"}');
  const first = tiers[0];
  return value.map((entry, i) => {
    const o = objectWithKeys(entry, `sessions[${i}]`, ['match', 'gap']);
    if (typeof o.match !== 'string' || o.match.length === 0 || o.match.length > 256) {
      throw new ConfigError(`sessions[${i}].match must be a metric-name pattern like "checkout.*"`);
    }
    const gapMs = duration(o.gap, `sessions[${i}].gap`);
    if (first !== undefined && gapMs < first.sizeMs) {
      throw new ConfigError(
        `sessions[${i}].gap must be at least the first tier (${first.name}) for exact sessions`,
      );
    }
    return { name: `session:${formatDuration(gapMs)}`, match: o.match, gapMs };
  });
}

function parseRetention(value: unknown, tiers: readonly Tier[]): Record<string, number> {
  const names = tiers.map((t) => t.name);
  const o = objectWithKeys(value, 'retention', names);
  const out: Record<string, number> = {};
  for (const tier of tiers) {
    const text = o[tier.name];
    out[tier.name] = text === undefined ? defaultRetentionMs(tier) : duration(text, `retention.${tier.name}`);
  }
  return out;
}

function parseLimits(value: unknown): RequestLimits {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('limits must be an object');
  }
  const d = DEFAULT_CONFIG_INPUT.limits;
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!LIMIT_KEYS.has(k)) throw new ConfigError(`limits: unknown key "${k}"`);
  const get = (k: keyof RequestLimits): number => integer(o[k] ?? d[k], `limits.${k}`, 1, 1_000_000_000);
  return {
    maxBodyBytes: get('maxBodyBytes'),
    maxInflatedBytes: get('maxInflatedBytes'),
    maxPointsPerRequest: get('maxPointsPerRequest'),
    maxAttributes: get('maxAttributes'),
    maxKeyLength: get('maxKeyLength'),
    maxValueLength: get('maxValueLength'),
    maxNameLength: get('maxNameLength'),
    maxUnitLength: get('maxUnitLength'),
    maxNewSeriesPerWindow: get('maxNewSeriesPerWindow'),
  };
}
