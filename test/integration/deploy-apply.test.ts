import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startKubeApiDouble, type KubeApiDouble } from '../helpers/kube-api-double.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

let api: KubeApiDouble;
before(async () => {
  api = await startKubeApiDouble();
});
after(async () => {
  await api.stop();
});

function release(apiVersion = 'apps/v1'): unknown {
  const labels = { app: 'web' };
  return {
    build: { repositories: [] },
    deploy: {
      resources: [
        {
          apiVersion,
          kind: 'Deployment',
          metadata: { name: { $eval: 'cfg.name' }, namespace: 'apps' },
          spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web' },
          spec: { selector: labels, ports: [{ port: 80 }] },
        },
      ],
    },
    release: {
      tool: { name: 'taskcluster-installer', version: '0.1.0' },
      createdAt: '2020-01-01T00:00:00.000Z',
    },
  };
}

async function inputs(
  name: string,
  apiVersion?: string,
): Promise<{ dir: string; release: string; config: string; out: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'release.json'), JSON.stringify(release(apiVersion)));
  await writeFile(join(dir, 'deploy-config.yml'), `name: ${name}\n`);
  return {
    dir,
    release: join(dir, 'release.json'),
    config: join(dir, 'deploy-config.yml'),
    out: join(dir, 'out'),
  };
}

const env = () => ({ ...api.env, HOME: join(api.cacheDir, 'home-must-stay-unused') });

test('--apply runs kubectl apply -f <dir>: kubectl creates each resource, its output is streamed', async () => {
  const i = await inputs('web1');
  api.requests.length = 0;
  const r = await runCli(['deploy', '--apply', i.release, i.out], { cwd: i.dir, env: env() });
  assert.equal(r.code, 0, r.stderr);
  const posts = api.requests.filter((q) => q.method === 'POST');
  assert.deepEqual(
    posts.map((q) => [q.path, q.context, (q.body as { metadata: { name: string } }).metadata.name]),
    [
      ['/apis/apps/v1/namespaces/apps/deployments', 'double-a', 'web1'],
      ['/api/v1/namespaces/default/services', 'double-a', 'web'],
      // then the record of what was applied (docs/deploy.md, "Inventory")
      ['/api/v1/namespaces/default/configmaps', 'double-a', 'taskcluster-installer-default'],
    ],
  );
  assert.equal(posts[0]?.query.get('fieldManager'), 'kubectl-client-side-apply');
  assert.match(r.stderr, /deployment\.apps\/web1 created/);
  assert.match(r.stderr, /service\/web created/);
  assert.deepEqual(await readdir(i.out), ['Deployment-web1.json', 'Service-web.json']);
});

test('--context is handed to kubectl', async () => {
  const i = await inputs('web2');
  api.requests.length = 0;
  const r = await runCli(['deploy', '--apply', '--context', 'double-b', i.release, i.out], {
    cwd: i.dir,
    env: env(),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(api.requests.length > 0);
  assert.deepEqual([...new Set(api.requests.map((q) => q.context))], ['double-b']);
});

test('kubectl failing is exit 1 with its status; the output directory stays written', async () => {
  // The double, like today's clusters, does not serve apps/v1beta2.
  const i = await inputs('web3', 'apps/v1beta2');
  const r = await runCli(['deploy', '--apply', i.release, i.out], { cwd: i.dir, env: env() });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `error: kubectl apply failed with exit status 1 \\(hint: the resource files stay in ${i.out}\\)`,
    ),
  );
  assert.match(r.stderr, /error validating "[^"]*Deployment-web3\.json"/, 'kubectl output is shown');
  assert.deepEqual(await readdir(i.out), ['Deployment-web3.json', 'Service-web.json']);
});

test('a kubectl that cannot be started is named', async () => {
  const i = await inputs('web4');
  const missing = join(i.dir, 'no-such-kubectl');
  const r = await runCli(['deploy', '--apply', '--kubectl', missing, i.release, i.out], {
    cwd: i.dir,
    env: env(),
  });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('error:'))
      .join('\n'),
    `error: could not start kubectl at ${missing}: ENOENT (hint: install kubectl, or name it with --kubectl <path>)`,
  );
  assert.deepEqual(await readdir(i.out), ['Deployment-web4.json', 'Service-web.json']);
});

test('--wait waits for each Deployment to roll out in its namespace', async () => {
  const i = await inputs('web5');
  api.defaultOutcome = 'ready';
  api.requests.length = 0;
  const r = await runCli(['deploy', '--apply', '--wait=20', i.release, i.out], { cwd: i.dir, env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /deployment "web5" successfully rolled out/);
  assert.ok(
    api.requests.some(
      (q) =>
        q.path === '/apis/apps/v1/namespaces/apps/deployments' &&
        q.query.get('fieldSelector') === 'metadata.name=web5',
    ),
  );
});

test('--wait: at the deadline, exit 1 naming the workloads not ready', async () => {
  const i = await inputs('web6');
  api.defaultOutcome = 'never-available';
  try {
    const r = await runCli(['deploy', '--apply', '--wait=2', i.release, i.out], { cwd: i.dir, env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: not ready after 2 s: Deployment apps\/web6 \(hint: /);
    assert.match(r.stderr, /Deployment apps\/web6: error: timed out waiting for the condition/);
  } finally {
    api.defaultOutcome = 'ready';
  }
});

test('--wait without --apply is a usage error', async () => {
  const i = await inputs('web7');
  const r = await runCli(['deploy', i.release, i.out, '--wait'], { cwd: i.dir });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'error: --wait needs --apply\n');
});
