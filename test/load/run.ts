/**
 * `npm run loadtest [-- --duration 10s --clients 8 …]`: runs the load test against a local stack
 * started in this process on loopback, prints the summary, exits 0 on PASS, 1 on FAIL, 2 on bad
 * usage. `--help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { runLoadTest } from './loadtest.js';
import { parseArgs, USAGE, UsageError } from './options.js';
import { formatReport } from './report.js';

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`loadtest: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const report = await runLoadTest(options, (line) => console.log(line));
  console.log(formatReport(report));
  if (options.jsonFile !== undefined) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  return report.pass ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
