import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientSideMigration } from '../../../../src/deploy/apply/migrate-client-side.js';

const csa = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:data': { 'f:a': {} },
    'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
  },
};
const other = {
  manager: 'ops',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': { 'f:b': {} } },
};
const object = (managedFields: unknown[]) => ({
  metadata: { name: 'c', resourceVersion: '7', managedFields },
});

test("client-side apply's fields become the manager's Apply entry, the rest untouched, guarded by resourceVersion", () => {
  assert.deepEqual(clientSideMigration(object([csa, other]), 'taskcluster-installer'), [
    {
      op: 'replace',
      path: '/metadata/managedFields',
      value: [{ ...csa, manager: 'taskcluster-installer', operation: 'Apply' }, other],
    },
    { op: 'replace', path: '/metadata/resourceVersion', value: '7' },
  ]);
});

test('joined with an Apply entry the manager already has', () => {
  const mine = {
    manager: 'taskcluster-installer',
    operation: 'Apply',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': { 'f:c': {} } },
  };
  const patch = clientSideMigration(object([mine, csa]), 'taskcluster-installer') as Array<{
    value: unknown;
  }>;
  assert.deepEqual(patch[0]?.value, [
    { ...mine, fieldsV1: { 'f:data': { 'f:c': {}, 'f:a': {} }, 'f:metadata': csa.fieldsV1['f:metadata'] } },
  ]);
});

test('nothing to hand over: no client-side apply entry', () => {
  assert.equal(clientSideMigration(object([other]), 'taskcluster-installer'), undefined);
});
