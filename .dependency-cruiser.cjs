/**
 * Import boundaries of docs/architecture.md, enforced in `npm run lint`: layers, each importing
 * only the layers below it.
 *
 *   core  <-  inputs  <-  build-types  <-  builder  <-  cli
 *                                       (deploy beside builder; the two never import each other)
 *
 * Inside builder/: the services (graph, state, sources, registry, engines, oci) import no other
 * builder folder; containers may use engines and oci; producers use the services and containers;
 * plan uses producers; execute uses plan; run-build.ts composes them all.
 */
const BUILDER_SERVICES = '(graph|state|sources|registry|engines|oci)';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-imports-nothing',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'inputs-only-core',
      severity: 'error',
      from: { path: '^src/inputs/' },
      to: { path: '^src/(?!core/|inputs/)' },
    },
    {
      name: 'build-types-only-inputs',
      comment: 'a build type gets what it needs of the builder through the context it is handed',
      severity: 'error',
      from: { path: '^src/build-types/' },
      to: { path: '^src/(?!core/|inputs/|build-types/)' },
    },
    {
      name: 'builder-services-only-inputs',
      severity: 'error',
      from: { path: `^src/builder/${BUILDER_SERVICES}/` },
      to: { path: '^src/', pathNot: ['^src/(core|inputs)/', '^src/builder/$1/'] },
    },
    {
      name: 'containers-only-engines-and-oci',
      comment: 'a step runs on an engine; what it leaves becomes layer entries (oci)',
      severity: 'error',
      from: { path: '^src/builder/containers/' },
      to: { path: '^src/builder/', pathNot: [`^src/builder/(containers|engines|oci)/`] },
    },
    {
      name: 'producers-below-plan',
      severity: 'error',
      from: { path: '^src/builder/producers/' },
      to: { path: '^src/builder/(plan/|execute/|[^/]+$)' },
    },
    {
      name: 'plan-below-execute',
      severity: 'error',
      from: { path: '^src/builder/plan/' },
      to: { path: '^src/builder/(execute/|[^/]+$)' },
    },
    {
      name: 'execute-below-run-build',
      severity: 'error',
      from: { path: '^src/builder/execute/' },
      to: { path: '^src/builder/[^/]+$' },
    },
    {
      name: 'deploy-subfolders-as-layers',
      comment:
        'deploy/resources (the one resource identity, checks) imports no other deploy folder; deploy/cluster (the API client) only resources; every other subfolder those two and itself; the top-level files compose',
      severity: 'error',
      from: { path: '^src/deploy/([^/]+)/', pathNot: '^src/deploy/(resources|cluster)/' },
      to: { path: '^src/deploy/', pathNot: ['^src/deploy/$1/', '^src/deploy/(resources|cluster)/'] },
    },
    {
      name: 'deploy-cluster-only-resources',
      severity: 'error',
      from: { path: '^src/deploy/cluster/' },
      to: { path: '^src/deploy/', pathNot: ['^src/deploy/(cluster|resources)/'] },
    },
    {
      name: 'deploy-resources-no-other-deploy-folder',
      severity: 'error',
      from: { path: '^src/deploy/resources/' },
      to: { path: '^src/deploy/', pathNot: ['^src/deploy/resources/'] },
    },
    {
      name: 'build-not-deploy',
      severity: 'error',
      from: { path: '^src/(builder|build-types)/' },
      to: { path: '^src/deploy/' },
    },
    {
      name: 'deploy-not-build',
      severity: 'error',
      from: { path: '^src/deploy/' },
      to: { path: '^src/builder/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { path: '^src/(?!cli/)' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
