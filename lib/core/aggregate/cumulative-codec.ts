import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { StateCodecError } from '../errors.js';
import { type CumulativeRun, MAX_RUNS, type Observation, type SnapshotOps } from './cumulative-runs.js';

/**
 * The runs of a cumulative state (after the version and snapshot-type bytes cumulative.ts writes):
 *
 * ```
 * uvarint  runs                               (1..16, sorted by start)
 * per run:
 *   uvarint  startMs, uvarint startNs, uvarint points
 *   svarint  first.timeMs − startMs, uvarint first.timeNs, snapshot first
 *   uvarint  last.timeMs − first.timeMs, uvarint last.timeNs, snapshot last   — only when points > 1
 * ```
 * A one-point counter state with a start time takes about 25 bytes. Canonical: a decoded state
 * re-encodes to the same bytes.
 */
export function writeRuns<T>(out: ByteWriter, runs: readonly CumulativeRun<T>[], ops: SnapshotOps<T>): void {
  out.uvarint(runs.length);
  for (const run of runs) {
    out.uvarint(run.startMs);
    out.uvarint(run.startNs);
    out.uvarint(run.points);
    out.svarint(run.first.timeMs - run.startMs);
    out.uvarint(run.first.timeNs);
    ops.write(out, run.first.value);
    if (run.points === 1) continue;
    out.uvarint(run.last.timeMs - run.first.timeMs);
    out.uvarint(run.last.timeNs);
    ops.write(out, run.last.value);
  }
}

function readNs(input: ByteReader): number {
  const ns = input.uvarint();
  if (ns > 999_999) throw new StateCodecError(`nanosecond remainder out of range: ${ns}`);
  return ns;
}

export function readRuns<T>(input: ByteReader, ops: SnapshotOps<T>): CumulativeRun<T>[] {
  const n = input.uvarint();
  if (n === 0 || n > MAX_RUNS) throw new StateCodecError(`cumulative run count out of range: ${n}`);
  const runs: CumulativeRun<T>[] = [];
  for (let i = 0; i < n; i++) {
    const startMs = input.uvarint();
    const startNs = readNs(input);
    const previous = runs[runs.length - 1];
    if (
      previous !== undefined &&
      (startMs < previous.startMs || (startMs === previous.startMs && startNs <= previous.startNs))
    ) {
      throw new StateCodecError('cumulative runs out of order');
    }
    const points = input.uvarint();
    if (points === 0) throw new StateCodecError('cumulative run without points');
    const timeMs = startMs + input.svarint();
    if (!Number.isSafeInteger(timeMs)) throw new StateCodecError('cumulative time out of range');
    const first: Observation<T> = { timeMs, timeNs: readNs(input), value: ops.read(input) };
    let last = first;
    if (points > 1) {
      const lastMs = first.timeMs + input.uvarint();
      const lastNs = readNs(input);
      if (!Number.isSafeInteger(lastMs) || (lastMs === first.timeMs && lastNs < first.timeNs)) {
        throw new StateCodecError('cumulative run ends before it begins');
      }
      last = { timeMs: lastMs, timeNs: lastNs, value: ops.read(input) };
    }
    runs.push({ startMs, startNs, first, last, points });
  }
  return runs;
}
