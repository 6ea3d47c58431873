export { formatDuration, parseDuration } from './duration.js';
export { parseTiers, type Tier } from './tiers.js';
export {
  childWindows,
  isClosable,
  type SlidingSpec,
  slidingPanes,
  slidingWindowsOfPane,
  type Window,
  type WindowSpec,
  windowOf,
  windowOfNanos,
  windowStart,
  windowsInRange,
} from './window.js';
