/**
 * The settings a deployment's stored state depends on, as recorded in the table, and what a new
 * configuration may change of them (README "Changing the configuration").
 *
 * - `tiers`: stored state is keyed by a tier's position (level), so a tier may be added or removed
 *   only at the end of the list; inserting, removing or resizing a tier before the last is refused.
 * - `sketchRelativeAccuracy`: sketches of different accuracy cannot be merged, and every window of
 *   the correction horizon may still be re-closed from partials written with the old one: refused.
 * - `correctionHorizon`: a shorter one applies at once. A longer one applies to windows whose state
 *   was all written under it: partials and closed states written before carry expiry times computed
 *   from the old horizon, so a late point for such a window would re-close it from what is left and
 *   replace a complete result with a partial one. Until the new horizon has passed, points older
 *   than the old horizon are accepted only for windows from `sinceMs` on ({@link effectiveHorizonMs}).
 *
 * Every other setting only changes what is written from then on and is safe to change (see the
 * README section for each).
 */
import type { WindrowConfig } from './config.js';

export interface DeployedSettings {
  readonly tiers: readonly string[];
  readonly sketchRelativeAccuracy: number;
  readonly horizon: {
    readonly ms: number;
    /** The horizon before the latest increase (equal to `ms` when it never grew). */
    readonly previousMs: number;
    /** Windows from here on were written under `ms` in full. */
    readonly sinceMs: number;
  };
}

/** The settings a fresh deployment records. */
export function initialSettings(config: WindrowConfig): DeployedSettings {
  return {
    tiers: config.tiers.map((t) => t.name),
    sketchRelativeAccuracy: config.sketchRelativeAccuracy,
    horizon: { ms: config.correctionHorizonMs, previousMs: config.correctionHorizonMs, sinceMs: 0 },
  };
}

export interface SettingsChange {
  /** What to record (equal to `stored` when nothing changed). */
  readonly settings: DeployedSettings;
  /** Why the configuration cannot run on this deployment (empty: it can). */
  readonly problems: readonly string[];
  /** Tier names added at the end of the list. */
  readonly addedTiers: readonly string[];
}

/**
 * Compares a configuration with the settings recorded for the deployment. `leadMs`: how far ahead of
 * `nowMs` a new horizon's `sinceMs` is put, so that writers still on the old configuration are done.
 *
 * @example settingsChange(stored, config, Date.now(), 17 * 60_000).problems // [] when compatible
 */
export function settingsChange(
  stored: DeployedSettings,
  config: WindrowConfig,
  nowMs: number,
  leadMs: number,
): SettingsChange {
  const problems: string[] = [];
  const tiers = config.tiers.map((t) => t.name);
  const common = Math.min(tiers.length, stored.tiers.length);
  const prefixKept = tiers.slice(0, common).every((t, i) => t === stored.tiers[i]);
  if (!prefixKept) {
    problems.push(
      `tiers: ${JSON.stringify(stored.tiers)} → ${JSON.stringify(tiers)}: a tier can be added or removed only at the end of the list (stored state is keyed by a tier's position); to insert, remove or resize another, deploy a new stack (new tables)`,
    );
  }
  if (config.sketchRelativeAccuracy !== stored.sketchRelativeAccuracy) {
    problems.push(
      `sketchRelativeAccuracy: ${stored.sketchRelativeAccuracy} → ${config.sketchRelativeAccuracy}: sketches of different accuracy cannot be merged, and windows within the correction horizon hold sketches of the old one; keep ${stored.sketchRelativeAccuracy} (or deploy a new stack)`,
    );
  }
  const horizon = nextHorizon(stored.horizon, config.correctionHorizonMs, nowMs, leadMs);
  const settings: DeployedSettings =
    problems.length > 0
      ? stored
      : horizon === stored.horizon && prefixKept && tiers.length === stored.tiers.length
        ? stored
        : { tiers, sketchRelativeAccuracy: stored.sketchRelativeAccuracy, horizon };
  return { settings, problems, addedTiers: prefixKept ? tiers.slice(stored.tiers.length) : [] };
}

function nextHorizon(
  stored: DeployedSettings['horizon'],
  ms: number,
  nowMs: number,
  leadMs: number,
): DeployedSettings['horizon'] {
  if (ms === stored.ms) return stored;
  if (ms < stored.ms) {
    // Shorter: at once. While an earlier increase is still settling, keep its guard on older windows.
    return { ms, previousMs: Math.min(ms, stored.previousMs), sinceMs: stored.sinceMs };
  }
  // Longer: from now on, within the shorter of what held until now.
  return { ms, previousMs: effectiveHorizonMs(stored, nowMs), sinceMs: nowMs + leadMs };
}

/**
 * How far back, from `nowMs`, points are accepted: the configured horizon, but after an increase and
 * until it has passed, no further back than the old horizon or `sinceMs`, whichever reaches further.
 */
export function effectiveHorizonMs(horizon: DeployedSettings['horizon'], nowMs: number): number {
  if (horizon.ms <= horizon.previousMs) return horizon.ms;
  const earliest = Math.min(nowMs - horizon.previousMs, Math.max(nowMs - horizon.ms, horizon.sinceMs));
  return nowMs - earliest;
}
