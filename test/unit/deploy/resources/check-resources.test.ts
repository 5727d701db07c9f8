import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import { checkResources } from '../../../../src/deploy/resources/check-resources.js';

const origin = (i: number) => ({ file: 'deploy.yml', path: `resources[${i}]` });

function cm(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra };
}

async function errorsOf(resources: unknown[], validate = true): Promise<string[]> {
  try {
    await checkResources(resources, { validate, origin });
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return e.problems.map(formatProblem);
  }
  assert.fail('no error');
}

test('file names: top-level name (removed from the object), else metadata.name', async () => {
  const { files, warnings } = await checkResources([cm('a', { name: 'label' }), cm('b')], {
    validate: true,
    origin,
  });
  assert.deepEqual(
    files.map((f) => f.fileName),
    ['ConfigMap-label.json', 'ConfigMap-b.json'],
  );
  assert.equal(files[0]?.object['name'], undefined);
  assert.deepEqual(warnings, []);
});

test('apiVersion, kind and metadata.name must be present strings', async () => {
  assert.deepEqual(await errorsOf([{ kind: 'ConfigMap', metadata: { name: 3 } }, 'x']), [
    'deploy.yml: resources[0].apiVersion: is missing (hint: every resource needs apiVersion, kind and metadata.name)',
    'deploy.yml: resources[0].metadata.name: must be a non-empty string, not a number (3) (hint: every resource needs apiVersion, kind and metadata.name)',
    'deploy.yml: resources[1]: must be an object (a Kubernetes resource), not a string ("x")',
  ]);
});

test('names that would leave the directory or hide are errors', async () => {
  const hint = ' (hint: each resource is written to <kind>-<name>.json inside the output directory)';
  const cases: Array<[string, string]> = [
    ['a/b', 'contains "/"'],
    ['a\\b', 'contains "\\"'],
    ['..', 'contains ".."'],
    ['x\u0000y', 'contains a NUL character'],
    ['.hidden', 'starts with "."'],
  ];
  for (const [name, why] of cases) {
    assert.deepEqual(await errorsOf([cm('ok', { name })]), [
      `deploy.yml: resources[0].name: ${JSON.stringify(name)} cannot be part of a file name: it ${why}${hint}`,
    ]);
  }
  assert.deepEqual(await errorsOf([cm('ok', { name: '' })]), [
    'deploy.yml: resources[0].name: "" cannot be part of a file name: it is empty' + hint,
  ]);
  assert.deepEqual(await errorsOf([{ ...cm('ok'), kind: '../Evil' }]), [
    'deploy.yml: resources[0].kind: "../Evil" cannot be part of a file name: it contains "/"' + hint,
  ]);
});

test('two resources for one file are an error naming both, also when only the letter case differs', async () => {
  const hint = ' (hint: give each resource a distinct top-level name or metadata.name)';
  assert.deepEqual(await errorsOf([cm('web'), cm('other'), cm('x', { name: 'web' })]), [
    'deploy.yml: resources[2]: resources[2] and resources[0] would both be written to ConfigMap-web.json' +
      hint,
  ]);
  assert.deepEqual(await errorsOf([cm('web'), cm('Web')]), [
    'deploy.yml: resources[1]: resources[1] (ConfigMap-Web.json) and resources[0] (ConfigMap-web.json) differ only in letter case, which case-insensitive file systems (macOS, Windows) cannot keep apart' +
      hint,
  ]);
});

test('built-in kinds are validated against their schema, naming the file and field path', async () => {
  const deployment = {
    name: 'web-deployment',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 'two',
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ image: 'x' }] } },
    },
  };
  assert.deepEqual(await errorsOf([deployment]), [
    'Deployment-web-deployment.json: spec.replicas: must be integer',
    'Deployment-web-deployment.json: spec.template.spec.containers[0].name: is required',
  ]);
  const { files } = await checkResources([deployment], { validate: false, origin });
  assert.equal(files.length, 1, '--no-validate skips schemas');
});

test('custom resources warn once each; retired API versions are validated against the old schema and warn', async () => {
  const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
  const old = {
    apiVersion: 'extensions/v1beta1',
    kind: 'Ingress',
    metadata: { name: 'i' },
    spec: { rules: [{ http: { paths: [{ backend: { serviceName: 's', servicePort: 80 } }] } }] },
  };
  const { warnings } = await checkResources([custom, { ...custom, metadata: { name: 'v' } }, old], {
    validate: true,
    origin,
  });
  assert.deepEqual(warnings.map(formatProblem), [
    'Widget-w.json: no schema is known for Widget in example.com/v1 (a custom resource?), so it was not validated',
    'Widget-v.json: no schema is known for Widget in example.com/v1 (a custom resource?), so it was not validated',
    "Ingress-i.json: apiVersion: extensions/v1beta1 is no longer served since Kubernetes 1.16, so today's clusters will refuse this Ingress (use networking.k8s.io/v1)",
  ]);
  const broken = { ...old, spec: { rules: 'nope' } };
  assert.deepEqual(await errorsOf([broken]), ['Ingress-i.json: spec.rules: must be array']);
});
