/**
 * The layer rules of the design, checked on real imports (TypeScript's own resolution) by
 * `npm run lint` and CI:
 *   functions → shared; services → domain + ports; adapters → ports + SDKs; infra → shared/config;
 *   nothing in shared imports functions or infra; no import cycle; the router, the API and the
 *   portal stand apart (the portal renders the API's views, never its routes): only the composition
 *   roots in functions/local and functions/aws put them together. Only shared/config reads
 *   process.env: Biome's noProcessEnv, in biome.json.
 * One deliberate exception: adapters (the DynamoDB ones) read the table's layout from
 * shared/config/table.ts, which the CDK stack reads too, so the key names live in one place.
 */
const layer = (name, from, allowed) => ({
  name,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: '^(shared|functions|infra)/', pathNot: allowed.map((a) => `^${a}/`) },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('domain-is-pure', 'shared/domain', ['shared/domain']),
    layer('ports-on-domain', 'shared/ports', ['shared/domain', 'shared/ports']),
    layer('config-on-domain', 'shared/config', ['shared/config', 'shared/domain']),
    layer('services-on-domain-and-ports', 'shared/services', ['shared/services', 'shared/domain', 'shared/ports']),
    layer('adapters-on-ports', 'shared/adapters', [
      'shared/adapters',
      'shared/domain',
      'shared/ports',
      'shared/config',
    ]),
    layer('functions-on-shared', 'functions', ['functions', 'shared']),
    layer('infra-on-config', 'infra', ['infra', 'shared/config']),
    {
      name: 'no-cdk-at-runtime',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { path: '(^|/)node_modules/(aws-cdk-lib|constructs|cdk-nag)/' },
    },
    // The router stands alone: only composition roots (functions/local, functions/aws) compose it with the API and the portal.
    {
      name: 'router-alone',
      severity: 'error',
      from: { path: '^functions/router/' },
      to: { path: '^functions/(api|portal|local|aws)/' },
    },
    // The API stands without the pages and the router that sit beside it.
    {
      name: 'api-alone',
      severity: 'error',
      from: { path: '^functions/api/' },
      to: { path: '^functions/(router|portal|local|aws)/' },
    },
    // The portal renders the API's views (functions/api/views) and never reaches into its routes or its app.
    {
      name: 'portal-uses-views-not-routes',
      severity: 'error',
      from: { path: '^functions/portal/' },
      to: { path: '^functions/(api/(routes/|app\\.ts|events-app\\.ts|openapi\\.ts)|router/)' },
    },
    // Nothing composes the composition roots.
    {
      name: 'roots-are-roots',
      severity: 'error',
      from: { path: '^functions/(api|router|portal|http)/' },
      to: { path: '^functions/(local|aws)/' },
    },
    {
      name: 'no-test-code-in-the-product',
      severity: 'error',
      from: { path: '^(shared|functions|infra)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|cdk\\.out|test/\\.artifacts)' },
  },
};
