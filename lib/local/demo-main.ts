/**
 * `npm run demo:core`: the aggregation core on its own, in memory (see demo.ts): synthetic OTLP
 * through decode, pre-aggregation and 1m → 1h → 1d rollups, printed as tables.
 */
import { parseArgs } from 'node:util';
import { describeConfig, parseConfig } from '../core/config/config.js';
import { WindrowError } from '../core/errors.js';
import { runDemo } from './demo.js';
import { formatNumber, STAT_COLUMNS, statsRow, textTable } from './table.js';

const USAGE = `usage: npm run demo:core -- [--hours N] [--seed N] [--tiers 1m,1h,1d]`;

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      hours: { type: 'string', default: '25' },
      seed: { type: 'string', default: '1' },
      tiers: { type: 'string', default: '1m,1h,1d' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const hours = Number(values.hours);
  const seed = Number(values.seed);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 31)
    throw new WindrowError('--hours must be 1..744');
  if (!Number.isInteger(seed)) throw new WindrowError('--seed must be an integer');
  const config = parseConfig({
    tiers: values.tiers.split(','),
    sink: 'dynamodb',
    correctionHorizon: `${hours + 1}h`,
  });
  // Exports start 7 s past a day boundary, like an SDK whose timer is not aligned to the minute.
  const startMs = Date.UTC(2026, 10, 25) + 7_000;

  console.log(`windrow core demo — configuration: ${JSON.stringify(describeConfig(config))}`);
  const started = performance.now();
  const result = runDemo(config, { startMs, hours, seed });
  const elapsed = performance.now() - started;
  console.log(
    `${result.requests} OTLP/JSON exports from 3 services over ${hours} h: ${result.pointsAccepted} points accepted, ` +
      `${result.pointsRejected} rejected, ${result.series} series, ${result.firstTierStates} ${config.tiers[0]?.name} series-windows ` +
      `averaging ${formatNumber(result.firstTierStateBytes / Math.max(1, result.firstTierStates))} bytes of state ` +
      `(${formatNumber(elapsed)} ms)\n`,
  );

  const shown = result.results.filter(
    (r) =>
      r.resource.includes('service.name=api') && (r.attributes === '' || r.attributes.includes('/orders')),
  );
  for (const series of shown) {
    console.log(`■ ${series.metric}  {${series.resource}}  {${series.attributes}}`);
    for (const [index, tier] of config.tiers.entries()) {
      const rows = series.tiers[tier.name] ?? [];
      const last = index === 0 ? rows.slice(-5) : index === 1 ? rows.slice(-6) : rows;
      const label = index < 2 ? `${tier.name} (last ${last.length} of ${rows.length})` : tier.name;
      console.log(
        textTable(
          [label, ...STAT_COLUMNS],
          last.map((r) =>
            statsRow(new Date(r.startMs).toISOString().slice(0, 16).replace('T', ' '), r.stats),
          ),
        ),
      );
    }
    console.log('');
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof WindrowError || (error instanceof TypeError && 'code' in error)) {
    console.error(`windrow: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}
