import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  configMap,
  deployment,
  deployTo,
  eventsOf,
  namespaceOf,
  NS,
  widget,
  widgetCrd,
} from '../helpers/cluster-release.js';
import { doublePerTest, startKubeApiDouble, type KubeApiDouble } from '../helpers/kube-api-double.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';
import { kubectl } from '../helpers/kubectl.js';

// Each test gets its own API double (docs/deploy.md, "Testing without a cluster"): the real
// kubectl connects deploy to it, and it refuses what a real API server refuses.
let api: KubeApiDouble;
let dir: string;
doublePerTest((a, d) => {
  api = a;
  dir = d;
});

const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const fullRelease = () => [
  deployment('web'),
  configMap('settings', { mode: 'a' }),
  widget(),
  widgetCrd,
  namespaceOf(),
];

test('a release holding its Namespace, a CRD, a resource of that CRD and workloads installs in one run', async () => {
  const r = await deployTo(api, dir, fullRelease(), '--log-format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const writes = api.writes().filter((q) => q.method === 'PATCH');
  assert.deepEqual(
    writes.map((q) => q.path).slice(0, 2),
    [
      `/api/v1/namespaces/${NS}`,
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com',
    ],
    'the Namespace, then the CRD',
  );
  assert.deepEqual(
    writes
      .slice(2)
      .map((q) => q.path)
      .sort(),
    [
      `/api/v1/namespaces/${NS}/configmaps/settings`,
      `${DEPLOYMENTS}/web`,
      `/apis/example.com/v1/namespaces/${NS}/widgets/w`,
    ],
    'then the namespaced ones, the Widget once its kind is served',
  );
  for (const q of writes) {
    assert.equal(q.contentType, 'application/apply-patch+yaml');
    assert.equal(q.query.get('fieldManager'), 'taskcluster-installer');
  }
  const widgetPatch = writes.find((q) => q.path.includes('/widgets/'));
  const crd = api.objects.get(
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com',
  ) as { metadata: { creationTimestamp: string } };
  assert.ok(crd !== undefined && widgetPatch !== undefined);
  assert.ok(
    widgetPatch.at - (writes[1]?.at ?? 0) >= api.timing.crdEstablishMs,
    'the Widget waited for its CRD to be Established',
  );
  assert.ok(api.objects.has(`/apis/example.com/v1/namespaces/${NS}/widgets/w`));
  const applied = eventsOf(r).filter((e) => e['kind'] === 'resource-applied');
  assert.deepEqual(new Set(applied.map((e) => e['action'])), new Set(['created']));
  assert.equal(applied.length, 5);
  assert.deepEqual((await readdir(join(dir, 'out'))).sort(), [
    'ConfigMap-settings.json',
    'CustomResourceDefinition-widgets.example.com.json',
    'Deployment-web.json',
    'Namespace-tc.json',
    'Widget-w.json',
  ]);
});

test('a re-apply of an unchanged release sends no writes', async () => {
  assert.equal((await deployTo(api, dir, fullRelease())).code, 0);
  const since = api.requests.length;
  const again = await deployTo(api, dir, fullRelease());
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    api.writes(since).map((q) => `${q.method} ${q.path}`),
    [],
  );
  assert.match(again.stderr, /applied 5 resources: 0 created, 0 configured, 5 unchanged, 0 replaced/);
});

test('a changed release sends only the changed resource', async () => {
  assert.equal((await deployTo(api, dir, fullRelease())).code, 0);
  const since = api.requests.length;
  const changed = fullRelease().map((o) =>
    o['kind'] === 'ConfigMap' ? configMap('settings', { mode: 'b' }) : o,
  );
  const r = await deployTo(api, dir, changed);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    api.writes(since).map((q) => `${q.method} ${q.path}`),
    [`PATCH /api/v1/namespaces/${NS}/configmaps/settings`],
    'the inventory lists the same resources: not written',
  );
  assert.match(r.stderr, /ConfigMap tc\/settings configured/);
});

test('--context is handed to kubectl', async () => {
  const r = await deployTo(api, dir, [namespaceOf(), deployment('web')], '--context', 'double-b');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(api.requests.length > 0);
  assert.deepEqual([...new Set(api.requests.map((q) => q.context))], ['double-b']);
});

test('a context that does not exist: exit 1 with what kubectl says; the output directory stays written', async () => {
  const r = await deployTo(api, dir, [namespaceOf()], '--context', 'nope');
  assert.equal(r.code, 1);
  // kubectl words it by the call that meets it first: `config view` or the proxy.
  assert.match(
    r.stderr,
    /context "nope" does not exist|context was not found for specified context: nope|cannot locate context nope/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await readdir(join(dir, 'out')), ['Namespace-tc.json']);
});

