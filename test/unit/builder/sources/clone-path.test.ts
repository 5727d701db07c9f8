import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clonePathFor } from '../../../../src/builder/sources/clone-path.js';

test('one clone per distinct URL, named readably under <base>/git', () => {
  const a = clonePathFor('/base', 'https://github.com/taskcluster/taskcluster-queue.git');
  assert.match(a, /^\/base\/git\/taskcluster-queue-[0-9a-f]{16}$/);
  assert.equal(a, clonePathFor('/base', 'https://github.com/taskcluster/taskcluster-queue.git'));
  assert.notEqual(a, clonePathFor('/base', 'https://example.com/taskcluster/taskcluster-queue.git'));
  assert.match(clonePathFor('/base', 'git@github.com:org/repo'), /\/git\/repo-[0-9a-f]{16}$/);
  assert.match(clonePathFor('/base', '/srv/git/'), /\/git\/git-[0-9a-f]{16}$/);
});
