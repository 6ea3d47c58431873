/**
 * The authorizer's decision (DESIGN.md §11: 401/403 for auth): a request without a Bearer key is
 * unauthenticated (401), one whose key is unknown or revoked is forbidden (403), otherwise it acts
 * for the key's tenant. Decisions are cached briefly per key hash, so a busy exporter costs one read
 * a minute, and a revocation takes effect within that minute (plus API Gateway's own cache TTL).
 */
import { type ApiKeyStore, bearerKey, hashApiKey } from './api-keys.js';

export type AuthDecision =
  | { readonly ok: true; readonly tenant: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

export interface Authorizer {
  authorize(authorizationHeader: string | undefined): Promise<AuthDecision>;
}

export function createAuthorizer(
  store: ApiKeyStore,
  clock: { nowMs(): number },
  cacheMs = 60_000,
  maxCached = 10_000,
): Authorizer {
  const cache = new Map<string, { decision: AuthDecision; untilMs: number }>();
  return {
    async authorize(header) {
      if (header === undefined || header.trim() === '') {
        return { ok: false, status: 401, reason: 'no API key: send Authorization: Bearer <key>' };
      }
      const key = bearerKey(header);
      if (key === undefined) return { ok: false, status: 403, reason: 'not a valid API key' };
      const hash = hashApiKey(key);
      const now = clock.nowMs();
      const hit = cache.get(hash);
      if (hit !== undefined && hit.untilMs > now) return hit.decision;
      const record = await store.findByHash(hash);
      const decision: AuthDecision =
        record === undefined
          ? { ok: false, status: 403, reason: 'unknown API key' }
          : record.revokedMs !== undefined
            ? { ok: false, status: 403, reason: 'revoked API key' }
            : { ok: true, tenant: record.tenant };
      if (cache.size >= maxCached) cache.clear();
      cache.set(hash, { decision, untilMs: now + cacheMs });
      return decision;
    },
  };
}
