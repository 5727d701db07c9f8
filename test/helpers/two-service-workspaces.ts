import type { PackageManager } from '../../src/build-types/node/package-manager.js';
import { generatePackageSet, type GeneratedPackage } from './generated-packages.js';
import type { NodeProjectLayout } from './node-project-repo.js';
import { scriptPackages } from './script-packages.js';

/** The registry packages the layout below depends on: `dep-0000`…`dep-0019` and the script packages. */
export function workspacePackages(): GeneratedPackage[] {
  return [...generatePackageSet({ count: 20, filesPerPackage: 2, prefix: 'dep-' }), ...scriptPackages()];
}

/**
 * A monorepo as real ones are laid out: two services and two shared libraries as workspaces of
 * the repository root. `svc-a` uses `lib`, which uses `util`; `svc-b` uses neither and wants
 * another major version of a package `lib` also uses (so npm and Yarn nest one of them). The root
 * has a production dependency (Yarn 1 installs it for every workspace, npm and pnpm do not) and a
 * dev dependency, and `svc-a` depends on a package with an install script.
 */
export function twoServiceWorkspaces(manager: PackageManager): NodeProjectLayout {
  // pnpm links workspaces only for the workspace: protocol by default; npm and Yarn 1 for a
  // range the workspace's version satisfies.
  const ws = manager === 'pnpm' ? 'workspace:*' : '^1.0.0';
  return {
    root: { dependencies: { 'dep-0006': '^1.0.0' }, devDependencies: { 'dep-0009': '^1.0.0' } },
    workspaces: {
      'packages/util': {
        manifest: { name: 'util', main: 'index.js', dependencies: { 'dep-0005': '^1.0.0' } },
        files: { 'index.js': "module.exports = require('dep-0005');\n" },
      },
      'packages/lib': {
        manifest: {
          name: 'lib',
          main: 'index.js',
          dependencies: { util: ws, 'dep-0001': '^1.0.0', 'dep-0015': '^1.0.0' },
        },
        files: { 'index.js': "module.exports = [require('util'), require('dep-0001')];\n" },
      },
      'services/svc-a': {
        manifest: {
          name: 'svc-a',
          scripts: { start: 'node server.js' },
          dependencies: { lib: ws, 'dep-0002': '^1.0.0', 'with-install-script': '1.0.0' },
          devDependencies: { 'dep-0003': '^1.0.0' },
        },
        files: { 'server.js': "console.log(require('lib'), require('with-install-script'));\n" },
      },
      'services/svc-b': {
        manifest: {
          name: 'svc-b',
          scripts: { start: 'node server.js' },
          dependencies: { 'dep-0004': '^1.0.0', 'dep-0015': '^2.0.0' },
        },
        files: { 'server.js': "console.log(require('dep-0004'));\n" },
      },
    },
  };
}
