import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageRef } from '../../../../src/builder/registry/parse-image-ref.js';

const D = 'sha256:' + 'a'.repeat(64);

test('Docker Hub defaults', () => {
  assert.deepEqual(parseImageRef('node:20'), {
    registry: 'docker.io',
    repository: 'library/node',
    tag: '20',
  });
  assert.deepEqual(parseImageRef('node'), { registry: 'docker.io', repository: 'library/node' });
  assert.deepEqual(parseImageRef('heroku/heroku:16-build'), {
    registry: 'docker.io',
    repository: 'heroku/heroku',
    tag: '16-build',
  });
});

test('a first component with a dot, a port or localhost is a registry', () => {
  assert.deepEqual(parseImageRef('127.0.0.1:5000/team/app:SVC-abc'), {
    registry: '127.0.0.1:5000',
    repository: 'team/app',
    tag: 'SVC-abc',
  });
  assert.deepEqual(parseImageRef('localhost/app'), { registry: 'localhost', repository: 'app' });
  assert.deepEqual(parseImageRef('registry.example.com/mirror/node:20'), {
    registry: 'registry.example.com',
    repository: 'mirror/node',
    tag: '20',
  });
});

test('digests, with and without a tag', () => {
  assert.deepEqual(parseImageRef(`reg.io:443/a/b@${D}`), {
    registry: 'reg.io:443',
    repository: 'a/b',
    digest: D,
  });
  assert.deepEqual(parseImageRef(`busybox:1@${D}`), {
    registry: 'docker.io',
    repository: 'library/busybox',
    tag: '1',
    digest: D,
  });
});

test('invalid references are UserErrors naming the reference', () => {
  for (const bad of ['Upper/Case', 'a//b', 'app:', 'app:bad tag', `app@sha256:xyz`, '', '/app', 'a/b:c/d']) {
    assert.throws(
      () => parseImageRef(bad),
      {
        name: 'UserError',
        message: new RegExp(`^invalid image reference "${bad.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}"`),
      },
      bad,
    );
  }
});
