import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityKey, parseResourceId, resourceText } from '../../../../src/deploy/resources/resource-id.js';

test('the id of a resource, with or without a namespace', () => {
  assert.deepEqual(
    parseResourceId({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'tc' },
    }),
    {
      id: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'tc', name: 'web' },
    },
  );
  assert.deepEqual(
    parseResourceId({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tc', namespace: '' } }),
    {
      id: { apiVersion: 'v1', kind: 'Namespace', name: 'tc' },
    },
  );
});

test('every field that is wrong, by its path', () => {
  assert.deepEqual(parseResourceId({ kind: 5, metadata: { namespace: ['x'] } }), {
    problems: [
      { path: 'apiVersion', message: 'is missing' },
      { path: 'kind', message: 'must be a non-empty string, not a number (5)' },
      { path: 'metadata.name', message: 'is missing' },
      { path: 'metadata.namespace', message: 'must be a string, not a list' },
    ],
  });
});

test('one resource whatever its version; named as messages name it', () => {
  const a = { apiVersion: 'extensions/v1beta1', kind: 'Deployment', namespace: 'tc', name: 'web' };
  assert.equal(identityKey(a), identityKey({ ...a, apiVersion: 'extensions/v1' }));
  assert.notEqual(identityKey(a), identityKey({ ...a, apiVersion: 'apps/v1' }));
  assert.equal(resourceText(a), 'Deployment tc/web');
});
