/**
 * The OTLP project's own example request (`../shared/fixtures/otlp-proto-examples`, see its README):
 * `examples/metrics.json` from opentelemetry-proto and the same request as protobuf. Every timestamp
 * in it is 1544712660300000000 (2018-12-13); {@link protoExample} moves them to a given time so a
 * receiver with a correction horizon accepts the points.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../../shared/fixtures/otlp-proto-examples/', import.meta.url));

/** The one timestamp the published example uses, in nanoseconds. */
export const PUBLISHED_NANOS = 1_544_712_660_300_000_000n;

/** Points in the example: one each of sum, gauge, histogram and exponential histogram. */
export const EXAMPLE_POINTS = 4;

/**
 * The example body as published (`atNanos` undefined) or with every timestamp set to `atNanos`.
 * In protobuf the times are `fixed64` fields, so they are replaced in place, byte for byte, without
 * re-encoding; the test checks that exactly the expected number of occurrences were replaced.
 */
export function protoExample(format: 'json' | 'pb', atNanos?: bigint): Uint8Array {
  const raw = new Uint8Array(readFileSync(DIR + (format === 'json' ? 'metrics.json' : 'metrics.pb')));
  if (atNanos === undefined) return raw;
  if (format === 'json') {
    const text = new TextDecoder().decode(raw);
    return new TextEncoder().encode(text.replaceAll(`"${PUBLISHED_NANOS}"`, `"${atNanos}"`));
  }
  const from = fixed64(PUBLISHED_NANOS);
  const to = fixed64(atNanos);
  const out = raw.slice();
  let replaced = 0;
  for (let i = 0; i + 8 <= out.length; i++) {
    if (from.every((b, k) => out[i + k] === b)) {
      out.set(to, i);
      replaced++;
      i += 7;
    }
  }
  // 4 time_unix_nano + 3 start_time_unix_nano (the gauge has no start).
  if (replaced !== 7) throw new Error(`expected 7 timestamps in metrics.pb, replaced ${replaced}`);
  return out;
}

function fixed64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
