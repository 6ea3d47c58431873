/**
 * A port the local stack needs is already taken: `startLocalStack` says which one (dynalite's or
 * the HTTP API's) and leaves nothing running, and `npm start` names the flag that picks another.
 * Regression: with dynalite's port 4319 taken, `npm start` said "Use --port", the HTTP port's flag.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { PortInUseError, startLocalStack } from '#local/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const config = parseConfig({ sink: 'dynamodb' });

let taken: Server;
let takenPort = 0;

/** A port that is free now (listened on and released). */
async function freePort(): Promise<number> {
  const server = await listen(0);
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** `npm start`'s entry point (lib/local/main.ts) with `args`; its exit code and stderr. */
function runMain(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lib/local/main.ts ${args.join(' ')} did not exit: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

beforeAll(async () => {
  taken = await listen(0);
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => taken?.close(resolve));
});

describe('Function: startLocalStack with a port in use', () => {
  it("rejects with PortInUseError naming dynalite when dynalite's port is taken", async () => {
    const started = startLocalStack({ config, port: 0, dynamoPort: takenPort, quiet: true });
    await expect(started).rejects.toThrow(PortInUseError);
    await expect(started).rejects.toMatchObject({
      server: 'dynalite',
      port: takenPort,
      message: `dynalite's port ${takenPort} is in use`,
      cause: { code: 'EADDRINUSE' },
    });
  });

  it('rejects with PortInUseError naming the HTTP API when its port is taken, and stops dynalite', async () => {
    const dynamoPort = await freePort();
    const started = startLocalStack({ config, port: takenPort, dynamoPort, quiet: true });
    await expect(started).rejects.toMatchObject({
      name: 'PortInUseError',
      server: 'http',
      port: takenPort,
      message: `the HTTP port ${takenPort} is in use`,
    });
    // dynalite, started first, was stopped: its port is free again.
    const again = await listen(dynamoPort);
    await new Promise((resolve) => again.close(resolve));
  });
});

describe('npm start with a port in use', () => {
  it('names --dynamo-port when dynalite’s port is the one taken', async () => {
    const { code, stderr } = await runMain(['--port', '0', '--dynamo-port', String(takenPort)]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `windrow: dynalite's port ${takenPort} is in use — is windrow already running? Use --dynamo-port to pick another.`,
    );
    expect(stderr).not.toContain('Use --port ');
  });

  it('names --port when the HTTP port is the one taken', async () => {
    const { code, stderr } = await runMain(['--port', String(takenPort), '--dynamo-port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `windrow: the HTTP port ${takenPort} is in use — is windrow already running? Use --port to pick another.`,
    );
  });
});
