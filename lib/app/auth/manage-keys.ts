import { WindrowError } from '../../core/errors.js';
/** Creating, listing and revoking API keys (`npm run keys`): the key is shown once, only its hash is kept. */
import { type ApiKeyRecord, type ApiKeyStore, generateApiKey, hashApiKey, keyIdOf } from './api-keys.js';

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/** A bad argument to key management (the CLI prints it and exits 2). */
export class KeyManagementError extends WindrowError {}

export async function createApiKey(
  store: ApiKeyStore,
  tenant: string,
  label: string,
  nowMs: number,
): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!TENANT.test(tenant))
    throw new KeyManagementError(`--tenant: 1–64 of A–Z a–z 0–9 . _ - (got ${JSON.stringify(tenant)})`);
  if (label.length > 200) throw new KeyManagementError('--label: at most 200 characters');
  const key = generateApiKey();
  const keyHash = hashApiKey(key);
  const record: ApiKeyRecord = { keyHash, keyId: keyIdOf(keyHash), tenant, label, createdMs: nowMs };
  await store.put(record);
  return { key, record };
}
