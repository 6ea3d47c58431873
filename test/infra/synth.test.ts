/**
 * `npx cdk synth` as a user runs it: offline, with no AWS credentials, for both sinks, bundling every
 * function with the local esbuild. Each bundle then loads in a fresh Node process (ESM, the require
 * shim for CommonJS dependencies, cold-start wiring from its environment) and exports its handler.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];

/** The environment without any AWS credentials or profile. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true' };
}

async function synth(sink: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `windrow-synth-${sink}-`));
  dirs.push(out);
  await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, '-c', `sink=${sink}`], {
    cwd: ROOT,
    env: offlineEnv(),
    timeout: 120_000,
  });
  return out;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npx cdk synth', () => {
  it('synthesizes both sinks offline, and every bundled handler loads', async () => {
    const [timestream, dynamodb] = await Promise.all([synth('timestream'), synth('dynamodb')]);
    const ts = JSON.parse(readFileSync(join(timestream, 'Windrow.template.json'), 'utf8'));
    const ddb = JSON.parse(readFileSync(join(dynamodb, 'Windrow.template.json'), 'utf8'));
    const types = (t: { Resources: Record<string, { Type: string }> }) =>
      new Set(Object.values(t.Resources).map((r) => r.Type));
    expect(types(ts).has('AWS::Timestream::Table')).toBe(true);
    expect(types(ddb).has('AWS::Timestream::Table')).toBe(false);

    const functions = Object.values(
      ddb.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => ({
        asset: (r.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, ''),
        env: (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      }));
    expect(functions).toHaveLength(5);
    for (const fn of functions) {
      const env: Record<string, string> = {
        ...offlineEnv(),
        AWS_REGION: 'us-east-1',
        WINDROW_STATE_TABLE: 'state',
        WINDROW_RESULTS_TABLE: 'results',
        WINDROW_CLOSE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/close',
        WINDROW_CONFIG: String(fn.env.WINDROW_CONFIG),
      } as Record<string, string>;
      const script = `const m = await import(${JSON.stringify(join(dynamodb, `asset.${fn.asset}`, 'index.mjs'))}); console.log(typeof m.handler);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env,
        timeout: 30_000,
      });
      expect(stdout.trim(), fn.asset).toBe('function');
    }
  }, 180_000);
});
