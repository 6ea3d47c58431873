/** Entry of `npx windrow` (lib/local/windrow.mjs) and `npm run demo`. */
import { ConfigError } from '../core/errors.js';
import { CliError, runCli } from './cli.js';

runCli(process.argv.slice(2), { out: (t) => console.log(t), fetch, env: process.env }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof CliError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`windrow: ${(error as Error).message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
