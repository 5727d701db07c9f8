import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '../../../../src/core/events.js';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import { diffResources, emitDiff, type DiffResource } from '../../../../src/deploy/diff/diff-resources.js';

const labels = { before: 'old', after: 'new' };

function cm(name: string, data: Record<string, string>, file = `ConfigMap-${name}.json`): DiffResource {
  return { file, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data } };
}

function secret(fields: Record<string, unknown>): DiffResource {
  return {
    file: 'Secret-s.json',
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, ...fields },
  };
}

test('resources are added, removed, changed or unchanged by group, kind, namespace and name', () => {
  const d = diffResources(
    [cm('a', { k: '1' }), cm('b', { k: '1' }), cm('c', {})],
    [cm('a', { k: '2' }), cm('c', {}), cm('d', {})],
    labels,
  );
  assert.deepEqual(d, {
    unchanged: 1,
    changes: [
      {
        change: 'changed',
        file: 'ConfigMap-a.json',
        apiVersion: 'v1',
        resourceKind: 'ConfigMap',
        namespace: 'ns',
        name: 'a',
        fields: [{ path: 'data.k', change: 'changed', old: '1', new: '2' }],
      },
      {
        change: 'removed',
        file: 'ConfigMap-b.json',
        apiVersion: 'v1',
        resourceKind: 'ConfigMap',
        namespace: 'ns',
        name: 'b',
      },
      {
        change: 'added',
        file: 'ConfigMap-d.json',
        apiVersion: 'v1',
        resourceKind: 'ConfigMap',
        namespace: 'ns',
        name: 'd',
      },
    ],
  });
});

test('a new API version of the same group is a change of apiVersion, not a new resource', () => {
  const dep = (apiVersion: string): DiffResource => ({
    file: 'Deployment-web.json',
    object: { apiVersion, kind: 'Deployment', metadata: { name: 'web' } },
  });
  const d = diffResources([dep('apps/v1beta2')], [dep('apps/v1')], labels);
  assert.deepEqual(d.changes[0]?.fields, [
    { path: 'apiVersion', change: 'changed', old: 'apps/v1beta2', new: 'apps/v1' },
  ]);
});

test('a resource that moved to another file is changed, naming both files', () => {
  const d = diffResources([cm('a', {}, 'ConfigMap-old.json')], [cm('a', {})], labels);
  assert.equal(d.changes[0]?.change, 'changed');
  assert.equal(d.changes[0]?.oldFile, 'ConfigMap-old.json');
  assert.deepEqual(d.changes[0]?.fields, []);
});

test('Secret data and stringData: keys added, removed and changed, with no value anywhere', () => {
  const before = secret({
    data: { same: 'c2FtZQ==', changed: 'b2xkLXZhbHVl', gone: 'Z29uZQ==' },
    stringData: { p: 'old-plain' },
  });
  const after = secret({
    data: { same: 'c2FtZQ==', changed: 'bmV3LXZhbHVl', added: 'YWRkZWQ=' },
    stringData: { p: 'new-plain' },
    type: 'Opaque',
  });
  const d = diffResources([before], [after], labels);
  assert.deepEqual(d.changes[0]?.fields, [
    { path: 'type', change: 'added', new: 'Opaque' },
    { path: 'data.changed', change: 'changed', masked: true },
    { path: 'data.gone', change: 'removed', masked: true },
    { path: 'data.added', change: 'added', masked: true },
    { path: 'stringData.p', change: 'changed', masked: true },
  ]);
  const events: Event[] = [];
  emitDiff(d, (e) => events.push(e));
  const text = JSON.stringify(events);
  for (const value of [
    'b2xkLXZhbHVl',
    'bmV3LXZhbHVl',
    'old-value',
    'new-value',
    'old-plain',
    'new-plain',
    'Z29uZQ==',
    'YWRkZWQ=',
  ])
    assert.ok(!text.includes(value), `${value} leaked`);
});

test('a Secret whose data is not a map, or appears whole, is masked as one change', () => {
  const d = diffResources([secret({ data: 'not-a-map' })], [secret({ data: { k: 'dg==' } })], labels);
  assert.deepEqual(d.changes[0]?.fields, [{ path: 'data', change: 'changed', masked: true }]);
  const whole = diffResources([secret({})], [secret({ stringData: { k: 'v' } })], labels);
  assert.deepEqual(whole.changes[0]?.fields, [{ path: 'stringData.k', change: 'added', masked: true }]);
});

test('two files of one side that are the same resource are an error naming both', () => {
  try {
    diffResources([], [cm('a', {}, 'ConfigMap-x.json'), cm('a', {}, 'ConfigMap-y.json')], labels);
    assert.fail('no error');
  } catch (e) {
    assert.ok(isUserError(e));
    assert.equal(
      formatProblem(e.problems[0] ?? { message: '' }),
      'new: ConfigMap-x.json and ConfigMap-y.json are the same resource (ConfigMap ns/a) (hint: each resource must appear once)',
    );
  }
});

test('emitDiff: one event per change, then the counts', () => {
  const events: Event[] = [];
  emitDiff(diffResources([cm('a', {}), cm('b', {})], [cm('b', {}), cm('c', {})], labels), (e) =>
    events.push(e),
  );
  assert.deepEqual(
    events.map((e) => (e.kind === 'diff-resource' ? `${e.change} ${e.file}` : e)),
    [
      'removed ConfigMap-a.json',
      'added ConfigMap-c.json',
      { kind: 'diff-summary', added: 1, removed: 1, changed: 0, unchanged: 1 },
    ],
  );
});
