import { WindrowError } from '../errors.js';

/**
 * A request body that is larger than allowed, before or after inflating its Content-Encoding (HTTP
 * 413). Distinct from {@link DecodeError}: the body may be perfectly valid, the sender should split it.
 */
export class PayloadTooLargeError extends WindrowError {
  /** The limit that was exceeded, in bytes. */
  readonly maxBytes: number;

  constructor(message: string, maxBytes: number, options?: { cause?: unknown }) {
    super(message, options);
    this.maxBytes = maxBytes;
  }
}
