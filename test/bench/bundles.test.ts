/**
 * The Lambda bundles, built as `NodejsFunction` builds them: each carries only the AWS SDK clients
 * its function uses, and stays within a size budget (about 1.5× its size when the budget was set:
 * ingest 480,560, planner 421,811, close worker 498,786, query 517,399, authorizer 365,018 bytes
 * minified).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_NAMES,
  type FunctionName,
  WINDROW_BUNDLING,
  windrowEsbuildOptions,
} from '../../infra/windrow-function.js';
import { type Bundle, bundleFunction, sdkClients } from './bundles.js';

const CLIENTS: Record<FunctionName, string[]> = {
  ingest: ['client-dynamodb'],
  planner: ['client-dynamodb', 'client-sqs'],
  // Secrets Manager: the PostgreSQL sink's URL (read only when the sink is PostgreSQL).
  'close-worker': ['client-dynamodb', 'client-secrets-manager', 'client-timestream-write'],
  query: ['client-dynamodb', 'client-secrets-manager', 'client-timestream-query'],
  authorizer: ['client-dynamodb'],
};

const BUDGET_BYTES: Record<FunctionName, number> = {
  ingest: 720_000,
  planner: 640_000,
  'close-worker': 750_000,
  query: 780_000,
  authorizer: 550_000,
};

let dir: string;
const bundles = new Map<FunctionName, Bundle>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'windrow-bundles-test-'));
  for (const name of FUNCTION_NAMES) bundles.set(name, await bundleFunction(name, dir));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it.each(FUNCTION_NAMES)('%s carries only the AWS SDK clients it uses', (name) => {
    expect(bundles.get(name)?.sdkClients).toEqual(CLIENTS[name]);
  });

  it.each(FUNCTION_NAMES)(
    '%s carries the PostgreSQL client only if it is the close worker or query',
    (name) => {
      expect(bundles.get(name)?.packages.includes('postgres')).toBe(
        name === 'close-worker' || name === 'query',
      );
    },
  );

  it.each(FUNCTION_NAMES)('%s stays within its size budget', (name) => {
    const bundle = bundles.get(name);
    expect(bundle?.bytes).toBeGreaterThan(0);
    expect(bundle?.bytes, `${name}: ${bundle?.bytes} bytes`).toBeLessThanOrEqual(BUDGET_BYTES[name]);
  });

  it('are built with the options NodejsFunction is given', () => {
    const options = windrowEsbuildOptions('ingest');
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      format: WINDROW_BUNDLING.format,
      target: WINDROW_BUNDLING.target,
      minify: WINDROW_BUNDLING.minify,
      sourcemap: WINDROW_BUNDLING.sourceMap,
      sourcesContent: WINDROW_BUNDLING.sourcesContent,
      banner: { js: WINDROW_BUNDLING.banner },
      mainFields: WINDROW_BUNDLING.mainFields,
      external: WINDROW_BUNDLING.externalModules,
    });
    expect(WINDROW_BUNDLING).toMatchObject({
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
    });
  });

  it('reads the SDK clients from the metafile inputs', () => {
    const inputs = {
      'node_modules/@aws-sdk/client-sqs/dist-es/index.js': { bytes: 1, imports: [] },
      'node_modules/@aws-sdk/client-dynamodb/dist-es/commands/QueryCommand.js': { bytes: 1, imports: [] },
      'node_modules/@aws-sdk/core/dist-es/index.js': { bytes: 1, imports: [] },
      'lib/adapters/sqs/close-queue.ts': { bytes: 1, imports: [] },
    };
    expect(sdkClients({ inputs, outputs: {} })).toEqual(['client-dynamodb', 'client-sqs']);
  });
});
