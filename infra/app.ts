import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lib/core/config/config.js';
import { buildDashboard } from '../lib/dashboard/build.js';
import { writeDashboardModule } from '../lib/dashboard/generate.js';
import { WindrowStack } from './stack.js';

/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Configuration comes from the `windrow` context
 * object in cdk.json (or `-c windrow='{"tiers":["1m","1h"]}'`), plus `-c sink=dynamodb` as a shortcut,
 * validated with the same schema as the local runner.
 */
// The query function serves the dashboard from a generated module: build it first, so a plain
// `npx cdk synth` on a fresh clone works without `npm run build:dashboard`.
writeDashboardModule(buildDashboard());

const app = new App();
const contextConfig = app.node.tryGetContext('windrow') ?? {};
const parsed = typeof contextConfig === 'string' ? JSON.parse(contextConfig) : contextConfig;
const sink = app.node.tryGetContext('sink');
const config = parseConfig(sink === undefined ? parsed : { ...parsed, sink });

new WindrowStack(app, 'Windrow', { config });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
