/** Import boundaries of docs/architecture.md, enforced in `npm run lint`. */
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
      name: 'graph-stamp-only-core',
      severity: 'error',
      from: { path: '^src/builder/(graph|stamp)/' },
      to: { path: '^src/(?!core/)', pathNot: '^src/builder/$1/' },
    },
    {
      name: 'build-subfolders-not-siblings',
      comment: 'each build/* subfolder imports core and spec only; build/run-build.ts composes them',
      severity: 'error',
      from: { path: '^src/builder/([^/]+)/' },
      to: { path: '^src/builder/', pathNot: ['^src/builder/$1/'] },
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
      from: { path: '^src/builder/' },
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
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
