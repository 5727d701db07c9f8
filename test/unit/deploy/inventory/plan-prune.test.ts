import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import type { InventoryEntry } from '../../../../src/deploy/inventory/inventory.js';
import {
  checkPruneGuard,
  pruneCandidates,
  selectDeletions,
} from '../../../../src/deploy/inventory/plan-prune.js';

const dep = (name: string, namespace = 'apps', uid = `uid-${name}`): InventoryEntry => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace,
  name,
  uid,
});
const nsEntry: InventoryEntry = { apiVersion: 'v1', kind: 'Namespace', name: 'apps', uid: 'uid-ns' };

test('candidates: inventory entries the render no longer has', () => {
  const rendered = [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' }];
  assert.deepEqual(pruneCandidates([dep('web'), dep('worker'), dep('web', 'other')], rendered), [
    dep('worker'),
    dep('web', 'other'),
  ]);
});

test('the API group is ignored: moving to apps/v1 never deletes the object just applied', () => {
  const old = { ...dep('web'), apiVersion: 'extensions/v1beta1' };
  assert.deepEqual(
    pruneCandidates([old], [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' }]),
    [],
  );
});

test('a cluster-scoped entry matches by kind and name', () => {
  assert.deepEqual(pruneCandidates([nsEntry], [{ apiVersion: 'v1', kind: 'Namespace', name: 'apps' }]), []);
});

test('an entry stays only for a rendered resource in its namespace (the default one filled in before)', () => {
  const rendered = [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-b', name: 'web' }];
  const entries = [dep('web', 'team-a'), dep('web', 'team-b')];
  assert.deepEqual(pruneCandidates(entries, rendered), [dep('web', 'team-a')]);
});

test('deletions: only live objects with the recorded uid, not in another installation', () => {
  const candidates = [
    dep('gone'),
    dep('remade'),
    dep('shared'),
    dep('ours'),
    { ...dep('old'), uid: undefined },
  ];
  const live = [dep('remade', 'apps', 'uid-other'), dep('shared'), dep('ours'), dep('old')];
  const result = selectDeletions(candidates, live, [
    { installation: 'b', entries: [dep('shared', 'apps', 'x')] },
  ]);
  assert.deepEqual(result.deletions, [dep('ours'), dep('old')]);
  assert.deepEqual(result.kept, [
    'Deployment apps/remade is not deleted: it was made again since deploy applied it (uid uid-other, recorded uid-remade)',
    'Deployment apps/shared is not deleted: installation b applied it too',
  ]);
});

function guardErrors(
  deletions: InventoryEntry[],
  maxDeletions: number,
  allowDelete: string[] = [],
): string[] {
  try {
    checkPruneGuard(deletions, { maxDeletions, allowDelete });
    return [];
  } catch (e) {
    assert.ok(isUserError(e));
    return [...e.problems.map(formatProblem), ...e.details];
  }
}

test('the guard: within the limit and no protected kind passes', () => {
  assert.deepEqual(guardErrors([dep('a'), dep('b')], 2), []);
  assert.deepEqual(guardErrors([nsEntry], 5, ['Namespace']), []);
});

test('the guard refuses more than --max-deletions, listing every deletion', () => {
  assert.deepEqual(guardErrors([dep('a'), dep('b'), dep('c')], 2), [
    'refusing to prune: it would delete 3 resources, more than --max-deletions 2 (hint: if they should all go, run again with --max-deletions 3)',
    'nothing was applied or deleted; the prune would delete:',
    '  Deployment apps/a',
    '  Deployment apps/b',
    '  Deployment apps/c',
  ]);
});

test('the guard refuses a protected kind that --allow-delete does not name', () => {
  const pvc: InventoryEntry = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace: 'apps',
    name: 'data',
  };
  const errors = guardErrors([nsEntry, pvc], 5, ['PersistentVolumeClaim']);
  assert.equal(errors.length, 4);
  assert.match(
    errors[0] ?? '',
    /^refusing to prune: it would delete Namespace apps, and deleting a Namespace needs --allow-delete Namespace \(hint: /,
  );
});
