/**
 * Builds the dashboard: `app.ts` (and uPlot) bundled by esbuild into one minified script, and the
 * page with uPlot's stylesheet inline. Used by the local stack (on the first request for the page)
 * and by `npm run build:dashboard`, which writes the result for the query Lambda, so that the
 * function never needs esbuild at runtime.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { renderPage } from './page.js';
import type { DashboardAssets } from './types.js';

let cached: DashboardAssets | undefined;

/**
 * The page and script, built once per process (about 100 ms) and cached.
 *
 * @example const { html, js } = buildDashboard();
 */
export function buildDashboard(): DashboardAssets {
  cached ??= build();
  return cached;
}

function build(): DashboardAssets {
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL('./app.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    // uPlot is MIT: its licence comment stays with it.
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild returned no output for the dashboard');
  const require = createRequire(import.meta.url);
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { html: renderPage(css), js };
}
