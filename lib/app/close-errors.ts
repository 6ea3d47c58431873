import { WindrowError } from '../core/errors.js';

/**
 * A close job came before the window could close: its predecessor (or, for a rollup, its last child
 * window) is not closed yet. Retryable: the queue delivers the job again later.
 */
export class WindowNotReadyError extends WindrowError {}
