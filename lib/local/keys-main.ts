/** Entry of `npm run keys`. */
import { KeyManagementError } from '../app/auth/manage-keys.js';
import { runKeysCli } from './keys-cli.js';

runKeysCli(process.argv.slice(2), (t) => console.log(t)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof KeyManagementError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`windrow keys: ${(error as Error).message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
