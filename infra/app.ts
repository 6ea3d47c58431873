import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lib/core/config/config.js';
import { buildDashboard } from '../lib/dashboard/build.js';
import { writeDashboardModule } from '../lib/dashboard/generate.js';
import { WindrowStack } from './stack.js';

/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Configuration comes from the `windrow` context
 * object in cdk.json (or `-c windrow='{"tiers":["1m","1h"]}'`), plus `-c sink=dynamodb` as a shortcut,
 * validated with the same schema as the local runner. The PostgreSQL sink's secret and VPC come from
 * their own top-level keys: `-c sink=postgres -c postgresSecretArn=arn:… [-c vpcSubnetIds=… -c vpcSecurityGroupIds=…]`.
 */
// The query function serves the dashboard from a generated module: build it first, so a plain
// `npx cdk synth` on a fresh clone works without `npm run build:dashboard`.
writeDashboardModule(buildDashboard());

const app = new App();
const contextConfig = app.node.tryGetContext('windrow') ?? {};
const parsed = typeof contextConfig === 'string' ? JSON.parse(contextConfig) : contextConfig;
const sink = app.node.tryGetContext('sink');
const config = parseConfig(sink === undefined ? parsed : { ...parsed, sink });

/** A context value as a list: `a,b` or a JSON array (`-c vpcSubnetIds=subnet-1,subnet-2`). */
function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((v) => v.trim()).filter((v) => v !== '');
}

// The PostgreSQL sink's secret and VPC are top-level context, never inside `windrow` (which
// parseConfig validates and WINDROW_CONFIG carries): no password or account detail in the configuration.
const postgresSecretArn = app.node.tryGetContext('postgresSecretArn') as string | undefined;
const subnetIds = list(app.node.tryGetContext('vpcSubnetIds'));
const securityGroupIds = list(app.node.tryGetContext('vpcSecurityGroupIds'));
if ((subnetIds === undefined) !== (securityGroupIds === undefined)) {
  throw new Error('-c vpcSubnetIds and -c vpcSecurityGroupIds go together');
}
if (postgresSecretArn !== undefined && !/^arn:aws[a-z-]*:secretsmanager:/.test(postgresSecretArn)) {
  throw new Error(`-c postgresSecretArn: not a Secrets Manager secret ARN: ${postgresSecretArn}`);
}
const postgres =
  postgresSecretArn === undefined
    ? undefined
    : {
        secretArn: postgresSecretArn,
        vpc:
          subnetIds === undefined || securityGroupIds === undefined
            ? undefined
            : { subnetIds, securityGroupIds },
      };

new WindrowStack(app, 'Windrow', { config, postgres });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
