import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnchanged } from '../../../../src/deploy/apply/unchanged.js';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'tc', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 80 }] }] } },
    args: ['a', 'b'],
  },
};

/** The fields a server records for `desired` applied by `manager`. */
const fields = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:args': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': {
            '.': {},
            'f:name': {},
            'f:image': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    },
  },
};

function live(overrides: { spec?: unknown; manager?: string; apiVersion?: string; fieldsV1?: unknown } = {}) {
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      uid: 'u',
      managedFields: [
        {
          manager: overrides.manager ?? 'taskcluster-installer',
          operation: 'Apply',
          apiVersion: overrides.apiVersion ?? 'apps/v1',
          fieldsType: 'FieldsV1',
          fieldsV1: overrides.fieldsV1 ?? fields,
        },
      ],
    },
    // What the server adds: defaults and fields of other managers, and status.
    spec: overrides.spec ?? {
      ...desired.spec,
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'web:1',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    },
    status: { replicas: 2 },
  };
}

const cases: Array<[string, Record<string, unknown>, boolean]> = [
  ['the same fields with the same values, whatever the server added', live(), true],
  ['applied by another manager', live({ manager: 'kubectl' }), false],
  ['applied at another API version', live({ apiVersion: 'apps/v1beta2' }), false],
  ['a value differs', live({ spec: { ...desired.spec, replicas: 3 } }), false],
  ['an atomic list differs', live({ spec: { ...desired.spec, args: ['a'] } }), false],
  [
    'the manager owned a field the release no longer has (it would be removed)',
    live({ fieldsV1: { ...fields, 'f:spec': { ...fields['f:spec'], 'f:minReadySeconds': {} } } }),
    false,
  ],
  [
    'a list item whose defaulted key field the live object lacks',
    live({
      spec: {
        ...desired.spec,
        template: { spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 80 }] }] } },
      },
    }),
    true,
  ],
  ['no managed fields recorded', { ...desired, metadata: { ...desired.metadata } }, false],
];

for (const [name, l, expected] of cases)
  test(`unchanged: ${name} -> ${expected}`, () =>
    assert.equal(isUnchanged(desired, l, 'taskcluster-installer'), expected));
