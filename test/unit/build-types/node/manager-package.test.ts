import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { managerPackage } from '../../../../src/build-types/node/manager-package.js';

describe('managerPackage', () => {
  it("pins the version packageManager names for the lock file's manager, without its hash", () => {
    assert.equal(managerPackage('pnpm', 'pnpm@10.26.2+sha512.0123', '9.0'), 'pnpm@10.26.2');
    assert.equal(managerPackage('yarn', 'yarn@1.22.22', undefined), 'yarn@1.22.22');
  });

  it("takes pnpm's major from the lock format when packageManager names no version of it", () => {
    assert.equal(managerPackage('pnpm', undefined, '6.0'), 'pnpm@9');
    assert.equal(managerPackage('pnpm', 'npm@10.8.0', '9.0'), 'pnpm@10');
    assert.equal(managerPackage('pnpm', 'pnpm@https://example.com/pnpm.tgz', '9.0'), 'pnpm@10');
  });

  it('gives Yarn 1, whose lock file the tool reads, for a Berry pin (the npm package yarn is 1.x)', () => {
    assert.equal(managerPackage('yarn', 'yarn@4.5.0', undefined), 'yarn@1');
    assert.equal(managerPackage('yarn', undefined, undefined), 'yarn@1');
  });
});
