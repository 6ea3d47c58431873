/**
 * Import rules of the layers (DESIGN.md §2), checked by `npm run lint`:
 *
 *   core  ←  app  ←  adapters (outbound: dynamodb, timestream, sqs, …; inbound: http)  ←  composition, entries
 *
 * - core (`lib/core`): pure; imports core only, a few Node built-ins and pure libraries.
 * - app (`lib/app`): use cases and the ports they need; imports core and `node:crypto` only.
 * - outbound adapters (`lib/adapters/<name>/`, all but `http` and `shared`): implement app ports;
 *   import core, the app's port modules, `lib/adapters/shared/` and `lib/adapters/*.ts`; never
 *   another adapter.
 * - inbound adapter (`lib/adapters/http/`): HTTP events in, responses out; calls use cases.
 * - composition (`lib/compose/`; `lib/composition/`, `lib/wiring/` would count too) and the entries
 *   (`functions/*`, the local runner `lib/local`): compose everything; nothing but tests imports an
 *   entry.
 * - dashboard (`lib/dashboard`): imports only the query types.
 * - infra (`infra/`): the CDK app; imports the configuration, table definitions, the dashboard build.
 * - test: anything.
 *
 * The rules are written per layer, by path pattern, so a new adapter or composition module falls
 * under them without an edit here. Exceptions are single edges in `KNOWN_VIOLATIONS` below, each
 * with the issue that removes it.
 */

/** Paths inside the repository (as opposed to packages and Node built-ins). */
const OURS = '^(lib|functions|infra|test)/';
const NPM = '^node_modules/';

/** Adapters that are not outbound: the inbound HTTP adapter and the adapters' shared helpers. */
const NOT_OUTBOUND = '^lib/adapters/(http|shared)/';
/** What every adapter may use besides core and app: `lib/adapters/shared/` and `lib/adapters/*.ts`. */
const ADAPTERS_NEUTRAL = '^lib/adapters/(shared/|[^/]+$)';
/** The app modules that are ports or types an adapter implements or exchanges. */
const APP_PORTS = [
  '^lib/app/ports\\.ts$',
  '^lib/app/[a-z/-]*[/-]ports\\.ts$',
  '^lib/app/errors\\.ts$',
  '^lib/app/results\\.ts$',
  '^lib/app/auth/api-keys\\.ts$',
];
const COMPOSITION = '^lib/(compose|composition|wiring)/';
const ENTRIES = '^(functions/|lib/local/)';

/**
 * Edges that break a rule today and are being removed: each one edge (`from` → `to`, paths as
 * depcruise prints them) with its rule and, in `comment`, the issue that removes it. depcruise
 * reports them as known instead of failing; delete an entry when its edge is gone. Never a pattern.
 *
 * @example
 * { type: 'dependency', from: 'lib/local/stack.ts', to: 'functions/ingest/compose.ts',
 *   rule: { name: 'nothing-imports-a-lambda-entry', severity: 'error' },
 *   comment: 'issue 12 item 2: the local runner composes through lib/compose' }
 */
