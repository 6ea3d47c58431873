/**
 * `npx cdk synth -c sink=postgres -c postgresSecretArn=… -c vpcSubnetIds=… -c vpcSecurityGroupIds=…`
 * as a user runs it (offline, no credentials, real bundling): the close worker and query functions
 * are in the VPC with the secret's ARN, their bundles load and export a handler with that
 * environment (the secret is read only at the first close or query), and the missing or misplaced
 * settings are refused with a message naming them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:windrow-pg-AbCdEf';
const dirs: string[] = [];

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true' };
}

async function synth(context: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'windrow-synth-pg-'));
  dirs.push(out);
  await run(
    'npx',
    ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, ...context.flatMap((c) => ['-c', c])],
    {
      cwd: ROOT,
      env: offlineEnv(),
      timeout: 150_000,
    },
  );
  return out;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npx cdk synth -c sink=postgres', () => {
  it('puts the close worker and query in the VPC with the secret, and their bundles load', async () => {
    const out = await synth([
      'sink=postgres',
      `postgresSecretArn=${SECRET}`,
      'vpcSubnetIds=subnet-1,subnet-2',
      'vpcSecurityGroupIds=sg-1',
    ]);
    const template = JSON.parse(readFileSync(join(out, 'Windrow.template.json'), 'utf8'));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => ({
        description: String(r.Properties.Description),
        asset: (r.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, ''),
        env: (r.Properties.Environment as { Variables: Record<string, string> }).Variables,
        vpc: r.Properties.VpcConfig,
      }));
    const users = functions.filter((f) => f.env.WINDROW_POSTGRES_SECRET_ARN === SECRET);
    expect(users.map((f) => f.description).sort()).toEqual([
      'windrow: GET /v1/query, /v1/metrics and the dashboard',
      'windrow: close windows, roll up, write results',
    ]);
    for (const f of functions) {
      expect(f.vpc !== undefined, f.description).toBe(users.includes(f));
    }
    for (const fn of users) {
      const env = {
        ...offlineEnv(),
        AWS_REGION: 'eu-west-1',
        WINDROW_STATE_TABLE: 'state',
        WINDROW_CONFIG: fn.env.WINDROW_CONFIG,
        WINDROW_POSTGRES_SECRET_ARN: fn.env.WINDROW_POSTGRES_SECRET_ARN,
      } as Record<string, string>;
      const script = `const m = await import(${JSON.stringify(join(out, `asset.${fn.asset}`, 'index.mjs'))}); console.log(typeof m.handler);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env,
        timeout: 30_000,
      });
      expect(stdout.trim(), fn.description).toBe('function');
    }
  }, 200_000);

  it('refuses the sink without its secret, and a VPC given by halves', async () => {
    await expect(synth(['sink=postgres'])).rejects.toThrow(/postgresSecretArn/);
    await expect(
      synth(['sink=postgres', `postgresSecretArn=${SECRET}`, 'vpcSubnetIds=subnet-1']),
    ).rejects.toThrow(/vpcSubnetIds and -c vpcSecurityGroupIds go together/);
  }, 200_000);
});
