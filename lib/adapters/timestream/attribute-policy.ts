/**
 * DECLARED POLICY: how a result's identity becomes Timestream dimensions.
 *
 * 1. Order: `tenant`, `metric`, `unit` (when not empty), `series_id`, then the point attributes
 *    sorted by key, then the resource attributes sorted by key (named `resource.<key>`). Names follow
 *    `dimension-names.ts`: good keys verbatim, others (`:`, reserved, too long, …) rewritten with a
 *    hash suffix, never two attributes on one name.
 * 2. Values: strings as they are, other values as JSON text (sorted keys); null and "" are omitted
 *    (Timestream refuses empty dimension values; `series_id` still tells such series apart). Values
 *    over 256 bytes are cut to a prefix + `~` + 8 hex digits of the whole value's hash.
 * 3. Limits: at most 128 dimensions and 1,280 bytes of names + values per record (of Timestream's
 *    2,048 per series and per record, which leaves room for the stats). Walking the order above, a
 *    dimension is kept while it fits; one that does not fit is *dropped* and the walk goes on (a
 *    later, smaller one may still fit). The four fixed dimensions always fit (≤ 1,060 bytes).
 * 4. Dropped attributes are counted in the BIGINT measure `overflow_count` and, as far as the record's
 *    2 KB allow, kept as a JSON object `{"<key>": <value>, …}` (resource keys as `resource.<key>`, the
 *    original values, whole entries in the order above) in the VARCHAR measure `overflow_attributes`.
 * 5. Dimensions depend on the identity only, never on the stats, so every re-close of a window lands
 *    on the same Timestream series and its higher `Version` replaces the old record.
 *
 * Not enforceable here: Timestream's limit of 128 distinct dimension names per *table* (a union over
 * all series). Records past it are refused by Timestream and reported as rejections, never lost.
 */
import type { Dimension } from '@aws-sdk/client-timestream-write';
import type { Attributes, AttributeValue } from '../../core/point.js';
import { type AttributeOrigin, DimensionNamer, RESOURCE_PREFIX } from './dimension-names.js';
import { capValue, renderAttributeValue } from './dimension-values.js';
import { MAX_DIMENSIONS, utf8Bytes } from './limits.js';

export interface DimensionPolicy {
  /** Dimensions per record, the fixed ones included. */
  readonly maxDimensions: number;
  /** Names + values of all dimensions of a record, in UTF-8 bytes. */
  readonly maxDimensionBytes: number;
  /** One dimension value, in UTF-8 bytes (longer ones are cut, see rule 2). */
  readonly maxValueBytes: number;
}

export const DEFAULT_DIMENSION_POLICY: DimensionPolicy = {
  maxDimensions: MAX_DIMENSIONS,
  maxDimensionBytes: 1280,
  maxValueBytes: 256,
};

/** windrow's own dimension names, handed out before any attribute. */
export const FIXED_DIMENSIONS = {
  tenant: 'tenant',
  metric: 'metric',
  unit: 'unit',
  seriesId: 'series_id',
} as const;

/** What the policy needs of a result: its identity, not its stats. */
export interface SeriesIdentity {
  readonly tenant: string;
  readonly metric: string;
  readonly unit: string;
  readonly seriesId: string;
  readonly attributes: Attributes;
  readonly resource: Attributes;
}

/** An attribute that did not become a dimension: its overflow key and original value. */
export interface OverflowAttribute {
  /** The attribute key, `resource.<key>` for resource attributes. */
  readonly key: string;
  readonly value: AttributeValue;
}

export interface PolicyDimensions {
  readonly dimensions: Dimension[];
  /** Bytes of the dimensions' names and values. */
  readonly bytes: number;
  /** Attributes dropped by the limits (rule 3), in policy order. */
  readonly overflow: OverflowAttribute[];
  /** Dimension values cut to the value cap (rule 2). */
  readonly cutValues: number;
  /** Attributes left out because their value was null or "" (rule 2). */
  readonly emptyValues: number;
}

interface Candidate {
  readonly name: string;
  readonly value: string;
  /** Undefined for the fixed dimensions, which are always kept. */
  readonly overflow?: OverflowAttribute;
}

/**
 * The dimensions of a series under the declared policy (see the top of this file).
 * `isTaken(lowerCaseName)` tells which names windrow's measures use, so no attribute takes them.
 *
 * @example
 * policyDimensions(
 *   { tenant: 't1', metric: 'http.duration', unit: 'ms', seriesId: 'ab…', attributes: { 'http:route': '/x' },
 *     resource: { 'service.name': 'api' } },
 *   (name) => name === 'count',
 * ).dimensions;
 * // tenant=t1, metric=http.duration, unit=ms, series_id=ab…, http_route_<hash>=/x, resource.service.name=api
 */
export function policyDimensions(
  identity: SeriesIdentity,
  isTaken: (lowerCaseName: string) => boolean,
  policy: DimensionPolicy = DEFAULT_DIMENSION_POLICY,
): PolicyDimensions {
  const namer = new DimensionNamer(isTaken);
  const candidates: Candidate[] = [];
  let cutValues = 0;
  let emptyValues = 0;

  const fixed: [string, string][] = [
    [FIXED_DIMENSIONS.tenant, identity.tenant],
    [FIXED_DIMENSIONS.metric, identity.metric],
    [FIXED_DIMENSIONS.unit, identity.unit],
    [FIXED_DIMENSIONS.seriesId, identity.seriesId],
  ];
  for (const [name, text] of fixed) {
    namer.reserve(name);
    if (text === '') continue;
    const capped = capValue(text, policy.maxValueBytes);
    if (capped.cut) cutValues++;
    candidates.push({ name, value: capped.value });
  }

  const addAttributes = (attributes: Attributes, origin: AttributeOrigin) => {
    for (const key of Object.keys(attributes).sort()) {
      const original = attributes[key] ?? null;
      const text = renderAttributeValue(original);
      if (text === undefined) {
        emptyValues++;
        continue;
      }
      const capped = capValue(text, policy.maxValueBytes);
      if (capped.cut) cutValues++;
      const overflowKey = origin === 'resource' ? `${RESOURCE_PREFIX}${key}` : key;
      candidates.push({
        name: namer.nameOf(key, origin),
        value: capped.value,
        overflow: { key: overflowKey, value: original },
      });
    }
  };
  addAttributes(identity.attributes, 'point');
  addAttributes(identity.resource, 'resource');

  const dimensions: Dimension[] = [];
  const overflow: OverflowAttribute[] = [];
  let bytes = 0;
  for (const candidate of candidates) {
    const size = utf8Bytes(candidate.name) + utf8Bytes(candidate.value);
    const fixed = candidate.overflow === undefined;
    const fits = dimensions.length < policy.maxDimensions && bytes + size <= policy.maxDimensionBytes;
    if (fixed || fits) {
      dimensions.push({ Name: candidate.name, Value: candidate.value, DimensionValueType: 'VARCHAR' });
      bytes += size;
    } else if (candidate.overflow !== undefined) {
      overflow.push(candidate.overflow);
    }
  }
  return { dimensions, bytes, overflow, cutValues, emptyValues };
}