const KNOWN_VIOLATIONS = [];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles anywhere (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-core',
      severity: 'error',
      comment: 'lib/core imports nothing of app, adapters, composition, entries, dashboard, infra or tests.',
      from: { path: '^lib/core/' },
      to: { path: OURS, pathNot: '^lib/core/' },
    },
    {
      name: 'core-pure-packages',
      severity: 'error',
      comment:
        'lib/core depends on no platform (no AWS SDK, aws-lambda, middy, powertools): only the pure ' +
        'libraries and Node built-ins listed here. Adding one is a design decision: add it here.',
      from: { path: '^lib/core/' },
      to: { path: NPM, pathNot: '^node_modules/fzstd/' },
    },
    {
      name: 'core-builtins',
      severity: 'error',
      comment: 'lib/core uses no Node built-in but zlib (OTLP body decoding): no I/O, no clock, no network.',
      from: { path: '^lib/core/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?zlib$' },
    },
    {
      name: 'app-imports-core',
      severity: 'error',
      comment:
        'lib/app (use cases and ports) imports core and itself only: never an adapter, the ' +
        'composition, an entry, the dashboard, infra or tests.',
      from: { path: '^lib/app/' },
      to: { path: OURS, pathNot: '^lib/(app|core)/' },
    },
    {
      name: 'app-no-packages',
      severity: 'error',
      comment:
        'lib/app speaks use-case types only: no package (no AWS SDK, no aws-lambda event types: those ' +
        'belong to the HTTP adapter).',
      from: { path: '^lib/app/' },
      to: { path: NPM },
    },
    {
      name: 'app-builtins',
      severity: 'error',
      comment: 'lib/app uses no Node built-in but crypto (hashes, random ids).',
      from: { path: '^lib/app/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'outbound-adapter-imports-core-and-ports',
      severity: 'error',
      comment:
        'An outbound adapter (lib/adapters/<name>/) implements app ports: it imports core, the app port ' +
        'modules, lib/adapters/shared/ and lib/adapters/*.ts, and its own files. Never another adapter, ' +
        'a use case, the composition, an entry, the dashboard, infra or tests.',
      from: { path: '^lib/adapters/([^/]+)/', pathNot: NOT_OUTBOUND },
      to: {
        path: OURS,
        pathNot: ['^lib/core/', '^lib/adapters/$1/', ADAPTERS_NEUTRAL, ...APP_PORTS],
      },
    },
    {
      name: 'inbound-adapter-calls-use-cases',
      severity: 'error',
      comment:
        'The inbound HTTP adapter (lib/adapters/http/) may call use cases (lib/app) and use core and ' +
        'lib/adapters/shared/; it does not reach outbound adapters, the composition or entries.',
      from: { path: '^lib/adapters/http/' },
      to: { path: OURS, pathNot: ['^lib/(core|app)/', '^lib/adapters/http/', ADAPTERS_NEUTRAL] },
    },
    {
      name: 'shared-adapter-helpers-are-neutral',
      severity: 'error',
      comment: 'lib/adapters/shared/ and lib/adapters/*.ts import core, app ports and each other only.',
      from: { path: ADAPTERS_NEUTRAL },
      to: { path: OURS, pathNot: ['^lib/core/', ADAPTERS_NEUTRAL, ...APP_PORTS] },
    },
    {
      name: 'composition-is-not-an-entry',
      severity: 'error',
      comment: 'The composition (lib/compose, …) is used by the entries, not the other way round.',
      from: { path: COMPOSITION },
      to: { path: ENTRIES },
    },
    {
      name: 'nothing-imports-a-lambda-entry',
      severity: 'error',
      comment:
        'functions/* are entries: only tests import them (the local runner composes through the ' +
        'composition, not through a function’s files).',
      from: { path: OURS, pathNot: '^(test|functions)/' },
      to: { path: '^functions/' },
    },
    {
      name: 'lambda-entries-are-independent',
      severity: 'error',
      comment: 'A function is one entry file over lib/compose: it never imports another function’s files.',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'nothing-imports-the-local-runner',
      severity: 'error',
      comment: 'lib/local is an entry (npm start, the CLI): only tests import it.',
      from: { path: OURS, pathNot: '^(test|lib/local)/' },
      to: { path: '^lib/local/' },
    },
    {
      name: 'dashboard-imports-query-types',
      severity: 'error',
      comment:
        'lib/dashboard (a browser page and its build) imports only the query types ' +
        '(lib/app/query/query.ts, lib/app/query/ports.ts).',
      from: { path: '^lib/dashboard/' },
      to: { path: OURS, pathNot: ['^lib/dashboard/', '^lib/app/query/(query|ports)\\.ts$'] },
    },
    {
      name: 'infra-imports-definitions',
      severity: 'error',
      comment:
        'infra (the CDK app) imports the configuration (lib/core/config/), table definitions ' +
        '(lib/adapters/*/table*.ts) and the dashboard build; Lambda code is bundled by path, not imported.',
      from: { path: '^infra/' },
      to: {
        path: OURS,
        pathNot: [
          '^infra/',
          '^lib/core/config/',
          '^lib/adapters/[^/]+/table[^/]*\\.ts$',
          '^lib/dashboard/(build|generate)\\.ts$',
        ],
      },
    },
    {
      name: 'only-tests-import-tests',
      severity: 'error',
      comment: 'Nothing outside test/ imports test support.',
      from: { path: OURS, pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a typo could otherwise hide an edge from the rules above).',
      from: {},
      to: { couldNotResolve: true, pathNot: 'lib/dashboard/generated/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing is dead (entries and tests aside).',
      from: {
        orphan: true,
        pathNot: ['\\.d\\.ts$', '(^|/)[^/]*-main\\.ts$', '^lib/local/windrow\\.mjs$', '^test/'],
      },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: '^node_modules/' },
    exclude: { path: ['lib/dashboard/generated/', '^cdk\\.out/'] },
    skipAnalysisNotInRules: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    knownViolations: KNOWN_VIOLATIONS,
  },
};
