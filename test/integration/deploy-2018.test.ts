import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageOf, INFRA_2018, write2018Inputs } from '../helpers/deploy-release.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const SEVEN = [
  'Deployment-auth-web-deployment.json',
  'Deployment-ping-web-deployment.json',
  'Deployment-tools-web-deployment.json',
  'Ingress-taskcluster-ingress.json',
  'Service-auth-web-service.json',
  'Service-ping-web-service.json',
  'Service-tools-web-service.json',
];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Written {
  name?: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Array<{ image: string; env?: EnvVar[] }> } }; tls?: unknown };
}

async function readJson(file: string): Promise<Written> {
  return JSON.parse(await readFile(file, 'utf8')) as Written;
}

function containerOf(d: Written): { image: string; env?: EnvVar[] } {
  const c = d.spec.template.spec.containers[0];
  assert.ok(c);
  return c;
}

test('a release of the 2018 spec deploys to exactly seven files with the release images and secret refs', async () => {
  const dir = await tempDir();
  const inputs = await write2018Inputs(dir);
  const out = join(dir, 'out');
  const r = await runCli(['deploy', '--infra-info', inputs.infra, inputs.release, out], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await readdir(out)).sort(), SEVEN);

  for (const svc of ['ping', 'tools', 'auth']) {
    const d = await readJson(join(out, `Deployment-${svc}-web-deployment.json`));
    assert.equal(containerOf(d).image, imageOf(svc));
    assert.equal(d.name, undefined, 'the top-level name only names the file');
    assert.equal(d.metadata.name, svc);
  }
  const auth = await readJson(join(out, 'Deployment-auth-web-deployment.json'));
  const refs = (containerOf(auth).env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
  assert.deepEqual(
    refs,
    INFRA_2018.auth_secret_keys.map((k) => ({
      name: k,
      valueFrom: { secretKeyRef: { name: 'auth-secrets', key: k } },
    })),
  );
  const tools = await readJson(join(out, 'Deployment-tools-web-deployment.json'));
  assert.deepEqual(containerOf(tools).env, [{ name: 'APPLICATION_NAME', value: 'test-cluster' }]);
  const ingress = await readJson(join(out, 'Ingress-taskcluster-ingress.json'));
  assert.deepEqual(ingress.spec.tls, [{ secretName: 'tc-tls', hosts: ['tc.example.com'] }]);

  const warnings = r.stderr.split('\n').filter((l) => l.includes('warning: '));
  assert.equal(warnings.length, 4, r.stderr);
  assert.match(
    r.stderr,
    /warning: Deployment-ping-web-deployment\.json: apiVersion: apps\/v1beta2 is no longer served since Kubernetes 1\.16, so today's clusters will refuse this Deployment \(use apps\/v1\)/,
  );
  assert.match(
    r.stderr,
    /warning: Ingress-taskcluster-ingress\.json: apiVersion: extensions\/v1beta1 is no longer served since Kubernetes 1\.16, so today's clusters will refuse this Ingress \(use networking\.k8s\.io\/v1\)/,
  );
  assert.match(r.stderr, new RegExp(`wrote 7 resources to ${out}\\n$`));
});

test('infra in `terraform output -json` form is unwrapped', async () => {
  const dir = await tempDir();
  const inputs = await write2018Inputs(dir);
  const wrapped = {
    auth_secret_name: { sensitive: false, type: 'string', value: 'tf-auth' },
    auth_secret_keys: { sensitive: false, type: ['list', 'string'], value: ['ONE'] },
  };
  await writeFile(inputs.infra, JSON.stringify(wrapped));
  const out = join(dir, 'out');
  const r = await runCli([
    'deploy',
    '--infra-info',
    inputs.infra,
    '--deploy-config',
    inputs.config,
    inputs.release,
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const auth = await readJson(join(out, 'Deployment-auth-web-deployment.json'));
  const refs = (containerOf(auth).env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
  assert.deepEqual(refs, [{ name: 'ONE', valueFrom: { secretKeyRef: { name: 'tf-auth', key: 'ONE' } } }]);
});

test('the same inputs rendered twice give byte-identical directories', async () => {
  const dir = await tempDir();
  const inputs = await write2018Inputs(dir);
  const contents: Record<string, string>[] = [];
  for (const name of ['a', 'b']) {
    const out = join(dir, name);
    const r = await runCli(['deploy', '--infra-info', inputs.infra, inputs.release, out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const files: Record<string, string> = {};
    for (const f of await readdir(out)) files[f] = await readFile(join(out, f), 'utf8');
    contents.push(files);
  }
  assert.deepEqual(contents[0], contents[1]);
  const first = Object.values(contents[0] ?? {})[0] ?? '';
  assert.ok(
    first.startsWith('{\n  "apiVersion"') && first.endsWith('}\n'),
    '2-space JSON with a trailing newline',
  );
});

test('--no-validate skips schemas but still warns about retired API versions', async () => {
  const dir = await tempDir();
  const inputs = await write2018Inputs(dir);
  const out = join(dir, 'out');
  const r = await runCli(['deploy', '--no-validate', '--infra-info', inputs.infra, inputs.release, out], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readdir(out)).length, 7);
  assert.match(r.stderr, /apps\/v1beta2 is no longer served/);
});

test('--log-format json prints one JSON event per line on stdout, the summary on stderr', async () => {
  const dir = await tempDir();
  const inputs = await write2018Inputs(dir);
  const out = join(dir, 'out');
  const r = await runCli(
    ['deploy', '--log-format', 'json', '--infra-info', inputs.infra, inputs.release, out],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string });
  assert.equal(events.filter((e) => e.kind === 'warning').length, 4);
  assert.equal(events.filter((e) => e.kind === 'resource-written').length, 7);
  assert.deepEqual(events.at(-1), { ...events.at(-1), kind: 'output-written', dir: out, files: 7 });
  assert.equal(r.stderr, `wrote 7 resources to ${out}\n`);
});
