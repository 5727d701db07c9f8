import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyStages, deletionStages } from '../../../../src/deploy/apply/apply-order.js';

const r = (
  kind: string,
  name: string,
  opts: { wave?: number; namespaced?: boolean; apiVersion?: string } = {},
) => ({
  id: {
    apiVersion: opts.apiVersion ?? (kind === 'CustomResourceDefinition' ? 'apiextensions.k8s.io/v1' : 'v1'),
    kind,
    name,
    ...(opts.namespaced === true ? { namespace: 'tc' } : {}),
  },
  wave: opts.wave ?? 0,
  namespaced: opts.namespaced === true,
});

test('Namespaces, then CRDs, then each wave: cluster-wide before namespaced', () => {
  const resources = [
    r('Deployment', 'web', { namespaced: true, wave: 1, apiVersion: 'apps/v1' }),
    r('Job', 'migrate', { namespaced: true, wave: -1, apiVersion: 'batch/v1' }),
    r('ClusterRole', 'reader', { apiVersion: 'rbac.authorization.k8s.io/v1' }),
    r('CustomResourceDefinition', 'widgets.example.com'),
    r('Widget', 'w', { namespaced: true, apiVersion: 'example.com/v1' }),
    r('Namespace', 'tc', { wave: 5 }),
  ];
  assert.deepEqual(
    applyStages(resources).map((s) => [s.phase, s.wave ?? null, s.resources.map((x) => x.id.name)]),
    [
      ['namespaces', null, ['tc']],
      ['crds', null, ['widgets.example.com']],
      ['namespaced', -1, ['migrate']],
      ['cluster', 0, ['reader']],
      ['namespaced', 0, ['w']],
      ['namespaced', 1, ['web']],
    ],
  );
});

test('a kind named Namespace in another API group is not a Namespace', () => {
  const stages = applyStages([r('Namespace', 'x', { namespaced: true, apiVersion: 'example.com/v1' })]);
  assert.deepEqual(
    stages.map((s) => s.phase),
    ['namespaced'],
  );
});

test('prune goes the other way: namespaced, cluster-wide, CRDs, Namespaces', () => {
  const ids = [
    r('Namespace', 'tc').id,
    r('CustomResourceDefinition', 'widgets.example.com').id,
    r('ClusterRole', 'reader', { apiVersion: 'rbac.authorization.k8s.io/v1' }).id,
    r('Deployment', 'web', { namespaced: true, apiVersion: 'apps/v1' }).id,
  ];
  assert.deepEqual(
    deletionStages(ids).map((g) => g.map((id) => id.name)),
    [['web'], ['reader'], ['widgets.example.com'], ['tc']],
  );
});
