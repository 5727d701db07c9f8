import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  deployment,
  deployTo,
  eventsOf,
  job,
  namespaceOf,
  NS,
  widget,
  widgetCrd,
} from '../helpers/cluster-release.js';
import { CliProcess } from '../helpers/cli-process.js';
import { doublePerTest, type KubeApiDouble } from '../helpers/kube-api-double.js';
import { writeRelease } from '../helpers/lifecycle-release.js';

// Waves and readiness (docs/deploy.md#waves, #readiness) against the API double, whose status
// catches up with a change only after a while, as a cluster's controllers do.
let api: KubeApiDouble;
let dir: string;
doublePerTest((a, d) => {
  api = a;
  dir = d;
});

const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;

function release(version: number): unknown[] {
  return [
    namespaceOf(),
    job('migrate', `migrate:${version}`, '-1'),
    deployment('web', `web:${version}`),
    deployment('api', `api:${version}`),
  ];
}

test('a release changing the migration Job replaces it, waits for it to complete, then rolls the Deployments', async () => {
  assert.equal((await deployTo(api, dir, release(1), '--wait=20')).code, 0);
  api.timing.jobMs = 600;
  const since = api.requests.length;
  const r = await deployTo(api, dir, release(2), '--log-format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const writes = api.writes(since).map((q) => ({ what: `${q.method} ${q.path}`, at: q.at }));
  const at = (what: string) => {
    const found = writes.find((w) => w.what === what);
    assert.ok(found !== undefined, `${what} was sent: ${writes.map((w) => w.what).join(', ')}`);
    return found.at;
  };
  const deleted = at(`DELETE ${JOBS}/migrate`);
  const created = writes.filter((w) => w.what === `PATCH ${JOBS}/migrate`).at(-1)?.at ?? 0;
  assert.ok(deleted < created, 'deleted, then created');
  for (const name of ['web', 'api']) {
    const rolled = at(`PATCH ${DEPLOYMENTS}/${name}`);
    assert.ok(
      rolled - created >= 600,
      `${name} rolled only after the Job completed (${rolled - created} ms)`,
    );
  }
  const migrate = api.objects.get(`${JOBS}/migrate`) as {
    spec: { template: { spec: { containers: Array<{ image: string }> } } };
  };
  assert.equal(migrate.spec.template.spec.containers[0]?.image, 'migrate:2');
  const events = eventsOf(r);
  assert.deepEqual(
    events.filter((e) => e['kind'] === 'wave-started').map((e) => [e['wave'], e['resources']]),
    [
      [-1, 1],
      [0, 2],
    ],
  );
  assert.deepEqual(
    events
      .filter((e) => e['kind'] === 'resource-applied')
      .map((e) => `${String(e['name'])} ${String(e['action'])}`)
      .sort(),
    ['api configured', 'migrate replaced', 'tc unchanged', 'web configured'],
  );
});

test('--wait fails naming a Job that failed, with its reason; later waves are not applied', async () => {
  api.setOutcome('Job', NS, 'migrate', 'fail');
  const r = await deployTo(api, dir, release(1), '--wait=20');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Job tc\/migrate failed: BackoffLimitExceeded: Job has reached the specified backoff limit$/m,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!api.objects.has(`${DEPLOYMENTS}/web`), 'the next wave was not applied');
  const inventory = api.objects.get(
    '/api/v1/namespaces/default/configmaps/taskcluster-installer-default',
  ) as { data: Record<string, string> };
  assert.match(inventory.data['inventory.json'] ?? '', /"name":"migrate"/, 'what was applied is recorded');
});

test('--wait fails naming a Deployment that never became available, with its last condition message', async () => {
  api.setOutcome('Deployment', NS, 'web', 'never-available');
  const r = await deployTo(api, dir, [namespaceOf(), deployment('web'), deployment('api')], '--wait=2');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: not ready after 2 s: Deployment tc\/web \(hint: /m);
  assert.match(
    r.stderr,
    /^ {2}Deployment tc\/web: 0 of 2 updated replicas are available \(Available: Deployment does not have minimum availability\.\)$/m,
  );
});

