import { ConfigError } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `"10s"`, `"5m"`, `"1h"`, `"1d"` or `"250ms"` into milliseconds.
 * One number and one unit only: `"1h30m"` is refused rather than guessed at.
 *
 * @example parseDuration('5m') // 300000
 * @throws ConfigError naming the bad value
 */
export function parseDuration(text: string, what = 'duration'): number {
  const match = DURATION.exec(text);
  const amount = match?.[1];
  const unit = match?.[2] as Unit | undefined;
  if (amount === undefined || unit === undefined) {
    throw new ConfigError(`${what}: "${text}" is not a duration like "10s", "5m", "1h" or "1d"`);
  }
  const ms = Number(amount) * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(`${what}: "${text}" must be a positive duration`);
  }
  return ms;
}

/** The shortest exact text for a duration in ms: 60000 → "1m", 90000 → "90s". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
