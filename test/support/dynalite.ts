/** dynalite for integration tests: the local stack's own starter (lib/local/dynalite.ts). */
export { type Dynalite, startDynalite } from '#local/dynalite.js';
