import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isFullSha,
  lsRemotePatterns,
  parseLsRemote,
  pickRef,
} from '../../../../src/builder/sources/ls-remote.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);

const listing = parseLsRemote(
  [
    `${A}\tHEAD`,
    `${A}\trefs/heads/main`,
    `${B}\trefs/heads/v1`,
    `${C}\trefs/tags/v1`,
    `${D}\trefs/tags/v1^{}`,
    `${B}\trefs/tags/light`,
    '',
  ].join('\n'),
);

test('a full 40-hex sha is used as it is; short or upper-case ones are ref names', () => {
  assert.equal(isFullSha(A), true);
  assert.equal(isFullSha('abc123'), false);
  assert.equal(isFullSha(A.toUpperCase()), false);
});

test('no ref means the remote default branch', () => {
  assert.equal(pickRef(listing, undefined), A);
  assert.equal(pickRef(listing, 'HEAD'), A);
});

test('an annotated tag resolves to its commit, not the tag object', () => {
  assert.equal(pickRef(listing, 'v1'), D);
  assert.equal(pickRef(listing, 'refs/tags/v1'), D);
});

test('tags win over branches of the same name, as in git itself', () => {
  assert.equal(pickRef(listing, 'v1'), D);
  assert.equal(pickRef(listing, 'refs/heads/v1'), B);
});

test('branches and lightweight tags resolve; unknown refs do not', () => {
  assert.equal(pickRef(listing, 'main'), A);
  assert.equal(pickRef(listing, 'light'), B);
  assert.equal(pickRef(listing, 'gone'), undefined);
});

test('one ls-remote asks for every named ref, its peeled form, and HEAD once', () => {
  assert.deepEqual(lsRemotePatterns(['main', undefined, A, 'v1', 'main', 'HEAD']), [
    'main',
    'main^{}',
    'HEAD',
    'v1',
    'v1^{}',
  ]);
  assert.deepEqual(lsRemotePatterns([A, B]), []);
});