test("a read the cluster refuses (RBAC's 403) is an error naming what and why, not a bug", async () => {
  api.failNext('GET', '/apis/apps/v1', 403);
  const r = await deployTo(api, dir, [namespaceOf(), deployment('web')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error: the cluster answered 403 to the discovery of apps\/v1: .*\(hint: the kubeconfig's user may not read it: check with kubectl auth can-i\)/,
  );
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});

test('an exec credential plugin in the kubeconfig keeps working; its token never reaches the output', async () => {
  const withPlugin = await startKubeApiDouble({ execCredential: true });
  try {
    const r = await deployTo(withPlugin, dir, [namespaceOf(), deployment('web')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await withPlugin.execCalls()) > 0);
    assert.ok(withPlugin.requests.every((q) => q.authenticated));
    assert.doesNotMatch(r.stdout + r.stderr, /double-token-/);
  } finally {
    await withPlugin.stop();
  }
});

test('a proxy the kubeconfig names (proxy-url) is used, as kubectl uses it', async () => {
  const proxy = await startConnectProxy();
  try {
    const config = JSON.parse(await readFile(api.kubeconfig, 'utf8')) as {
      clusters: Array<{ cluster: Record<string, string> }>;
    };
    for (const c of config.clusters) c.cluster['proxy-url'] = proxy.url;
    await writeFile(api.kubeconfig, JSON.stringify(config));
    const r = await deployTo(api, dir, [namespaceOf(), deployment('web')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(proxy.targets)], [new URL(api.url).host]);
  } finally {
    await proxy.stop();
  }
});

test('a refused change to an immutable field of a kind other than Job fails, naming the field and the way out', async () => {
  assert.equal((await deployTo(api, dir, [namespaceOf(), deployment('web')])).code, 0);
  const moved = deployment('web', 'web:1', {
    extra: { selector: { matchLabels: { app: 'web', tier: 'x' } } },
  });
  const since = api.requests.length;
  const r = await deployTo(api, dir, [namespaceOf(), moved]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Deployment-web\.json: spec\.selector: Deployment tc\/web: the cluster refuses this change: the field cannot change once the Deployment exists \(field is immutable\) \(hint: delete it \(kubectl delete deployment web -n tc\) and deploy again, or keep spec\.selector as it is; deploy replaces only Jobs by itself\)$/m,
  );
  assert.deepEqual(
    api.writes(since).filter((q) => q.method === 'DELETE'),
    [],
    'only Jobs are replaced',
  );
});

test('a kind the cluster does not serve: exit 1 naming the file and field, nothing applied, files written', async () => {
  const old = { ...deployment('web3'), apiVersion: 'apps/v1beta2' };
  const r = await deployTo(api, dir, [namespaceOf(), old], '--no-validate');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Deployment-web3\.json: apiVersion: the cluster does not serve Deployment in apps\/v1beta2 \(hint: /m,
  );
  assert.deepEqual(api.writes(), []);
  assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['Deployment-web3.json', 'Namespace-tc.json']);
});

test('a kubectl that cannot be started is named', async () => {
  const missing = join(dir, 'no-such-kubectl');
  const r = await deployTo(api, dir, [namespaceOf()], '--kubectl', missing);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('error:'))
      .join('\n'),
    `error: could not start kubectl at ${missing}: ENOENT (hint: install kubectl, or name it with --kubectl <path>)`,
  );
  assert.deepEqual(await readdir(join(dir, 'out')), ['Namespace-tc.json']);
});

test('a 300 KiB ConfigMap applies (client-side apply would copy it into a 256 KiB annotation)', async () => {
  const r = await deployTo(api, dir, [namespaceOf(), configMap('big', { blob: 'x'.repeat(300 * 1024) })]);
  assert.equal(r.code, 0, r.stderr);
  const big = api.objects.get(`/api/v1/namespaces/${NS}/configmaps/big`) as { data: { blob: string } };
  assert.equal(big.data.blob.length, 300 * 1024);
});

