/**
 * Merging the results of several series into one per window (`by`, DESIGN.md §9): the stats of the
 * pooled values, from merged states — never an average of averages or of percentiles.
 */
import type { AggregateOptions, FinalizeContext, FinalStats } from '../aggregate/contract.js';
import { WindrowError } from '../errors.js';
import type { GroupState } from './group-state.js';

/** One series' result in a group: its stats and its group state. */
export interface GroupMember {
  readonly stats: FinalStats;
  readonly group: GroupState;
}

export interface MergedGroup {
  readonly stats: FinalStats;
  /** Explicit histograms with different bounds were merged onto the bounds they share. */
  readonly mergedBounds: boolean;
}

/**
 * The stats of a group of series in one window:
 * - count, sum, min, max exact; avg and stddev from the merged moments; percentiles from the merged
 *   sketch or buckets (nearest rank over the pooled values, within the sketch's accuracy);
 * - additive kinds (cumulative counters, summaries): count and sum add;
 * - `rate` is the sum of the members' rates and `last` the sum of their last values ("total now"),
 *   each only when every member has one.
 * Members must share one group kind (the caller groups by `resultStateHeader`); order does not matter
 * beyond float rounding, so callers pass them in a fixed order.
 *
 * @example
 * mergeGroup([{ stats: a.stats, group: a.group }, { stats: b.stats, group: b.group }],
 *   { windowStartMs, windowEndMs, percentiles: [50, 99] }, options).stats.p99
 */
export function mergeGroup(
  members: readonly GroupMember[],
  context: FinalizeContext,
  options: AggregateOptions,
): MergedGroup {
  const first = members[0];
  if (first === undefined) throw new WindrowError('mergeGroup needs at least one member');
  let stats: FinalStats;
  let mergedBounds = false;
  const { group } = first;
  if (group.kind === 'additive') {
    stats = { count: 0 };
    const sum = total(members, 'sum');
    for (const m of members) stats.count += m.stats.count;
    if (sum !== undefined) stats.sum = sum;
  } else {
    const kind = group.kind;
    const merged = kind.merge(kind.empty(), group.state, options);
    for (let i = 1; i < members.length; i++) {
      const member = members[i]?.group;
      if (member === undefined || member.kind !== kind)
        throw new WindrowError('mergeGroup: members of different kinds');
      kind.mergeInto(merged, member.state, options);
    }
    stats = kind.finalize(merged, context);
    mergedBounds = boundsDiffer(members);
  }
  const last = total(members, 'last');
  const rate = total(members, 'rate');
  if (last === undefined) delete stats.last;
  else stats.last = last;
  if (rate === undefined) delete stats.rate;
  else stats.rate = rate;
  return { stats, mergedBounds };
}

/** The sum of a stat over the members, or undefined when one of them lacks it. */
function total(members: readonly GroupMember[], key: 'sum' | 'last' | 'rate'): number | undefined {
  let sum = 0;
  for (const m of members) {
    const value = m.stats[key];
    if (value === undefined) return undefined;
    sum += value;
  }
  return sum;
}

function boundsDiffer(members: readonly GroupMember[]): boolean {
  const first = members.find((m) => m.stats.count > 0)?.stats.buckets?.bounds;
  if (first === undefined) return false;
  for (const m of members) {
    const bounds = m.stats.buckets?.bounds;
    if (bounds === undefined || m.stats.count === 0) continue;
    if (bounds.length !== first.length || bounds.some((b, i) => b !== first[i])) return true;
  }
  return false;
}
