/**
 * One place for how windrow's Lambdas are built: `NodejsFunction` bundled by the locally installed
 * esbuild (no Docker), ESM, arm64 on `nodejs22.x`, minified with source maps (and
 * `--enable-source-maps`, so stack traces point at TypeScript), a log group with a retention, and
 * the configuration in `WINDROW_CONFIG`. The AWS SDK clients are bundled (pinned, tree-shaken), so a
 * function carries only the clients it imports.
 */

import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The functions, each bundled from `functions/<name>/handler.ts`. */
export const FUNCTION_NAMES = ['ingest', 'planner', 'close-worker', 'query', 'authorizer'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The handler module a function is bundled from (`functions/<name>/handler.ts`). */
export function handlerEntry(name: FunctionName): string {
  return `${ROOT}functions/${name}/handler.ts`;
}

/**
 * How every function is bundled: `NodejsFunction`'s `bundling` options. test/bench/bundles.ts and its
 * test bundle with the same values through {@link windrowEsbuildOptions}, so the sizes they report
 * are the deployed ones.
 */
export const WINDROW_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // ESM bundles of CommonJS dependencies still call `require` for Node built-ins.
  banner:
    "import { createRequire as __windrowCreateRequire } from 'node:module'; const require = __windrowCreateRequire(import.meta.url);",
  mainFields: ['module', 'main'],
  externalModules: [],
} satisfies BundlingOptions;

/**
 * The esbuild build options `NodejsFunction` runs for {@link WINDROW_BUNDLING} (its local bundling:
 * `esbuild --bundle <entry> --platform=node --target=… --format=esm --minify --sourcemap
 * --sources-content=false --banner:js=… --main-fields=…`, no externals), for building the same
 * bundle outside CDK.
 */
export function windrowEsbuildOptions(name: FunctionName): BuildOptions {
  const b = WINDROW_BUNDLING;
  return {
    entryPoints: [handlerEntry(name)],
    bundle: true,
    platform: 'node',
    format: b.format,
    target: b.target,
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    banner: { js: b.banner },
    mainFields: [...b.mainFields],
    external: [...b.externalModules],
  };
}

export interface WindrowFunctionProps {
  /** `functions/<name>/handler.ts` */
  readonly name: FunctionName;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  readonly logRetention?: RetentionDays;
}

export class WindrowFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: WindrowFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role with write access to its own log group only (the default role would carry the
    // AWS-managed AWSLambdaBasicExecutionRole, which allows writing to every log group).
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `windrow ${props.name} function`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      role,
      entry: handlerEntry(props.name),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `windrow-${props.name}`,
        POWERTOOLS_METRICS_NAMESPACE: 'windrow',
        ...props.environment,
      },
      bundling: {
        ...WINDROW_BUNDLING,
        mainFields: [...WINDROW_BUNDLING.mainFields],
        externalModules: [...WINDROW_BUNDLING.externalModules],
      },
    });
  }
}
