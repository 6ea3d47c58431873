/** Aggregate states: the contract, the kinds, and the registry that picks and tags them. */
export * from './contract.js';
export {
  type CumulativeBaseline,
  type CumulativeState,
  cumulativeBaseline,
  cumulativeKind,
} from './cumulative.js';
export { type ExpHistogramState, expHistogramKind } from './exp-histogram.js';
export { type HistogramState, histogramKind } from './histogram.js';
export { type NumberState, numberKind } from './number.js';
export {
  decodeTaggedState,
  encodeTaggedState,
  kindForPoint,
  readTaggedState,
  type TaggedState,
  writeTaggedState,
} from './registry.js';
