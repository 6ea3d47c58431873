/**
 * `by` (DESIGN.md §9): the records of many series merged, per window, into one series per group —
 * the series that share the values of the group's keys (and type, unit, temporality: those never
 * merge). Stats come from merged states (lib/core/group), never from averaging stats.
 */
import type { AggregateOptions } from '../../core/aggregate/contract.js';
import { decodeResultState, type GroupState, resultStateHeader } from '../../core/group/group-state.js';
import { mergeGroup } from '../../core/group/merge-group.js';
import type { Attributes, AttributeValue } from '../../core/point.js';
import type { ResultRecord } from '../results.js';
import type { GroupKey } from './group-keys.js';
import { type QueryPoint, type QuerySeries, toPoint } from './points.js';

/** Groups per answer at most; past it the answer says `truncated`. */
export const MAX_GROUPS = 1_000;

export interface GroupedAnswer {
  readonly series: QuerySeries[];
  /** More groups than {@link MAX_GROUPS}: the rest were left out. */
  readonly truncated: boolean;
  /** Records without a state (written before windrow kept states): not in any group. */
  readonly leftOut: number;
  /** Start of the earliest window that had a state (set when some were left out). */
  readonly groupedFromMs?: number;
}

interface Member {
  readonly record: ResultRecord;
  readonly group: GroupState;
}

interface Group {
  readonly resource: Attributes;
  readonly attributes: Attributes;
  readonly unit: string;
  readonly type: string;
  readonly seriesIds: Set<string>;
  /** By window (`<window>#<startMs>`): the members in that window. */
  readonly windows: Map<string, Member[]>;
}

/**
 * Merges `records` (already filtered) into one series per group of `keys`.
 *
 * @example groupRecords(records, [{ source: 'attr', name: 'http.route' }], [50, 99], options, false)
 */
export function groupRecords(
  records: readonly ResultRecord[],
  keys: readonly GroupKey[],
  percentiles: readonly number[],
  options: AggregateOptions,
  withTier: boolean,
): GroupedAnswer {
  const groups = new Map<string, Group>();
  let truncated = false;
  let leftOut = 0;
  let groupedFromMs: number | undefined;
  // What groups a series is the same in every window: worked out once per series, not per record.
  const groupOfSeries = new Map<string, Group | undefined>();
  for (const record of records) {
    if (record.state === undefined) {
      leftOut++;
      continue;
    }
    const seriesKey = `${record.seriesId}\u0000${resultStateHeader(record.state)}`;
    let group = groupOfSeries.get(seriesKey);
    if (!groupOfSeries.has(seriesKey)) {
      const resource = pick(record.resource, keys, 'resource');
      const attributes = pick(record.attributes, keys, 'attr');
      const id = JSON.stringify([
        record.metricKind,
        record.unit,
        resultStateHeader(record.state),
        resource,
        attributes,
      ]);
      group = groups.get(id);
      if (group === undefined && groups.size < MAX_GROUPS) {
        group = {
          resource,
          attributes,
          unit: record.unit,
          type: record.metricKind,
          seriesIds: new Set(),
          windows: new Map(),
        };
        groups.set(id, group);
      }
      groupOfSeries.set(seriesKey, group);
    }
    if (group === undefined) {
      truncated = true;
      continue;
    }
    const state = decodeResultState(record.state);
    group.seriesIds.add(record.seriesId);
    const windowKey = `${record.window}#${record.startMs}`;
    const members = group.windows.get(windowKey) ?? [];
    if (members.length === 0) group.windows.set(windowKey, members);
    members.push({ record, group: state.group });
    groupedFromMs = Math.min(groupedFromMs ?? record.startMs, record.startMs);
  }
  const series = [...groups.values()].map((g) => groupSeries(g, percentiles, options, withTier));
  series.sort((a, b) => {
    const x = JSON.stringify([a.resource, a.attributes, a.type, a.unit]);
    const y = JSON.stringify([b.resource, b.attributes, b.type, b.unit]);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return {
    series,
    truncated,
    leftOut,
    ...(leftOut > 0 && groupedFromMs !== undefined ? { groupedFromMs } : {}),
  };
}

/** The group's values of `keys` from one side (point or resource attributes); absent keys stay absent. */
function pick(from: Attributes, keys: readonly GroupKey[], source: GroupKey['source']): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const key of keys) {
    if (key.source !== source) continue;
    const value = from[key.name];
    if (value !== undefined) out[key.name] = value;
  }
  return out;
}

function groupSeries(
  group: Group,
  percentiles: readonly number[],
  options: AggregateOptions,
  withTier: boolean,
): QuerySeries {
  const points: QueryPoint[] = [];
  for (const members of group.windows.values()) {
    // A fixed order: float sums do not depend on the order records were read in.
    members.sort((a, b) => (a.record.seriesId < b.record.seriesId ? -1 : 1));
    const first = members[0]?.record;
    if (first === undefined) continue;
    const merged = mergeGroup(
      members.map((m) => ({ stats: m.record.stats, group: m.group })),
      { windowStartMs: first.startMs, windowEndMs: first.endMs, percentiles },
      options,
    );
    const version = Math.max(...members.map((m) => m.record.version));
    points.push(
      toPoint({ ...first, stats: merged.stats, version }, withTier, {
        series: members.length,
        ...(merged.mergedBounds ? { mergedBounds: true } : {}),
      }),
    );
  }
  points.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return {
    resource: group.resource,
    attributes: group.attributes,
    unit: group.unit,
    type: group.type,
    merged: group.seriesIds.size,
    points,
  };
}
