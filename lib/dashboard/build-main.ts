/**
 * `npm run build:dashboard` (also run before start, test, typecheck and synth): bundles the
 * dashboard and writes lib/dashboard/generated/assets.ts for the query Lambda.
 */
import { relative } from 'node:path';
import { buildDashboard } from './build.js';
import { writeDashboardModule } from './generate.js';

const out = writeDashboardModule(buildDashboard());
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `dashboard: ${relative(process.cwd(), out.path)} ${out.written ? 'written' : 'up to date'} (page ${kb(out.htmlBytes)}, script ${kb(out.jsBytes)})`,
);
