import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePnpmLock, pnpmInstallClosure } from '../../../../src/build-types/node/lockfile-pnpm.js';

const V6 = `lockfileVersion: '6.0'
dependencies:
  a:
    specifier: ^1.0.0
    version: 1.0.0(b@2.0.0)
packages:
  /a@1.0.0(b@2.0.0):
    resolution: {integrity: sha512-a}
    requiresBuild: true
    dependencies:
      b: 2.0.0
  /b@2.0.0:
    resolution: {integrity: sha512-b}
`;

describe('pnpm lock files', () => {
  it("read pnpm 8's version 6 with its peer suffixes and requiresBuild", () => {
    const closure = pnpmInstallClosure(parsePnpmLock(V6, 'pnpm-lock.yaml'), '', false);
    assert.deepEqual(
      closure.map((p) => [p.path, p.name, p.version, p.integrity, p.hasInstallScript === true]),
      [
        ['a@1.0.0(b@2.0.0)', 'a', '1.0.0', 'sha512-a', true],
        ['b@2.0.0', 'b', '2.0.0', 'sha512-b', false],
      ],
    );
  });

  it('refuse a version they do not know, naming the field', () => {
    assert.throws(
      () => parsePnpmLock("lockfileVersion: '5.4'\n", 'pnpm-lock.yaml'),
      /pnpm-lock.yaml: lockfileVersion: lockfileVersion 5.4 is not supported/,
    );
  });
});
