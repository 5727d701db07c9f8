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
      name: 'node-build-type-leaves',
      comment:
        'issue 18 phase 1: the node build type modules are leaves (core, inputs, npm packages) until the build-type redesign wires them in',
      severity: 'error',
      from: { path: '^src/build-types/node/' },
      to: { path: '^src/', pathNot: ['^src/(core|inputs)/', '^src/build-types/node/'] },
    },
    {
      name: 'deploy-subfolders-not-siblings',
      severity: 'error',
      from: { path: '^src/deploy/([^/]+)/' },
      to: { path: '^src/deploy/', pathNot: ['^src/deploy/$1/'] },
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
