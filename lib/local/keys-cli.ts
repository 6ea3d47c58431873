/**
 * `npm run keys -- create|list|revoke --tenant NAME`: API keys in the window-state table — of the
 * local stack (dynalite on 127.0.0.1:4319, what `npm start` opens) by default, or of a deployed stack
 * with `--table <WindowStateTableName>` (AWS credentials from the usual chain, `--region`).
 */
import { parseArgs } from 'node:util';
import { DynamoApiKeyStore } from '../adapters/dynamodb/api-keys.js';
import { createDynamoClient, createLocalDynamoClient } from '../adapters/dynamodb/client.js';
import { createApiKey, KeyManagementError } from '../app/auth/manage-keys.js';
import { textTable } from './table.js';

export const KEYS_USAGE = `usage:
  npm run keys -- create --tenant NAME [--label TEXT]
  npm run keys -- list   --tenant NAME
  npm run keys -- revoke --tenant NAME --key-id ID
target: the local stack (default: --endpoint http://127.0.0.1:4319 --table windrow-state),
        or a deployed one: --table <WindowStateTableName> [--region eu-west-1]`;

export async function runKeysCli(
  argv: readonly string[],
  out: (text: string) => void,
  nowMs = Date.now(),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    out(KEYS_USAGE);
    return command === undefined ? 2 : 0;
  }
  const { values } = parseArgs({
    args: [...rest],
    options: {
      tenant: { type: 'string' },
      label: { type: 'string' },
      'key-id': { type: 'string' },
      endpoint: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
    },
    strict: true,
  });
  if (values.tenant === undefined) throw new KeyManagementError('--tenant is required');
  const deployed = values.table !== undefined && values.endpoint === undefined;
  const client = deployed
    ? createDynamoClient({ ...(values.region === undefined ? {} : { region: values.region }) })
    : createLocalDynamoClient(values.endpoint ?? 'http://127.0.0.1:4319', { maxAttempts: 1 });
  const store = new DynamoApiKeyStore({
    client,
    tableName: values.table ?? 'windrow-state',
    retry: { maxAttempts: 2 },
  });
  try {
    switch (command) {
      case 'create': {
        const { key, record } = await createApiKey(store, values.tenant, values.label ?? '', nowMs);
        out(
          `created key ${record.keyId} for tenant ${record.tenant} — shown once, store it now:\n\n  ${key}\n`,
        );
        out(`send it as:  Authorization: Bearer ${key}`);
        out(`OTel SDKs:   OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${key}"`);
        return 0;
      }
      case 'list': {
        const keys = await store.list(values.tenant);
        out(
          keys.length === 0
            ? `no keys for tenant ${values.tenant}`
            : textTable(
                ['key id', 'label', 'created', 'state'],
                keys.map((k) => [
                  k.keyId,
                  k.label,
                  new Date(k.createdMs).toISOString(),
                  k.revokedMs === undefined ? 'active' : `revoked ${new Date(k.revokedMs).toISOString()}`,
                ]),
              ),
        );
        return 0;
      }
      case 'revoke': {
        const keyId = values['key-id'];
        if (keyId === undefined) throw new KeyManagementError('revoke: --key-id is required (see list)');
        if (!(await store.revoke(values.tenant, keyId, nowMs))) {
          throw new KeyManagementError(`tenant ${values.tenant} has no key ${keyId}`);
        }
        out(`revoked key ${keyId} of tenant ${values.tenant}`);
        return 0;
      }
      default:
        throw new KeyManagementError(`unknown command "${command}"\n${KEYS_USAGE}`);
    }
  } catch (error) {
    if (
      (error as { code?: string }).code === 'ECONNREFUSED' ||
      /ECONNREFUSED/.test(String((error as Error).message))
    ) {
      throw new KeyManagementError(
        "cannot reach the local stack's DynamoDB on 127.0.0.1:4319 — is `npm start` running?",
      );
    }
    throw error;
  }
}
