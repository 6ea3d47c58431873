#!/usr/bin/env node
// `npx windrow …` (see lib/local/cli.ts). The CLI is TypeScript run through tsx, like `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('./cli-main.ts');
