import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../../src/core/user-error.js';
import { parseYarnLock, yarnInstallClosure } from '../../../../src/build-types/node/lockfile-yarn.js';

const YARN1 = `# yarn lockfile v1


a@^1.0.0, a@^1.1.0:
  version "1.2.0"
  resolved "http://r/a-1.2.0.tgz#abc"
  integrity sha512-a
  dependencies:
    b "^2.0.0"

b@^2.0.0:
  version "2.0.1"
  resolved "http://r/b-2.0.1.tgz#def"
  integrity sha512-b
`;

describe('Yarn 1 lock files', () => {
  it('give one entry per version, reached through any of its ranges', () => {
    const lock = parseYarnLock(YARN1, 'yarn.lock');
    const closure = yarnInstallClosure(lock, [{ dependencies: { a: '^1.1.0' } }], new Map(), false);
    assert.deepEqual(
      closure.map((p) => `${p.name}@${p.version} ${p.integrity}`),
      ['a@1.2.0 sha512-a', 'b@2.0.1 sha512-b'],
    );
  });

  it('link a workspace whose version the range allows, and name a range the lock file lacks', () => {
    const lock = parseYarnLock(YARN1, 'yarn.lock');
    const lib = { dir: 'packages/lib', manifest: { name: 'lib', version: '1.0.0' } };
    const closure = yarnInstallClosure(
      lock,
      [{ dependencies: { lib: '^1.0.0' } }],
      new Map([['lib', lib]]),
      false,
    );
    assert.deepEqual(closure, [
      { path: 'packages/lib', name: 'lib', version: '', resolved: 'packages/lib', integrity: '', link: true },
    ]);
    assert.throws(
      () => yarnInstallClosure(lock, [{ dependencies: { lib: '^2.0.0' } }], new Map([['lib', lib]]), false),
      /yarn.lock: has no entry for lib@\^2.0.0 \(hint: run yarn install/,
    );
  });

  it('refuses a file it cannot read as a lock file, naming it', () => {
    assert.throws(
      () => parseYarnLock('lib@^1.0.0:\n  version {\n', 'api/yarn.lock'),
      (e: unknown) =>
        e instanceof UserError && /^api\/yarn.lock: not a valid Yarn 1 lock file: /.test(e.message),
    );
  });
});
