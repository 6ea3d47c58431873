/**
 * `npm start` on a data directory whose recorded state the configuration cannot follow exits 2 with
 * the setting named and without the usage text (it is not a usage error); a shard change that is
 * still pending is said at start. Found by hand: the refusal printed the whole --help after it, and
 * nothing said when a new `shards` would take effect.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllLocalProcesses, startLocalProcess } from '../support/local-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'windrow-cli-config-'));
const common = ['--port', '0', '--dynamo-port', '0', '--sink', 'dynamodb', '--data-dir', dir, '--tick', '1s'];

afterAll(async () => {
  await killAllLocalProcesses();
  rmSync(dir, { recursive: true, force: true });
});

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
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm start: configuration changes on a data directory', () => {
  it('refuses an inserted tier naming it, without the usage text; says when a new shard count applies', async () => {
    const first = await startLocalProcess([...common, '--tiers', '1s,10s,1m', '--shards', '2']);
    // The planner's first run records the deployment (tiers, shards).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await first.kill('SIGTERM');

    const refused = await runMain([...common, '--tiers', '1s,5s,10s,1m', '--shards', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/tiers: \["1s","10s","1m"\] → \["1s","5s","10s","1m"\]/);
    expect(refused.stderr).toContain('Changing the configuration');
    expect(refused.stderr).not.toMatch(/usage|--dynamo-port/i);

    const grown = await startLocalProcess([...common, '--tiers', '1s,10s,1m', '--shards', '4']);
    expect(grown.lines.join('\n')).toMatch(
      /shards: 2 in force in this data directory; 4 take effect from the first 1m window start/,
    );
    await grown.kill('SIGTERM');
  }, 60_000);
});