test('a Deployment past its progress deadline fails the wait at once, naming why', async () => {
  api.setOutcome('Deployment', NS, 'web', 'never-available');
  const web = deployment('web', 'web:1', { extra: { progressDeadlineSeconds: 1 } });
  const started = Date.now();
  const r = await deployTo(api, dir, [namespaceOf(), web], '--wait=60');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Deployment tc\/web ReplicaSet "web-[0-9a-f]+" has timed out progressing\.$/m,
  );
  assert.ok(Date.now() - started < 30_000, 'long before the 60 s deadline');
});

/** A StatefulSet, a DaemonSet and a claim: each kind with a readiness rule of its own. */
function workloadsOfEveryKind(): unknown[] {
  const pod = (name: string) => ({
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1` }] } },
  });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: { replicas: 2, serviceName: 'db', ...pod('db') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: pod('agent'),
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  ];
}

test('--wait covers StatefulSets, DaemonSets, claims and objects with a Ready condition, one watch per kind and namespace', async () => {
  // A Widget whose controller reports Ready=False, then Ready=True a while after it changes.
  const widgetPath = `/apis/example.com/v1/namespaces/${NS}/widgets/w`;
  assert.equal((await deployTo(api, dir, [namespaceOf(), widgetCrd, widget()])).code, 0);
  api.setStatus(widgetPath, { conditions: [{ type: 'Ready', status: 'False', message: 'provisioning' }] });
  api.onNext('PATCH', widgetPath, () =>
    setTimeout(() => api.setStatus(widgetPath, { conditions: [{ type: 'Ready', status: 'True' }] }), 400),
  );
  const changedWidget = { ...widget(), spec: { size: 4 } };
  const resources = [
    namespaceOf(),
    widgetCrd,
    changedWidget,
    ...workloadsOfEveryKind(),
    deployment('a'),
    deployment('b'),
    deployment('c'),
  ];
  const r = await deployTo(api, dir, resources, '--wait=20', '--log-format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const ready = eventsOf(r)
    .filter((e) => e['kind'] === 'resource-ready')
    .map((e) => `${String(e['resourceKind'])} ${String(e['name'])}`)
    .sort();
  assert.deepEqual(ready, [
    'DaemonSet agent',
    'Deployment a',
    'Deployment b',
    'Deployment c',
    'PersistentVolumeClaim data',
    'StatefulSet db',
    'Widget w',
  ]);
  const watches = api.requests
    .filter((q) => ['1', 'true'].includes(q.query.get('watch') ?? ''))
    .map((q) => q.path);
  assert.equal(watches.filter((p) => p === DEPLOYMENTS).length, 1, 'one watch for the three Deployments');
  assert.equal(
    new Set(watches).size,
    watches.length,
    `one watch per kind and namespace: ${watches.join(', ')}`,
  );
});

test('SIGTERM while waiting: exit 130, and the kubectl proxy and its socket are gone', async () => {
  api.setOutcome('Deployment', NS, 'web', 'never-available');
  const release = await writeRelease(dir, 'release', [namespaceOf(), deployment('web')]);
  const cli = CliProcess.start(
    ['deploy', '--apply', '--wait=60', '--log-format', 'json', release, join(dir, 'out')],
    {
      cwd: dir,
      env: { ...api.env, HOME: join(api.cacheDir, 'home-must-stay-unused') },
    },
  );
  await cli.waitFor((e) => e.kind === 'resource-applied' && e['name'] === 'web');
  const proxy = childrenOf(cli.child.pid ?? 0).find((p) => p.cmdline.includes('proxy'));
  assert.ok(proxy !== undefined, 'kubectl proxy runs under deploy');
  const socket =
    proxy.cmdline.find((a) => a.startsWith('--unix-socket='))?.slice('--unix-socket='.length) ?? '';
  assert.ok(existsSync(socket));
  cli.kill('SIGTERM');
  const end = await cli.done;
  assert.equal(end.code, 130, end.stderr);
  assert.ok(
    !existsSync(`/proc/${proxy.pid}`) || readFileSync(`/proc/${proxy.pid}/stat`, 'utf8').includes(') Z '),
    'kubectl proxy ended',
  );
  assert.ok(!existsSync(dirname(socket)), 'its socket directory removed');
});

/** The processes whose parent is `pid`, with their command lines (from /proc). */
function childrenOf(pid: number): Array<{ pid: number; cmdline: string[] }> {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== pid) return [];
        return [{ pid: Number(d), cmdline: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0') }];
      } catch {
        return [];
      }
    });
}
