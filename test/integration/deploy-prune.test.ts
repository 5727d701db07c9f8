import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { doublePerTest, type KubeApiDouble } from '../helpers/kube-api-double.js';
import {
  deployment as clusterDeployment,
  deployTo,
  namespaceOf,
  NS as CLUSTER_NS,
  widget,
  widgetCrd,
} from '../helpers/cluster-release.js';
import { kubectl as runKubectl } from '../helpers/kubectl.js';
import {
  b64,
  deployment,
  NS,
  release1Resources,
  release2Resources,
  TOKEN_NEW,
  TOKEN_OLD,
  writeRelease,
} from '../helpers/lifecycle-release.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';

// Each test gets its own API double: what one test applies and records is no other test's.
let api: KubeApiDouble;
let dir: string;
doublePerTest((a, d) => {
  api = a;
  dir = d;
});

const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const INVENTORY = '/api/v1/namespaces/default/configmaps/taskcluster-installer-default';

async function deploy(resources: unknown[], ...flags: string[]): Promise<CliResult> {
  const release = await writeRelease(dir, `release-${Math.random().toString(36).slice(2)}`, resources);
  return await runCli(['deploy', '--apply', ...flags, release, join(dir, 'out')], {
    cwd: dir,
    env: { ...api.env, HOME: join(api.cacheDir, 'home-must-stay-unused') },
  });
}

/** The inventory as `Kind namespace/name` lines, read from the double's store. */
function inventory(path = INVENTORY): string[] {
  const cm = api.objects.get(path) as { data: Record<string, string> } | undefined;
  assert.ok(cm !== undefined, `no inventory at ${path}`);
  const doc = JSON.parse(cm.data['inventory.json'] ?? '') as {
    resources: Array<{ kind: string; namespace?: string; name: string; uid?: string }>;
  };
  for (const r of doc.resources) assert.match(r.uid ?? '', /^uid-\d+$/, 'the server uid is recorded');
  return doc.resources
    .map((r) => `${r.kind} ${r.namespace !== undefined ? r.namespace + '/' : ''}${r.name}`)
    .sort();
}

/** What changed the cluster (or tried to): writes, not reads and not server-side dry runs. */
function changes(since: number): string[] {
  return api.writes(since).map((q) => `${q.method} ${q.path}`);
}

const RELEASE1_INVENTORY = [
  'Deployment apps/web',
  'Deployment apps/worker',
  'Namespace apps',
  'Secret apps/creds',
  'Service apps/web',
];

test('release 2 with --prune deletes only the Deployment it dropped; the inventory follows', async () => {
  const first = await deploy(release1Resources());
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(inventory(), RELEASE1_INVENTORY);
  assert.match(
    first.stderr,
    /recorded 5 resources in ConfigMap default\/taskcluster-installer-default \(installation default\)/,
  );

  const since = api.requests.length;
  const second = await deploy(release2Resources(), '--prune', '--log-format', 'json');
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(
    changes(since).filter((c) => c.startsWith('DELETE')),
    [`DELETE ${DEPLOYMENTS}/worker`],
  );
  assert.ok(!api.objects.has(`${DEPLOYMENTS}/worker`));
  assert.deepEqual(
    inventory(),
    RELEASE1_INVENTORY.filter((r) => r !== 'Deployment apps/worker'),
  );
  const web = api.objects.get(`${DEPLOYMENTS}/web`) as {
    spec: { template: { spec: { containers: Array<{ env: unknown }> } } };
  };
  assert.deepEqual(web.spec.template.spec.containers[0]?.env, [
    { name: 'LOG', value: 'info' },
    { name: 'MODE', value: 'b' },
    { name: 'PORT', value: '80' },
  ]);
  const events = second.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    events.filter((e) => e['kind'] === 'prune-planned').map(({ time: _, ...e }) => e),
    [
      {
        kind: 'prune-planned',
        dryRun: false,
        resources: [{ apiVersion: 'apps/v1', resourceKind: 'Deployment', namespace: NS, name: 'worker' }],
      },
    ],
  );
  // kubectl get -o json returns the Secret with its data: it must stay inside the tool.
  for (const value of [TOKEN_OLD, TOKEN_NEW, b64(TOKEN_OLD), b64(TOKEN_NEW)]) {
    assert.ok(
      !(first.stdout + first.stderr + second.stdout + second.stderr).includes(value),
      'a Secret value was printed',
    );
  }
});

