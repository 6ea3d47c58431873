/** The query's parameter errors (answered 400). */
import { WindrowError } from '../../core/errors.js';

/** A bad query parameter: answered 400 with this message (which names the parameter). */
export class QueryParamError extends WindrowError {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}
