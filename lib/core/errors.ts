/**
 * One error base for the whole project. Every subclass ends in `Error`, sets `name`, and keeps the
 * underlying failure in `cause` so nothing is lost when an error crosses a layer.
 */
export class WindrowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value (duration, tier list, option) that cannot be used. */
export class ConfigError extends WindrowError {}

/** A request body that cannot be decoded at all (as opposed to individual points that are rejected). */
export class DecodeError extends WindrowError {}

/** Encoded state bytes that are truncated, corrupt, or of an unknown version. */
export class StateCodecError extends WindrowError {}