test('a release that would drop a Namespace is refused: exit 1, listed, nothing applied or deleted', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  const since = api.requests.length;
  const withoutNamespace = release2Resources().filter((r) => r['kind'] !== 'Namespace');
  const refused = await deploy(withoutNamespace, '--prune');
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr.slice(refused.stderr.indexOf('error:')),
    'error: refusing to prune: it would delete Namespace apps, and deleting a Namespace needs --allow-delete Namespace' +
      ' (hint: deleting a Namespace deletes everything in it, a PersistentVolumeClaim its data, a CustomResourceDefinition every resource of its kind)\n' +
      '  nothing was applied or deleted; the prune would delete:\n' +
      '    Deployment apps/worker\n' +
      '    Namespace apps\n',
  );
  assert.deepEqual(changes(since), [], 'no write of any kind reached the cluster');
  assert.deepEqual(inventory(), RELEASE1_INVENTORY);

  const allowed = await deploy(withoutNamespace, '--prune', '--allow-delete', 'namespace');
  assert.equal(allowed.code, 0, allowed.stderr);
  // As on a real server, a deleted Namespace is Terminating until what is in it is gone.
  const ns = api.objects.get(`/api/v1/namespaces/${NS}`) as
    { metadata: { deletionTimestamp?: string } } | undefined;
  assert.ok(
    ns === undefined || ns.metadata.deletionTimestamp !== undefined,
    'the Namespace is being deleted',
  );
  assert.ok(!api.objects.has(`${DEPLOYMENTS}/worker`));
});

test('more deletions than --max-deletions are refused, and nothing is deleted', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  const since = api.requests.length;
  const onlyNamespace = release1Resources().filter((r) => r['kind'] === 'Namespace');
  const refused = await deploy(onlyNamespace, '--prune', '--max-deletions', '3');
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error: refusing to prune: it would delete 4 resources, more than --max-deletions 3 \(hint: if they should all go, run again with --max-deletions 4\)$/m,
  );
  assert.deepEqual(changes(since), []);
  assert.deepEqual(inventory(), RELEASE1_INVENTORY);
  const dryRun = await deploy(onlyNamespace, '--prune', '--max-deletions', '3', '--dry-run');
  assert.equal(dryRun.code, 1, 'a dry run refuses as the real run would');
  assert.match(dryRun.stderr, /^error: refusing to prune: it would delete 4 resources/m);
  // The default limit, 5, lets the four go.
  const allowed = await deploy(onlyNamespace, '--prune');
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.deepEqual(inventory(), ['Namespace apps']);
  assert.equal(changes(since).filter((c) => c.startsWith('DELETE')).length, 4);
});

test('resources made by hand are never deleted, with our labels or in place of one deploy applied', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  // A Deployment made by hand that carries the tool's labels, and worker deleted and made again.
  const handmade = deployment('handmade');
  (handmade['metadata'] as Record<string, unknown>)['labels'] = {
    'app.kubernetes.io/managed-by': 'taskcluster-installer',
    'taskcluster-installer/installation': 'default',
  };
  await kubectl(['delete', 'deployment', 'worker', '-n', NS]);
  const hand = join(dir, 'by-hand');
  await mkdir(hand);
  await writeFile(join(hand, 'handmade.json'), JSON.stringify(handmade));
  await writeFile(join(hand, 'worker.json'), JSON.stringify(deployment('worker')));
  await kubectl(['create', '-f', hand]);

  const since = api.requests.length;
  const r = await deploy(release2Resources(), '--prune');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    changes(since).filter((c) => c.startsWith('DELETE')),
    [],
  );
  assert.ok(api.objects.has(`${DEPLOYMENTS}/handmade`));
  assert.ok(api.objects.has(`${DEPLOYMENTS}/worker`));
  assert.match(
    r.stderr,
    /warning: Deployment apps\/worker is not deleted: it was made again since deploy applied it \(uid uid-\d+, recorded uid-\d+\)/,
  );
  assert.deepEqual(
    inventory(),
    RELEASE1_INVENTORY.filter((x) => x !== 'Deployment apps/worker'),
    'no longer ours',
  );
});

