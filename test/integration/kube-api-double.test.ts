import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { doublePerTest, startKubeApiDouble, type KubeApiDouble } from '../helpers/kube-api-double.js';
import { widgetCrd } from '../helpers/cluster-release.js';
import { kubectl } from '../helpers/kubectl.js';

// The double must refuse what a real API server refuses, or the deploy tests prove nothing:
// each test here runs the real kubectl against it and expects what kubectl shows against a
// cluster.

let api: KubeApiDouble;
let dir: string;
doublePerTest((a, d) => {
  api = a;
  dir = d;
});

async function files(name: string, objects: Record<string, unknown>[]): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  for (const o of objects) {
    const m = o['metadata'] as { name: string };
    await writeFile(join(d, `${String(o['kind'])}-${m.name}.json`), JSON.stringify(o));
  }
  return d;
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const configMap = (name: string, ns: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const job = (image: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'migrate', namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } },
});

test('kubectl apply -f <dir> sends files in name order, and a create into a missing Namespace is refused', async () => {
  const d = await files('ns', [namespace('tc'), configMap('a', 'tc', { x: '1' })]);
  const first = await kubectl(api, ['apply', '-f', d]);
  assert.equal(first.code, 1);
  assert.match(
    first.stderr,
    /Error from server \(NotFound\): error when creating "[^"]*ConfigMap-a\.json": namespaces "tc" not found/,
  );
  assert.match(first.stdout, /namespace\/tc created/);
  const second = await kubectl(api, ['apply', '-f', d]);
  assert.equal(second.code, 0, second.stderr);
});

test("a CRD's kind is unknown until the CRD is Established", async () => {
  const widget = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default' },
    spec: { size: 1 },
  };
  const d = await files('crd', [widgetCrd, widget]);
  const first = await kubectl(api, ['apply', '-f', d]);
  assert.equal(first.code, 1);
  assert.match(first.stderr, /no matches for kind "Widget" in version "example\.com\/v1"/);
  const established = await kubectl(api, [
    'wait',
    '--for=condition=Established',
    'crd/widgets.example.com',
    '--timeout=10s',
  ]);
  assert.equal(established.code, 0, established.stderr);
  const second = await kubectl(api, ['apply', '-f', d]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /widget\.example\.com\/w created/);
});

test("a change to a Job's template is refused as immutable, with the real message", async () => {
  assert.equal((await kubectl(api, ['apply', '-f', '-'], JSON.stringify(job('m:1')))).code, 0);
  const changed = await kubectl(api, ['apply', '-f', '-'], JSON.stringify(job('m:2')));
  assert.equal(changed.code, 1);
  assert.match(
    changed.stderr,
    /The Job "migrate" is invalid: spec\.template: Invalid value: core\.PodTemplateSpec\{\.\.\.\}: field is immutable/,
  );
});

test('a 300 KiB ConfigMap: refused client-side (the annotation), applied server-side', async () => {
  const big = configMap('big', 'default', { blob: 'x'.repeat(300 * 1024) });
  const csa = await kubectl(api, ['apply', '-f', '-'], JSON.stringify(big));
  assert.equal(csa.code, 1);
  assert.match(csa.stderr, /metadata\.annotations: Too long: must have at most 262144 bytes/);
  const ssa = await kubectl(api, ['apply', '--server-side', '-f', '-'], JSON.stringify(big));
  assert.equal(ssa.code, 0, ssa.stderr);
});

test('server-side apply: a field another manager set is a conflict naming it; --force-conflicts takes it', async () => {
  const cm = (v: string) => JSON.stringify(configMap('c', 'default', { mode: v }));
  assert.equal(
    (await kubectl(api, ['apply', '--server-side', '--field-manager=ops', '-f', '-'], cm('a'))).code,
    0,
  );
  const same = await kubectl(api, ['apply', '--server-side', '-f', '-'], cm('a'));
  assert.equal(same.code, 0, 'the same value is shared, not a conflict');
  const other = await kubectl(api, ['apply', '--server-side', '-f', '-'], cm('b'));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /Apply failed with 1 conflict: conflict with "ops": \.data\.mode/);
  const forced = await kubectl(api, ['apply', '--server-side', '--force-conflicts', '-f', '-'], cm('b'));
  assert.equal(forced.code, 0, forced.stderr);
  const cmNow = api.objects.get('/api/v1/namespaces/default/configmaps/c') as {
    data: { mode: string };
    metadata: { managedFields: Array<{ manager: string }> };
  };
  assert.equal(cmNow.data.mode, 'b');
  assert.deepEqual(
    cmNow.metadata.managedFields.map((m) => m.manager),
    ['kubectl'],
  );
});

