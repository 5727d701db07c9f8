import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  npmInstallClosure,
  npmLockCommands,
  npmWorkspaces,
  parseNpmLock,
} from '../../../../src/build-types/node/lockfile-npm.js';

const lock = (packages: Record<string, unknown>) => JSON.stringify({ lockfileVersion: 3, packages });

describe('npm lock files', () => {
  it('refuses npm 6 lock files, naming the file and how to rewrite it', () => {
    assert.throws(
      () => parseNpmLock(JSON.stringify({ lockfileVersion: 1, dependencies: {} }), 'api/package-lock.json'),
      /api\/package-lock.json: lockfileVersion: lockfileVersion 1 has no "packages" map .*\(hint: rewrite it with npm 7 or later: npm install --package-lock-only\)/,
    );
    assert.throws(() => parseNpmLock('{', 'package-lock.json'), /package-lock.json: not valid JSON/);
    assert.throws(
      () => parseNpmLock('null', 'package-lock.json'),
      /package-lock.json: must be a JSON object/,
    );
  });

  it("follows Node's lookup: a nested version first, then the hoisted one", () => {
    const l = parseNpmLock(
      lock({
        '': { dependencies: { a: '^1', b: '^1' } },
        'node_modules/a': { version: '1.0.0', dependencies: { b: '^2', c: '^1' } },
        'node_modules/a/node_modules/b': { version: '2.0.0' },
        'node_modules/b': { version: '1.0.0' },
        'node_modules/c': { version: '1.0.0', optionalDependencies: { gone: '^1' } },
        'node_modules/unused': { version: '1.0.0' },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      npmInstallClosure(l, '', false).map((p) => `${p.path}@${p.version}`),
      [
        'node_modules/a@1.0.0',
        'node_modules/a/node_modules/b@2.0.0',
        'node_modules/b@1.0.0',
        'node_modules/c@1.0.0',
      ],
    );
  });

  it('lists workspaces by name and folder, and names a dependency the lock file lacks', () => {
    const l = parseNpmLock(
      lock({
        '': { workspaces: ['packages/*'] },
        'node_modules/lib': { resolved: 'packages/lib', link: true },
        'packages/lib': { name: 'lib', version: '1.0.0', dependencies: { missing: '^1' } },
      }),
      'package-lock.json',
    );
    assert.deepEqual([...npmWorkspaces(l)], [['lib', 'packages/lib']]);
    assert.throws(
      () => npmInstallClosure(l, 'packages/lib', false),
      /"packages\/lib" depends on missing, which the lock file does not hold/,
    );
    assert.throws(() => npmInstallClosure(l, 'packages/api', false), /has no entry for "packages\/api"/);
  });

  it('installs without a peer the lock file lacks, as npm ci does (a lock written with legacy-peer-deps)', () => {
    const l = parseNpmLock(
      lock({
        '': { dependencies: { 'slick-carousel': '^1' } },
        'node_modules/slick-carousel': { version: '1.8.1', peerDependencies: { jquery: '>=1.8.0' } },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      npmInstallClosure(l, '', false).map((p) => p.path),
      ['node_modules/slick-carousel'],
    );
  });

  it('does not look in the lock file for what a package bundles in its tarball', () => {
    const l = parseNpmLock(
      lock({
        '': { dependencies: { oxide: '^1' } },
        'node_modules/oxide': {
          version: '1.0.0',
          optional: true,
          dependencies: { '@emnapi/core': '^1', tslib: '^2' },
          bundleDependencies: ['@emnapi/core'],
        },
        'node_modules/tslib': { version: '2.8.1' },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      npmInstallClosure(l, '', false).map((p) => p.path),
      ['node_modules/oxide', 'node_modules/tslib'],
    );
  });

  it("names each package's commands, a string bin after the package, the first of a name kept", () => {
    const l = parseNpmLock(
      lock({
        '': { bin: { mine: 'cli.js' } },
        'node_modules/@nestjs/cli': { version: '10.0.0', bin: { nest: 'bin/nest.js' } },
        'node_modules/@scope/tool': { version: '1.0.0', bin: 'cli.js' },
        'node_modules/typescript': { version: '5.0.0', bin: { tsc: 'bin/tsc', tsserver: 'bin/tsserver' } },
        'node_modules/a/node_modules/typescript': { version: '4.0.0', bin: { tsc: 'bin/tsc' } },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      [...npmLockCommands(l)],
      [
        ['nest', '@nestjs/cli'],
        ['tool', '@scope/tool'],
        ['tsc', 'typescript'],
        ['tsserver', 'typescript'],
      ],
    );
    assert.deepEqual(
      [
        ...npmLockCommands(
          l,
          new Set(['node_modules/a/node_modules/typescript', 'node_modules/@scope/tool']),
        ),
      ],
      [
        ['tool', '@scope/tool'],
        ['tsc', 'typescript'],
      ],
      'only the packages at the paths given',
    );
  });
});