test('a prune interrupted by a failed DELETE finishes when deploy runs again', async () => {
  const cron = deployment('cron');
  assert.equal((await deploy([...release1Resources(), cron])).code, 0);
  api.failNext('DELETE', `${DEPLOYMENTS}/cron`, 500);
  const failed = await deploy(release2Resources(), '--prune');
  assert.equal(failed.code, 1);
  assert.match(
    failed.stderr,
    /^error: could not delete 1 of 2 resources \(hint: the inventory still lists them; deploy again to finish the prune\)\n {2}Deployment apps\/cron: injected failure of DELETE /m,
  );
  assert.ok(api.objects.has(`${DEPLOYMENTS}/cron`), 'the failed DELETE left cron');
  assert.ok(!api.objects.has(`${DEPLOYMENTS}/worker`), 'the other deletion went on');
  // The union of both releases stays recorded until the prune is done.
  assert.deepEqual(inventory(), [...RELEASE1_INVENTORY, 'Deployment apps/cron'].sort());

  const since = api.requests.length;
  const rerun = await deploy(release2Resources(), '--prune');
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(
    changes(since).filter((c) => c.startsWith('DELETE')),
    [`DELETE ${DEPLOYMENTS}/cron`],
  );
  assert.deepEqual(
    inventory(),
    RELEASE1_INVENTORY.filter((x) => x !== 'Deployment apps/worker'),
  );
});

test('with --wait, nothing is pruned until the rollout is done; a timed-out wait leaves the prune to the rerun', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  api.defaultOutcome = 'never-available';
  const since = api.requests.length;
  const stuck = await deploy(release2Resources(), '--prune', '--wait=1');
  api.defaultOutcome = 'ready';
  assert.equal(stuck.code, 1);
  assert.match(stuck.stderr, /^error: not ready after 1 s: Deployment apps\/web/m);
  assert.deepEqual(
    changes(since).filter((c) => c.startsWith('DELETE')),
    [],
  );
  assert.deepEqual(inventory(), RELEASE1_INVENTORY);
  const rerun = await deploy(release2Resources(), '--prune', '--wait=20');
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.ok(!api.objects.has(`${DEPLOYMENTS}/worker`));
});

test('a second installation in the cluster is never touched, even where both applied a resource', async () => {
  assert.equal((await deploy(release1Resources(), '--installation', 'a')).code, 0);
  const b = [deployment('other'), deployment('web', { LOG: 'info', MODE: 'a', PORT: '80' })];
  assert.equal((await deploy(b, '--installation', 'b')).code, 0);
  const aInventory = structuredClone(
    api.objects.get('/api/v1/namespaces/default/configmaps/taskcluster-installer-a'),
  );

  const since = api.requests.length;
  const r = await deploy([], '--installation', 'b', '--prune');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    changes(since).filter((c) => c.startsWith('DELETE')),
    [`DELETE ${DEPLOYMENTS}/other`],
  );
  assert.match(r.stderr, /warning: Deployment apps\/web is not deleted: installation a applied it too/);
  assert.deepEqual(
    api.objects.get('/api/v1/namespaces/default/configmaps/taskcluster-installer-a'),
    aInventory,
  );
  assert.deepEqual(inventory('/api/v1/namespaces/default/configmaps/taskcluster-installer-b'), []);
});

test('--dry-run --prune lists what would be applied and deleted, and changes nothing', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  const before = await readdir(join(dir, 'out'));
  const since = api.requests.length;
  const r = await deploy(release2Resources(), '--prune', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(changes(since), []);
  assert.deepEqual(await readdir(join(dir, 'out')), before, 'the output directory is left as it was');
  assert.match(
    r.stderr,
    / would apply 4 resources:\n {2}Namespace-apps\.json\n {2}Deployment-web\.json\n {2}Service-web\.json\n {2}Secret-creds\.json\n/,
  );
  assert.match(r.stderr, / would delete 1 resource:\n {2}Deployment apps\/worker\n/);
  assert.match(r.stderr, /^dry run: nothing was written, applied or deleted$/m);
});

