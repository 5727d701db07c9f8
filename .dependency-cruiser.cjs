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
      name: 'spec-only-core',
      severity: 'error',
      from: { path: '^src/spec/' },
      to: { path: '^src/(?!core/|spec/)' },
    },
    {
      name: 'graph-stamp-only-core',
      severity: 'error',
      from: { path: '^src/build/(graph|stamp)/' },
      to: { path: '^src/(?!core/)', pathNot: '^src/build/$1/' },
    },
    {
      name: 'build-subfolders-not-siblings',
      comment: 'each build/* subfolder imports core and spec only; build/run-build.ts composes them',
      severity: 'error',
      from: { path: '^src/build/([^/]+)/' },
      to: { path: '^src/build/', pathNot: ['^src/build/$1/'] },
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
      from: { path: '^src/build/' },
      to: { path: '^src/deploy/' },
    },
    {
      name: 'deploy-not-build',
      severity: 'error',
      from: { path: '^src/deploy/' },
      to: { path: '^src/build/' },
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