test('a field another manager set is reported with the manager and the field; --force-conflicts takes it', async () => {
  assert.equal((await deployTo(api, dir, [namespaceOf(), configMap('settings', { mode: 'a' })])).code, 0);
  const ops = await kubectl(
    api,
    ['apply', '--server-side', '--field-manager=ops', '-f', '-'],
    JSON.stringify(configMap('settings', { mode: 'manual' })),
  );
  assert.equal(ops.code, 1, 'ops conflicts with deploy first');
  assert.equal(
    (
      await kubectl(
        api,
        ['apply', '--server-side', '--field-manager=ops', '--force-conflicts', '-f', '-'],
        JSON.stringify(configMap('settings', { mode: 'manual' })),
      )
    ).code,
    0,
  );
  const since = api.requests.length;
  const refused = await deployTo(api, dir, [namespaceOf(), configMap('settings', { mode: 'b' })]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error: ConfigMap-settings\.json: ConfigMap tc\/settings was refused: Apply failed with 1 conflict: conflict with "ops": \.data\.mode \(hint: another field manager set these fields; run with --force-conflicts to take them over/m,
  );
  assert.equal(
    (api.objects.get(`/api/v1/namespaces/${NS}/configmaps/settings`) as { data: { mode: string } }).data.mode,
    'manual',
  );
  assert.deepEqual(
    api.writes(since).filter((q) => q.path.includes('taskcluster-installer-')),
    [],
    'nothing recorded for a failed apply',
  );
  const forced = await deployTo(
    api,
    dir,
    [namespaceOf(), configMap('settings', { mode: 'b' })],
    '--force-conflicts',
  );
  assert.equal(forced.code, 0, forced.stderr);
  const cm = api.objects.get(`/api/v1/namespaces/${NS}/configmaps/settings`) as {
    data: { mode: string };
    metadata: { managedFields: Array<{ manager: string }> };
  };
  assert.equal(cm.data.mode, 'b');
  assert.deepEqual(
    cm.metadata.managedFields.map((m) => m.manager),
    ['taskcluster-installer'],
  );
});

test('an installation applied by the previous version (kubectl apply, client-side) is upgraded in place', async () => {
  // What the previous version did: kubectl apply -f <dir>, client-side, after the Namespace existed.
  const old = deployment('web', 'web:1', { extra: { minReadySeconds: 5 } });
  (old['metadata'] as Record<string, unknown>)['labels'] = { tier: 'front', legacy: 'yes' };
  const by = join(dir, 'previous');
  await mkdir(by);
  await writeFile(join(by, 'Deployment-web.json'), JSON.stringify(old));
  assert.equal((await kubectl(api, ['apply', '-f', '-'], JSON.stringify(namespaceOf()))).code, 0);
  const previous = await kubectl(api, ['apply', '-f', by]);
  assert.equal(previous.code, 0, previous.stderr);

  // The next release changes the image and drops minReadySeconds and the `legacy` label.
  const next = deployment('web', 'web:2');
  (next['metadata'] as Record<string, unknown>)['labels'] = { tier: 'front' };
  const r = await deployTo(api, dir, [namespaceOf(), next]);
  assert.equal(r.code, 0, r.stderr);
  const web = api.objects.get(`${DEPLOYMENTS}/web`) as {
    metadata: {
      labels: Record<string, string>;
      annotations?: Record<string, string>;
      managedFields: Array<{ manager: string; operation: string }>;
    };
    spec: { minReadySeconds?: number; template: { spec: { containers: Array<{ image: string }> } } };
  };
  assert.equal(web.spec.template.spec.containers[0]?.image, 'web:2');
  assert.equal(
    web.spec.minReadySeconds,
    undefined,
    'a field the new release dropped is removed, as client-side apply would',
  );
  assert.deepEqual(web.metadata.labels, { tier: 'front' });
  assert.equal(web.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.deepEqual(
    web.metadata.managedFields
      .filter((m) => m.manager !== 'kube-controller-manager')
      .map((m) => `${m.manager} ${m.operation}`),
    ['taskcluster-installer Apply'],
  );
  const migration = api.writes().find((q) => q.contentType === 'application/json-patch+json');
  assert.ok(migration !== undefined, 'the fields were handed over as kubectl apply --server-side does');
});

test('--dry-run asks the server, says what would be created, changed and replaced, and changes nothing', async () => {
  const jobOf = (image: string) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: NS },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } },
  });
  assert.equal((await deployTo(api, dir, [namespaceOf(), jobOf('m:1'), configMap('a', { x: '1' })])).code, 0);
  const since = api.requests.length;
  const r = await deployTo(
    api,
    dir,
    [namespaceOf(), jobOf('m:2'), configMap('a', { x: '1' }), configMap('b', { x: '1' })],
    '--dry-run',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(api.writes(since), []);
  assert.match(
    r.stderr,
    /Job tc\/migrate replaced \(deleted and created: the change is to an immutable field\) \(dry run\)/,
  );
  assert.match(r.stderr, /ConfigMap tc\/b created \(dry run\)/);
  assert.match(r.stderr, /ConfigMap tc\/a unchanged \(dry run\)/);
  assert.match(r.stderr, /would apply 4 resources: 1 created, 0 configured, 2 unchanged, 1 replaced/);
});

test('--wait without --apply is a usage error', async () => {
  const release = join(dir, 'r.json');
  await writeFile(release, '{}');
  const { runCli } = await import('../helpers/run-cli.js');
  const r = await runCli(['deploy', release, join(dir, 'out'), '--wait'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'error: --wait needs --apply\n');
});
