import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ignoredScriptsWarning,
  installedInstallScripts,
  lockedInstallScripts,
} from '../../../../src/build-types/node/install-scripts.js';
import { npmInstallClosure, parseNpmLock } from '../../../../src/build-types/node/lockfile-npm.js';
import { parsePnpmLock, pnpmInstallClosure } from '../../../../src/build-types/node/lockfile-pnpm.js';
import { readFileSync } from 'node:fs';
import { folderEntries } from '../../../../src/builder/oci/layer-entries.js';
import { NodeProjectRepo, runPackageManager } from '../../../helpers/node-project-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../../../helpers/npm-registry.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { workspacePackages } from '../../../helpers/two-service-workspaces.js';

let registry: NpmRegistry;
let dir: string;

before(async () => {
  registry = await startNpmRegistry();
  await registry.publish(workspacePackages());
  dir = await tempDir('tci-install-scripts-');
});
after(async () => await registry.stop());

const app = {
  root: {
    dependencies: { 'with-install-script': '1.0.0', 'with-binding-gyp': '1.0.0', 'dep-0002': '^1.0.0' },
  },
};

describe('packages with install scripts', () => {
  it("are named by an npm lock file's hasInstallScript", () => {
    const project = new NodeProjectRepo(join(dir, 'npm'), 'npm', registry.url, join(dir, 'cache-npm'), app);
    const lock = parseNpmLock(
      readFileSync(join(project.dir, 'package-lock.json'), 'utf8'),
      'package-lock.json',
    );
    assert.deepEqual(lockedInstallScripts(npmInstallClosure(lock, '', false)), ['with-install-script@1.0.0']);
  });

  it('are not in a pnpm 10 lock file (version 9 dropped requiresBuild)', () => {
    const project = new NodeProjectRepo(
      join(dir, 'pnpm'),
      'pnpm',
      registry.url,
      join(dir, 'cache-pnpm'),
      app,
    );
    const lock = parsePnpmLock(readFileSync(join(project.dir, 'pnpm-lock.yaml'), 'utf8'), 'pnpm-lock.yaml');
    assert.equal(lock.version, '9.0');
    assert.deepEqual(lockedInstallScripts(pnpmInstallClosure(lock, '', false)), []);
  });

  for (const manager of ['yarn', 'pnpm'] as const) {
    it(`are found in the tree ${manager} installed, a binding.gyp counting as one`, async () => {
      const project = new NodeProjectRepo(
        join(dir, `${manager}-tree`),
        manager,
        registry.url,
        join(dir, `cache-${manager}`),
        app,
      );
      const args = {
        yarn: ['install', '--frozen-lockfile', '--ignore-scripts'],
        pnpm: ['install', '--frozen-lockfile', '--ignore-scripts'],
      };
      runPackageManager(manager, project.dir, args[manager], join(dir, `cache-${manager}`));
      const tree = await folderEntries(join(project.dir, 'node_modules'), 'app/node_modules');
      assert.deepEqual(await installedInstallScripts(tree), [
        'with-binding-gyp@1.0.0',
        'with-install-script@1.0.0',
      ]);
    });
  }

  it('are named in the ignoreScripts warning, at most 20 of them', () => {
    assert.equal(
      ignoredScriptsWarning('api', ['bcrypt@5.1.1']),
      'service "api": ignoreScripts is set, so the install scripts of 1 package will not run: bcrypt@5.1.1; ' +
        'a package that builds a file it loads (a native module) will fail when it is required',
    );
    const many = Array.from({ length: 23 }, (_, i) => `p${i}@1.0.0`);
    assert.match(
      ignoredScriptsWarning('api', many),
      /of 23 packages will not run: p0@1.0.0, .*p19@1.0.0 and 3 more;/,
    );
  });
});
