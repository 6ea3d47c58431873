/**
 * The local stack as a child process: `lib/local/main.ts` (what `npm start` runs) under
 * `node --import tsx`, so the process the test signals is windrow itself, not a wrapper (`npx tsx`
 * and `npm start` put a parent in between, which a SIGKILL would not reach through). The HTTP URL
 * is read from the banner the process prints once it listens.
 *
 * @example
 * const stack = await startLocalProcess(['--tiers', '1s,10s', '--port', '0', '--dynamo-port', '0']);
 * await fetch(`${stack.url}/v1/points`, { method: 'POST', … });
 * await stack.kill('SIGKILL');
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /simple points\s+POST (http:\/\/\S+)\/v1\/points/;

export interface LocalProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly child: ChildProcess;
  /** stdout and stderr lines so far (status lines per tick, warnings). */
  readonly lines: readonly string[];
  /** Whether the process is still running. */
  alive(): boolean;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Every process started and not yet exited: for an `afterAll` that must leave none behind. */
const running = new Set<ChildProcess>();

/**
 * Starts `lib/local/main.ts` with `args` and resolves once it serves HTTP (or rejects with its
 * output when it exits or stays silent for `timeoutMs`).
 */
export function startLocalProcess(args: readonly string[], timeoutMs = 20_000): Promise<LocalProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // WARN: no log line per request (the status line per tick and warnings stay).
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', ...process.env, NODE_NO_WARNINGS: '1' },
  });
  running.add(child);
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (alive()) child.kill(signal);
    await exited;
  };
  return new Promise<LocalProcess>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void kill().then(() => reject(new Error(`${why}\n${lines.slice(-40).join('\n')}`)));
    };
    const timer = setTimeout(() => fail(`windrow did not start within ${timeoutMs} ms`), timeoutMs);
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (data: string) => {
        const parts = (rest + data).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          const ready = READY.exec(line);
          if (ready !== null && !settled) {
            settled = true;
            clearTimeout(timer);
            resolve({ url: ready[1] ?? '', child, lines, alive, kill });
          }
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.once('exit', (code, signal) => fail(`windrow exited (${signal ?? code}) before it was ready`));
    child.once('error', (error) => fail(`windrow could not be started: ${error.message}`));
  });
}

/** SIGKILLs every process `startLocalProcess` started that is still running, and waits for them. */
export async function killAllLocalProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  running.clear();
}
