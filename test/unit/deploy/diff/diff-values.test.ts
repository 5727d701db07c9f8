import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffValues } from '../../../../src/deploy/diff/diff-values.js';

test('equal values give no changes', () => {
  assert.deepEqual(diffValues({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), []);
});

test('maps: added, removed and changed keys, with dotted paths and quoted odd keys', () => {
  assert.deepEqual(
    diffValues(
      { metadata: { labels: { 'app.kubernetes.io/name': 'a', gone: 'x' } }, spec: { replicas: 1 } },
      { metadata: { labels: { 'app.kubernetes.io/name': 'b', new: 'y' } }, spec: { replicas: 2 } },
    ),
    [
      { path: 'metadata.labels["app.kubernetes.io/name"]', change: 'changed', old: 'a', new: 'b' },
      { path: 'metadata.labels.gone', change: 'removed', old: 'x' },
      { path: 'metadata.labels.new', change: 'added', new: 'y' },
      { path: 'spec.replicas', change: 'changed', old: 1, new: 2 },
    ],
  );
});

test('lists of distinctly named items are matched by name: an insertion does not shift the paths', () => {
  const before = {
    env: [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ],
  };
  const after = {
    env: [
      { name: 'NEW', value: '0' },
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
    ],
  };
  assert.deepEqual(diffValues(before, after), [
    { path: 'env[name=B].value', change: 'changed', old: '2', new: '3' },
    { path: 'env[name=NEW]', change: 'added', new: { name: 'NEW', value: '0' } },
  ]);
});

test('a named item removed, and a change of order, are both reported', () => {
  const before = { ports: [{ name: 'http' }, { name: 'https' }, { name: 'metrics' }] };
  const after = { ports: [{ name: 'https' }, { name: 'http' }] };
  assert.deepEqual(diffValues(before, after), [
    { path: 'ports[name=metrics]', change: 'removed', old: { name: 'metrics' } },
    { path: 'ports', change: 'reordered', old: ['http', 'https'], new: ['https', 'http'] },
  ]);
});

test('names that are not plain words are quoted in the path', () => {
  assert.deepEqual(diffValues([{ name: 'a b', v: 1 }], [{ name: 'a b', v: 2 }]), [
    { path: '[name="a b"].v', change: 'changed', old: 1, new: 2 },
  ]);
});

test('an empty list becoming a named one still uses names', () => {
  assert.deepEqual(diffValues({ env: [] }, { env: [{ name: 'A', value: '1' }] }), [
    { path: 'env[name=A]', change: 'added', new: { name: 'A', value: '1' } },
  ]);
});

test('lists without distinct names (repeated names, plain values) are compared by index', () => {
  assert.deepEqual(
    diffValues(
      {
        mounts: [
          { name: 'v', mountPath: '/a' },
          { name: 'v', mountPath: '/b' },
        ],
        args: ['x', 'y'],
      },
      {
        mounts: [
          { name: 'v', mountPath: '/a' },
          { name: 'v', mountPath: '/c' },
        ],
        args: ['x'],
      },
    ),
    [
      { path: 'mounts[1].mountPath', change: 'changed', old: '/b', new: '/c' },
      { path: 'args[1]', change: 'removed', old: 'y' },
    ],
  );
});

test('a change of type is a change of the whole value', () => {
  assert.deepEqual(diffValues({ a: { b: 1 } }, { a: [1] }), [
    { path: 'a', change: 'changed', old: { b: 1 }, new: [1] },
  ]);
});
