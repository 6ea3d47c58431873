/** Shared helpers for the OTLP decoder tests. */
import { DEFAULT_NORMALIZE_LIMITS, type NormalizedPoint, type NormalizeOptions } from '#core/point.js';

/** 2026-11-25T10:00:00Z */
export const NOW_MS = 1_795_600_800_000;
export const NOW_NANOS = BigInt(NOW_MS) * 1_000_000n;

export function options(overrides: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return { nowMs: NOW_MS, correctionHorizonMs: 86_400_000, ...DEFAULT_NORMALIZE_LIMITS, ...overrides };
}

/** Nanoseconds since the epoch as the decimal string OTLP/JSON uses, `offsetMs` from NOW_MS. */
export function nanos(offsetMs = 0, extraNs = 0): string {
  return (NOW_NANOS + BigInt(offsetMs) * 1_000_000n + BigInt(extraNs)).toString();
}

/** A point without its shared objects, for readable comparisons. */
export function flat(p: NormalizedPoint): Record<string, unknown> {
  const { context, attributes, ...rest } = p;
  return { metric: context.metric.name, context: context.key, attributes: attributes.key, ...rest };
}

export function byMetric(points: readonly NormalizedPoint[], name: string): NormalizedPoint[] {
  return points.filter((p) => p.context.metric.name === name);
}
