/** Timestream for LiveAnalytics result sink (DESIGN.md §4). */
export {
  DEFAULT_DIMENSION_POLICY,
  type DimensionPolicy,
  FIXED_DIMENSIONS,
  policyDimensions,
} from './attribute-policy.js';
export { createTimestreamWriteClient, type TimestreamClientOptions } from './client.js';
export { buildTimestreamRecord, COMMON_ATTRIBUTES } from './record-builder.js';
export { checkRecord } from './rules.js';
export { TimestreamSink, type TimestreamSinkOptions, type TimestreamSinkReport } from './sink.js';
export { timestreamTableName } from './table-name.js';
