/**
 * The CDK app with the PostgreSQL sink (issue 14 item 5): no results table and no Timestream; the
 * close worker and query functions (only they) get the secret's ARN, Amazon's CA bundle for TLS
 * verification, and secretsmanager:GetSecretValue on that one secret; with subnets and security
 * groups they (only they) run in that VPC; nothing about the database in WINDROW_CONFIG; cdk-nag
 * clean. Bundling is skipped (synth.test.ts bundles).
 */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { LAMBDA_AMAZON_CA_CERTS, type PostgresDeployment, WindrowStack } from '../../infra/stack.js';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:windrow-pg-AbCdEf';
const config = parseConfig({ sink: 'postgres', sessions: [{ match: 'checkout.*', gap: '5m' }] });

type Resource = { Type: string; Properties: Record<string, unknown> };

function synth(postgres: PostgresDeployment | undefined) {
  const app = new App({ context: NO_BUNDLING });
  const stack = new WindrowStack(app, 'Pg', { config, postgres });
  return Template.fromStack(stack);
}

const MARKS: Record<string, string> = {
  ingest: 'POST /v1/metrics',
  query: 'GET /v1/query',
  planner: 'enqueue',
  close: 'close windows',
  authorizer: 'API keys',
};

function functions(template: Template) {
  const all = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
  const out: Record<
    string,
    { env: Record<string, string>; vpc: unknown; statements: { Action: unknown; Resource: unknown }[] }
  > = {};
  for (const r of Object.values(all)) {
    const name = Object.keys(MARKS).find((n) => String(r.Properties.Description).includes(MARKS[n] ?? '?'));
    if (name === undefined) continue;
    const roleId = (r.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    out[name] = {
      env: (r.Properties.Environment as { Variables: Record<string, string> }).Variables,
      vpc: r.Properties.VpcConfig,
      statements: policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(String(roleId)))
        .flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
              .Statement,
        ),
    };
  }
  return out;
}

const actions = (s: { Action: unknown }) => (Array.isArray(s.Action) ? s.Action : [s.Action]) as string[];

describe('WindrowStack with sink=postgres', () => {
  it('needs the secret', () => {
    expect(() => synth(undefined)).toThrow(/postgresSecretArn/);
  });

  it('creates no results table and no Timestream; the secret only for the close worker and query', () => {
    const template = synth({ secretArn: SECRET });
    expect(Object.keys(template.findResources('AWS::Timestream::Table'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))).toHaveLength(1); // window state
    const fns = functions(template);
    expect(Object.keys(fns).sort()).toEqual(['authorizer', 'close', 'ingest', 'planner', 'query']);
    for (const [name, fn] of Object.entries(fns)) {
      const uses = name === 'close' || name === 'query';
      expect(fn.env.WINDROW_POSTGRES_SECRET_ARN, name).toBe(uses ? SECRET : undefined);
      expect(fn.env.NODE_EXTRA_CA_CERTS, name).toBe(uses ? LAMBDA_AMAZON_CA_CERTS : undefined);
      expect(fn.env.WINDROW_CONFIG ?? '', name).not.toContain('secretsmanager');
      const secretStatements = fn.statements.filter((s) =>
        actions(s).some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secretStatements, name).toEqual(
        uses ? [expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET })] : [],
      );
      expect(fn.vpc, name).toBeUndefined();
    }
    expect(JSON.parse(fns.query?.env.WINDROW_CONFIG ?? '{}').sink).toBe('postgres');
  });

  it('places the close worker and query (only) in the VPC given, with their network interfaces', () => {
    const vpc = { subnetIds: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] };
    const fns = functions(synth({ secretArn: SECRET, vpc }));
    for (const [name, fn] of Object.entries(fns)) {
      const uses = name === 'close' || name === 'query';
      expect(fn.vpc, name).toEqual(
        uses ? { SubnetIds: vpc.subnetIds, SecurityGroupIds: vpc.securityGroupIds } : undefined,
      );
      expect(
        fn.statements.some((s) => actions(s).includes('ec2:CreateNetworkInterface')),
        name,
      ).toBe(uses);
    }
  });

  it.each([
    ['without a VPC', { secretArn: SECRET }],
    ['in a VPC', { secretArn: SECRET, vpc: { subnetIds: ['subnet-1'], securityGroupIds: ['sg-1'] } }],
  ])('has no unacknowledged cdk-nag AwsSolutions finding (%s)', (_, postgres) => {
    const app = new App({ context: NO_BUNDLING });
    new WindrowStack(app, 'Nag', { config, postgres });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