test("a ConfigMap of the inventory's name that the tool does not own stops deploy before it applies", async () => {
  await writeFile(
    join(dir, 'cm.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'taskcluster-installer-default', namespace: 'default' },
    }),
  );
  await kubectl(['create', '-f', join(dir, 'cm.json')]);
  const since = api.requests.length;
  const r = await deploy(release1Resources());
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: ConfigMap default\/taskcluster-installer-default: metadata\.labels: exists but is not the inventory of installation "default"/m,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(changes(since), []);
});

test('an inventory changed by another deploy meanwhile is not overwritten: exit 1, run again', async () => {
  assert.equal((await deploy(release1Resources())).code, 0);
  // Another deploy of the installation records its inventory while this one applies.
  api.onNext('PATCH', `${DEPLOYMENTS}/web`, () => {
    const cm = api.objects.get(INVENTORY) as { metadata: Record<string, unknown> };
    cm.metadata['resourceVersion'] = '999999';
  });
  const r = await deploy(release2Resources(), '--prune');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: could not record the inventory in ConfigMap default\/taskcluster-installer-default: Operation cannot be fulfilled on configmaps "taskcluster-installer-default": the object has been modified; please apply your changes to the latest version and try again \(hint: another deploy of the same installation changed it meanwhile; run this deploy again\)$/m,
  );
  assert.ok(api.objects.has(`${DEPLOYMENTS}/worker`), 'nothing is pruned by a deploy that lost its record');
});

test('--inventory-namespace places the inventory there; one that does not exist stops deploy before it applies', async () => {
  const missing = await deploy(release1Resources(), '--inventory-namespace', 'ops', '--installation', 'prod');
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^error: ConfigMap ops\/taskcluster-installer-prod: namespace ops does not exist, so deploy cannot record what it applies there \(hint: /m,
  );
  assert.deepEqual(changes(0), []);
  const ops = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } };
  const r = await deploy(
    [...release1Resources(), ops],
    '--inventory-namespace',
    'ops',
    '--installation',
    'prod',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    inventory('/api/v1/namespaces/ops/configmaps/taskcluster-installer-prod'),
    [...RELEASE1_INVENTORY, 'Namespace ops'].sort(),
  );
});

/** kubectl run directly against the double, as an operator at a terminal would. */
async function kubectl(args: string[]): Promise<void> {
  const r = await runKubectl(api, args);
  assert.equal(r.code, 0, r.stderr);
}

test('prune deletes in the reverse of the apply order: namespaced, cluster-wide, CRDs, then Namespaces', async () => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  };
  const all = [namespaceOf(), widgetCrd, widget(), clusterDeployment('web'), role];
  const first = await deployTo(api, dir, all);
  assert.equal(first.code, 0, first.stderr);
  const since = api.requests.length;
  const r = await deployTo(
    api,
    dir,
    [],
    '--prune',
    '--allow-delete',
    'Namespace',
    '--allow-delete',
    'CustomResourceDefinition',
  );
  assert.equal(r.code, 0, r.stderr);
  const deletes = changes(since).filter((c) => c.startsWith('DELETE'));
  const rank = (c: string) =>
    c.endsWith(`/namespaces/${CLUSTER_NS}`)
      ? 3
      : c.includes('customresourcedefinitions')
        ? 2
        : c.includes('clusterroles')
          ? 1
          : 0;
  assert.equal(deletes.length, 5, deletes.join('\n'));
  assert.deepEqual(
    deletes.map(rank),
    [...deletes.map(rank)].sort((a, b) => a - b),
    `in order: ${deletes.join(', ')}`,
  );
  assert.deepEqual(deletes.slice(2), [
    'DELETE /apis/rbac.authorization.k8s.io/v1/clusterroles/reader',
    'DELETE /apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com',
    `DELETE /api/v1/namespaces/${CLUSTER_NS}`,
  ]);
});
