/**
 * dynalite (a DynamoDB API implementation, in memory or on disk) on loopback: the local stack's
 * database, and the integration tests'.
 *
 * @example
 * let db: Dynalite;
 * beforeAll(async () => { db = await startDynalite(); await createWindowStateTable(db.client, 'state'); });
 * afterAll(() => db.stop());
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoClient } from '../adapters/dynamodb/client.js';

export interface Dynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A client for `endpoint` (region `local`, dummy credentials, SDK retries off). */
  readonly client: DynamoDBClient;
  /** Destroys the client and closes the server (in-memory data is gone). Safe to call twice. */
  stop(): Promise<void>;
}

interface DynaliteOptions {
  readonly path?: string;
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
  readonly maxItemSizeKb?: number;
}

// dynalite is CommonJS without types; its default export returns an http.Server.
const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;

export interface StartDynaliteOptions {
  /** Keep data on disk in this directory (default: in memory). */
  readonly path?: string;
  /** SDK attempts per call (default 1: the adapters run their own retry budget). */
  readonly maxAttempts?: number;
  /** Port on 127.0.0.1 (default: a free one). */
  readonly port?: number;
}

/** Starts dynalite in memory (or on disk with `path`), tables ACTIVE at once. */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<Dynalite> {
  const server = dynalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // maxAttempts 1 by default: callers see exactly the calls they make; the adapters' own retry
  // budget is the one that counts (SDK retries on top would multiply it).
  const client = createLocalDynamoClient(endpoint, { maxAttempts: options.maxAttempts ?? 1 });
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    client,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        client.destroy();
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return stopped;
    },
  };
}
