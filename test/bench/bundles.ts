/**
 * The Lambda bundles as deployed: each function's handler bundled with esbuild with the options
 * `NodejsFunction` uses (`windrowEsbuildOptions`, from infra/windrow-function.ts), its size minified
 * and gzipped, the AWS SDK clients in it (from esbuild's metafile inputs), and how long importing it
 * takes in a fresh Node process (median of 5, the module's init as Lambda runs it at a cold start),
 * next to importing an empty module the same way.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName, windrowEsbuildOptions } from '../../infra/windrow-function.js';
import { buildDashboard } from '../../lib/dashboard/build.js';
import { writeDashboardModule } from '../../lib/dashboard/generate.js';
import { type BenchFigure, figure } from './report.js';

const run = promisify(execFile);

export interface Bundle {
  readonly name: FunctionName;
  /** The bundled `index.mjs`. */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** `@aws-sdk/client-*` packages in the bundle, e.g. `client-dynamodb`. */
  readonly sdkClients: readonly string[];
  /** Every npm package with a file in the bundle (`postgres`, `@middy/core`, …), sorted. */
  readonly packages: readonly string[];
}

/** The npm packages whose files esbuild put in a bundle. */
export function bundledPackages(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1] !== undefined) packages.add(match[1]);
  }
  return [...packages].sort();
}

/** The `@aws-sdk/client-*` packages whose files esbuild put in a bundle. */
export function sdkClients(metafile: Metafile): string[] {
  const clients = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1] !== undefined) clients.add(match[1]);
  }
  return [...clients].sort();
}

/** The query function imports the generated dashboard module; build it when it is missing. */
function ensureDashboardModule(): void {
  if (!existsSync(new URL('../../lib/dashboard/generated/assets.ts', import.meta.url))) {
    writeDashboardModule(buildDashboard());
  }
}

/** Bundles `name` into `dir/<name>/index.mjs` (and its source map) as `NodejsFunction` does. */
export async function bundleFunction(name: FunctionName, dir: string): Promise<Bundle> {
  ensureDashboardModule();
  const file = join(dir, name, 'index.mjs');
  const result = await build({
    ...windrowEsbuildOptions(name),
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const code = readFileSync(file);
  return {
    name,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sdkClients: sdkClients(result.metafile),
    packages: bundledPackages(result.metafile),
  };
}

/** What the handlers read at import (cold start): the same variables infra/stack.ts sets. */
export function coldStartEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('AWS_') && !k.startsWith('WINDROW_')) env[k] = v;
  return {
    ...env,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_OPTIONS: '--enable-source-maps',
    WINDROW_CONFIG: '{}',
    WINDROW_STATE_TABLE: 'windrow-state',
    WINDROW_RESULTS_TABLE: 'windrow-results',
    WINDROW_TIMESTREAM_DATABASE: 'windrow',
    WINDROW_CLOSE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/windrow-close',
  };
}

/** Milliseconds `import(file)` takes in a fresh Node process; the median of `runs`. */
export async function coldImportMs(file: string, runs = 5): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: coldStartEnv(),
      timeout: 30_000,
    });
    times.push(Number(stdout.trim().split('\n').at(-1)));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

export async function bundlesBench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'windrow-bundles-'));
  try {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const baseline = await coldImportMs(empty);
    const figures: BenchFigure[] = [];
    for (const name of FUNCTION_NAMES) {
      const b = await bundleFunction(name, dir);
      figures.push(
        figure(`bundle ${name}: minified`, b.bytes, 'bytes'),
        figure(`bundle ${name}: gzipped`, b.gzipBytes, 'bytes'),
        figure(
          `bundle ${name}: AWS SDK clients (${b.sdkClients.join(', ') || 'none'})`,
          b.sdkClients.length,
          'clients',
        ),
        figure(
          `bundle ${name}: cold import, fresh Node (vs an empty module)`,
          await coldImportMs(b.file),
          'ms',
          baseline,
        ),
      );
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await bundlesBench());
}
