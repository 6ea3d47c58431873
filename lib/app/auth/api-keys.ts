/**
 * API keys (pure): what a key looks like, how it is stored (only its SHA-256), and how it arrives
 * (`Authorization: Bearer <key>`, which OTLP exporters send with `OTEL_EXPORTER_OTLP_HEADERS`).
 *
 * A key is `wr_` + 32 random bytes in base64url: 256 bits, so a plain SHA-256 (no salt, no slow
 * hash) is the right storage — there is nothing to brute-force, and the authorizer can look a key up
 * by its hash in one read.
 */
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'wr_';
const KEY_PATTERN = /^wr_[A-Za-z0-9_-]{43}$/;

/** What the store keeps of a key: its hash, tenant, a short id to name it by, and its state. */
export interface ApiKeyRecord {
  readonly keyHash: string;
  /** The first 12 hex characters of the hash: shown in listings and used to revoke. */
  readonly keyId: string;
  readonly tenant: string;
  readonly label: string;
  readonly createdMs: number;
  readonly revokedMs?: number;
}

/** A new random key (shown once, never stored). */
export function generateApiKey(random: (n: number) => Uint8Array = randomBytes): string {
  return `${KEY_PREFIX}${Buffer.from(random(32)).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keyIdOf(keyHash: string): string {
  return keyHash.slice(0, 12);
}

export function isWellFormedKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/**
 * The key from an `Authorization` header value, or undefined when there is none or it is not a
 * well-formed Bearer key (so garbage never reaches the store).
 *
 * @example bearerKey('Bearer wr_…') // 'wr_…'
 */
export function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  const key = m?.[1];
  return key !== undefined && isWellFormedKey(key) ? key : undefined;
}

/** The store of keys (the window-state table in AWS and locally). */
export interface ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
  /** By hash, revoked or not; undefined when unknown. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  list(tenant: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when the tenant has no key with this id. */
  revoke(tenant: string, keyId: string, nowMs: number): Promise<boolean>;
}