test('status lags a change and catches up; kubectl rollout status follows it through a watch', async () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:1' }] },
      },
    },
  };
  // Held back until kubectl has surely seen it waiting, however slow the machine.
  api.setOutcome('Deployment', 'default', 'web', 'never-available');
  assert.equal((await kubectl(api, ['apply', '-f', '-'], JSON.stringify(deployment))).code, 0);
  const stored = api.objects.get('/apis/apps/v1/namespaces/default/deployments/web') as { status?: unknown };
  assert.equal(stored.status, undefined, 'no status right after the write');
  const rolling = kubectl(api, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
  await new Promise((r) => setTimeout(r, 2000));
  api.setOutcome('Deployment', 'default', 'web', 'ready');
  const rollout = await rolling;
  assert.equal(rollout.code, 0, rollout.stderr);
  assert.match(
    rollout.stdout,
    /Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are available/,
  );
  assert.match(rollout.stdout, /deployment "web" successfully rolled out/);
});

test('a Job fails as the test chooses, with the reason a real Job controller gives', async () => {
  api.setOutcome('Job', 'default', 'migrate', 'fail');
  assert.equal((await kubectl(api, ['apply', '-f', '-'], JSON.stringify(job('m:1')))).code, 0);
  const waited = await kubectl(api, ['wait', '--for=condition=Failed', 'job/migrate', '--timeout=10s']);
  assert.equal(waited.code, 0, waited.stderr);
  const j = api.objects.get('/apis/batch/v1/namespaces/default/jobs/migrate') as {
    status: { conditions: Array<{ type: string; reason: string }> };
  };
  assert.deepEqual(j.status.conditions.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('a watch streams changes after a resourceVersion', async () => {
  const created = await kubectl(
    api,
    ['apply', '-f', '-'],
    JSON.stringify(configMap('w', 'default', { a: '1' })),
  );
  assert.equal(created.code, 0, created.stderr);
  const rv = Number(
    (api.objects.get('/api/v1/namespaces/default/configmaps/w') as { metadata: { resourceVersion: string } })
      .metadata.resourceVersion,
  );
  const lines = await new Promise<string[]>((resolve, reject) => {
    const url = new URL(
      `${api.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`,
    );
    const req = request(
      url,
      { ca: caOf(api), headers: { Authorization: `Bearer ${tokenOf(api)}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text.split('\n').filter((l) => l !== '')));
      },
    );
    req.on('error', reject);
    req.end();
    setTimeout(() => void kubectl(api, ['delete', 'configmap', 'w']), 100);
  });
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { type: string }).type),
    ['DELETED'],
  );
});

test('an exec credential plugin hands kubectl the token; without it the double answers 401', async () => {
  const withPlugin = await startKubeApiDouble({ execCredential: true });
  try {
    const r = await kubectl(withPlugin, ['get', 'namespaces']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await withPlugin.execCalls()) > 0);
    assert.ok(withPlugin.requests.every((q) => q.authenticated));
    const anonymous = await kubectl(withPlugin, ['get', 'namespaces', '--token=wrong']);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /Unauthorized/);
  } finally {
    await withPlugin.stop();
  }
});

function kubeconfigOf(a: KubeApiDouble): {
  clusters: Array<{ cluster: Record<string, string> }>;
  users: Array<{ user: { token: string } }>;
} {
  return JSON.parse(readFileSync(a.kubeconfig, 'utf8'));
}
function caOf(a: KubeApiDouble): string {
  return Buffer.from(
    kubeconfigOf(a).clusters[0]?.cluster['certificate-authority-data'] ?? '',
    'base64',
  ).toString();
}
function tokenOf(a: KubeApiDouble): string {
  return kubeconfigOf(a).users[0]?.user.token ?? '';
}
