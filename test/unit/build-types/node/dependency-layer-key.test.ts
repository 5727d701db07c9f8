import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dependencyLayerKey,
  type DependencyLayerInputs,
} from '../../../../src/build-types/node/dependency-layer-key.js';

const inputs: DependencyLayerInputs = {
  stepVersion: 'node-deps-1',
  manager: 'npm',
  installImage: 'sha256:' + 'a'.repeat(64),
  runtime: '20.20.2 glibc',
  platform: 'linux/amd64',
  workspace: 'services/api',
  locked: [
    {
      path: 'node_modules/x',
      name: 'x',
      version: '1.0.0',
      resolved: 'http://r/x-1.0.0.tgz',
      integrity: 'sha512-x',
    },
    { path: 'packages/lib', name: 'lib', version: '', resolved: 'packages/lib', integrity: '', link: true },
  ],
  installFiles: { 'package.json': '1'.repeat(40), 'services/api/package.json': '2'.repeat(40) },
  ignoreScripts: false,
  env: { NODE_OPTIONS: '--max-old-space-size=2048' },
};

describe('dependencyLayerKey', () => {
  it('is the same for the same inputs, whatever the order of object keys', () => {
    const reordered = {
      ...inputs,
      installFiles: { 'services/api/package.json': '2'.repeat(40), 'package.json': '1'.repeat(40) },
    };
    assert.equal(dependencyLayerKey(reordered), dependencyLayerKey(inputs));
    assert.match(dependencyLayerKey(inputs), /^[0-9a-f]{32}$/);
  });

  const changes: Array<[string, Partial<DependencyLayerInputs>]> = [
    ['the step version', { stepVersion: 'node-deps-2' }],
    ['the package manager', { manager: 'pnpm' }],
    ['the install image', { installImage: 'sha256:' + 'b'.repeat(64) }],
    ['the run time (Node.js version, libc)', { runtime: '20.20.2 musl' }],
    ['the platform', { platform: 'linux/arm64' }],
    ['the workspace', { workspace: 'services/web' }],
    ['a locked version', { locked: [{ ...inputs.locked[0]!, version: '1.0.1' }, inputs.locked[1]!] }],
    ['a locked integrity', { locked: [{ ...inputs.locked[0]!, integrity: 'sha512-y' }, inputs.locked[1]!] }],
    [
      'a locked package more',
      { locked: [...inputs.locked, { ...inputs.locked[0]!, path: 'node_modules/y', name: 'y' }] },
    ],
    ['a manifest', { installFiles: { ...inputs.installFiles, 'package.json': '3'.repeat(40) } }],
    ['a settings file', { installFiles: { ...inputs.installFiles, '.npmrc': '4'.repeat(40) } }],
    ['ignoreScripts', { ignoreScripts: true }],
    ['an env value', { env: { NODE_OPTIONS: '--max-old-space-size=4096' } }],
  ];
  for (const [what, change] of changes) {
    it(`changes with ${what}`, () => {
      assert.notEqual(dependencyLayerKey({ ...inputs, ...change }), dependencyLayerKey(inputs));
    });
  }
});
