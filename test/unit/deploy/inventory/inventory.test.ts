import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import {
  inventoryConfigMap,
  mergeEntries,
  parseInventory,
  type InventoryEntry,
} from '../../../../src/deploy/inventory/inventory.js';

const at = { installation: 'prod', namespace: 'ops' };
const web: InventoryEntry = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'apps',
  name: 'web',
  uid: 'u1',
};
const ns: InventoryEntry = { apiVersion: 'v1', kind: 'Namespace', name: 'apps', uid: 'u2' };

function problemsOf(configMap: Record<string, unknown>): string[] {
  try {
    parseInventory(configMap, at);
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return e.problems.map(formatProblem);
  }
  assert.fail('no error');
}

test('an inventory ConfigMap reads back as written, sorted, one resource a line', () => {
  const cm = inventoryConfigMap({ ...at, entries: [web, ns] });
  assert.deepEqual(cm['metadata'], {
    name: 'taskcluster-installer-prod',
    namespace: 'ops',
    labels: {
      'app.kubernetes.io/managed-by': 'taskcluster-installer',
      'taskcluster-installer/installation': 'prod',
    },
  });
  assert.equal(
    (cm['data'] as Record<string, string>)['inventory.json'],
    '{"version": 1, "resources": [\n' +
      '{"apiVersion":"v1","kind":"Namespace","name":"apps","uid":"u2"},\n' +
      '{"apiVersion":"apps/v1","kind":"Deployment","namespace":"apps","name":"web","uid":"u1"}\n]}\n',
  );
  const stored = { ...cm, metadata: { ...(cm['metadata'] as object), resourceVersion: '7' } };
  assert.deepEqual(parseInventory(stored, at), { ...at, entries: [ns, web], resourceVersion: '7' });
});

test('a ConfigMap of that name without the labels, or of another installation, is refused', () => {
  const foreign = { metadata: { labels: { 'taskcluster-installer/installation': 'prod' } }, data: {} };
  assert.deepEqual(problemsOf(foreign), [
    'ConfigMap ops/taskcluster-installer-prod: metadata.labels: exists but is not the inventory of installation "prod" (labels app.kubernetes.io/managed-by=taskcluster-installer, taskcluster-installer/installation=prod) (hint: deploy keeps the record of what it applied there; move that ConfigMap aside, or name another --installation)',
  ]);
  const other = inventoryConfigMap({ installation: 'dev', namespace: 'ops', entries: [] });
  assert.match(problemsOf(other)[0] ?? '', /is not the inventory of installation "prod"/);
});

test('damaged content is refused, naming each bad field', () => {
  const cm = (text: string) => ({
    ...inventoryConfigMap({ ...at, entries: [] }),
    data: { 'inventory.json': text },
  });
  assert.match(
    problemsOf(cm('{"version": 1, "resources": '))[0] ?? '',
    /: data\["inventory\.json"\]: must be JSON \{"version": 1, "resources": \[\.\.\.\]\}/,
  );
  assert.deepEqual(
    problemsOf(
      cm(
        '{"version": 1, "resources": [{"apiVersion": "v1", "kind": "Secret", "name": ""}, {"apiVersion": "v1", "kind": 3, "name": "x", "uid": 4}]}',
      ),
    ).map((p) => p.split(' (hint')[0]),
    [
      'ConfigMap ops/taskcluster-installer-prod: data["inventory.json"].resources[0].name: must be a non-empty string',
      'ConfigMap ops/taskcluster-installer-prod: data["inventory.json"].resources[1].kind: must be a non-empty string',
      'ConfigMap ops/taskcluster-installer-prod: data["inventory.json"].resources[1].uid: must be a non-empty string',
    ],
  );
});

test('merging keeps the later entry of a resource, whatever its version', () => {
  const old = { ...web, apiVersion: 'apps/v1beta2', uid: 'u0' };
  assert.deepEqual(mergeEntries([old, ns], [web]), [ns, web]);
});
