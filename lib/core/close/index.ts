/** Closing a window in the pure core: merge partials, finalize, encode the closed state. */
export * from './closed-state.js';
export * from './finalize-window.js';
export * from './merge.js';
export * from './sessions.js';
