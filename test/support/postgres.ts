/**
 * A throwaway PostgreSQL 15 for tests, with or without TimescaleDB: `initdb` in a temporary
 * directory, `pg_ctl start` on a free loopback port, `stop()` stops it and removes the directory.
 * No mocks of the database (issue 14).
 *
 * Debian's `initdb` refuses to run as root, so as root every server command runs as the `postgres`
 * user (`runuser -u postgres --`) in a directory that user owns; as any other user it runs directly.
 * TimescaleDB must have been installed into PostgreSQL's directories (`../shared/timescaledb/install.sh`,
 * which `.ci/run` runs): a TimescaleDB server without it fails loudly, it is not skipped.
 *
 * Tests skip (with a loud message) only when the PostgreSQL binaries are missing: see
 * {@link describePostgres}.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe } from 'vitest';

/** Where Debian's postgresql-15 puts its binaries (override: WINDROW_TEST_PG_BIN). */
export const PG_BIN = process.env.WINDROW_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const TIMESCALE_CONTROL = '/usr/share/postgresql/15/extension/timescaledb.control';

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN, bin)))
      return `${join(PG_BIN, bin)} is missing (install Debian's postgresql-15)`;
  }
  if (isRoot() && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root and there is no postgres user to run initdb as';
  }
  return undefined;
}

let warned = false;
/**
 * `describe` for tests that need a real PostgreSQL: skipped, with a loud message on stderr, only
 * when the PostgreSQL binaries are missing.
 */
export function describePostgres(name: string, body: () => void): void {
  const missing = postgresMissing();
  if (missing !== undefined && !warned) {
    warned = true;
    console.error(
      `\n!!! SKIPPING PostgreSQL tests: ${missing}.\n!!! The PostgreSQL/TimescaleDB sink is NOT tested on this machine.\n`,
    );
  }
  describe.skipIf(missing !== undefined)(name, body);
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  readonly url: string;
  readonly port: number;
  readonly timescale: boolean;
  readonly dataDir: string;
  /** A new empty database on this server; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** `pg_ctl stop -m immediate` without removing anything (a database outage); `start()` again. */
  kill(): void;
  start(): void;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** `shared_preload_libraries = 'timescaledb'` (default false). */
  readonly timescale?: boolean;
  /**
   * Password authentication (scram-sha-256) over TCP, with this password for the `postgres` user
   * (default: trust, no password). The URLs then carry it.
   */
  readonly password?: string;
}

let databases = 0;

/** Starts a fresh cluster. Call `stop()` in `afterAll`. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(`cannot start PostgreSQL: ${missing}`);
  const timescale = options.timescale ?? false;
  if (timescale && !existsSync(TIMESCALE_CONTROL)) {
    throw new Error(
      `TimescaleDB is not installed into PostgreSQL 15 (${TIMESCALE_CONTROL} missing): run ../shared/timescaledb/install.sh as root (.ci/run does)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'windrow-pg-'));
  const dataDir = join(dir, 'data');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const auth = ['-A', 'trust'];
  if (options.password !== undefined) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o644 });
    auth.splice(0, 2, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  run('initdb', ['-D', dataDir, ...auth, '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    // fsync off is safe here (the machine does not crash, only the server: `kill()`), but commits stay
    // synchronous: with synchronous_commit off an immediate stop loses acknowledged commits, and a
    // sink test would see a result's version go back.
    'fsync = off',
    'full_page_writes = off',
    'max_connections = 100',
    'max_worker_processes = 32',
    ...(timescale
      ? [
          "shared_preload_libraries = 'timescaledb'",
          'timescaledb.telemetry_level = off',
          'timescaledb.max_background_workers = 16',
        ]
      : []),
  ];
  // postgresql.auto.conf is read after postgresql.conf: our settings win.
  const conf = join(dataDir, 'postgresql.auto.conf');
  writeFileSync(conf, `${settings.join('\n')}\n`);
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(conf, uid, gid);
  }
  let port = 0;
  const start = () => {
    run('pg_ctl', ['-D', dataDir, '-o', `-p ${port}`, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const user =
    options.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(options.password)}`;
  const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const server: PostgresServer = {
    url,
    port,
    timescale,
    dataDir,
    async createDatabase(name) {
      const db = name ?? `t${process.pid}_${++databases}_${Math.floor(Math.random() * 1e6)}`;
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`CREATE DATABASE "${db}"`);
      } finally {
        await admin.end();
      }
      return `postgres://${user}@127.0.0.1:${port}/${db}`;
    },
    kill() {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    },
    start,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a PostgreSQL binary, as the postgres user when we are root; throws with its output on failure. */
function run(bin: string, args: string[]): void {
  const command = isRoot() ? 'runuser' : join(PG_BIN, bin);
  const argv = isRoot() ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
