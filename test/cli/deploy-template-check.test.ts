import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { spec2018Dir } from '../helpers/deploy-release.js';
import { runCli } from '../helpers/run-cli.js';
import { deploymentYml, writeSpecDir } from '../helpers/spec-dir.js';
import { tempDir } from '../helpers/temp-dir.js';

test('validate renders the 2018 deploy template: missing cfg/infra values are one warning, exit 0', async () => {
  const dir = await tempDir();
  const r = await runCli(['validate', spec2018Dir], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes('deploy template'));
  assert.deepEqual(lines, [
    `warning: ${spec2018Dir}/deploy.yml: the deploy template needs values that were not given: cfg.clusterName, cfg.rootUrl, infra.auth_secret_keys, infra.auth_secret_name, cfg.tlsCertSecretName, cfg.rootHost (hint: supply them with --deploy-config and --infra-info to check the template fully)`,
  ]);
});

test('validate reports an unknown service in builtService as an error, before any build', async () => {
  const dir = await tempDir();
  await writeSpecDir(
    dir,
    'resources:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers:\n        - name: c\n          image: {$eval: "builtService(\'wbe\').dockerImage"}\n',
  );
  const r = await runCli(['validate', dir], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `error: ${dir}/deploy.yml:8: resources[0].spec.containers[0].image: builtService("wbe"): no service of that name (services: web) (evaluating "builtService('wbe').dockerImage")\n`,
  );
});

test('deploy reports a template error with file, line and path, and writes nothing', async () => {
  const dir = await tempDir();
  await writeSpecDir(
    dir,
    'resources:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: {$eval: cfg.name}\n',
  );
  const r = await runCli(['deploy', dir, join(dir, 'out')], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `error: ${dir}/deploy.yml:5: resources[0].metadata.name: object has no property "name" (evaluating "cfg.name")\n`,
  );
});

/** The trial's template: a shell variable in a command, replicas "one", an object for image. */
async function trialSpec(script: string): Promise<string> {
  const dir = await tempDir();
  const command = JSON.stringify(['sh', '-c', script]);
  await writeSpecDir(
    dir,
    deploymentYml({
      namespace: '{$eval: cfg.namespace}',
      replicas: '"one"',
      container: `{name: web, image: {name: "web:1"}, command: ${command}}`,
    }),
  );
  await writeFile(join(dir, 'deploy-config.yml'), 'namespace: apps\n');
  return dir;
}

test('validate fails where deploy fails: a shell ${…} gets the $${ hint, then the schemas are checked', async () => {
  const dir = await trialSpec('echo ${HOME}');
  const hint =
    '(hint: write $${HOME} for a literal ${HOME}: JSON-e reads every ${…} in a string as an expression, and $${ stands for a literal ${)';
  const expected = `error: ${dir}/deploy.yml:12: resources[0].spec.template.spec.containers[0].command[2]: unknown context value HOME (evaluating "echo \${HOME}") ${hint}\n`;
  // Without cfg (run from elsewhere) this was a warning, exit 0.
  for (const cwd of [await tempDir(), dir]) {
    const r = await runCli(['validate', dir], { cwd });
    assert.deepEqual([r.code, r.stderr, r.stdout], [1, expected, '']);
  }
  const deployed = await runCli(['deploy', dir, join(dir, 'out')], { cwd: dir });
  assert.deepEqual([deployed.code, deployed.stderr], [1, expected]);

  const escaped = await trialSpec('echo $${HOME}');
  const schemaErrors =
    'error: Deployment-web.json: spec.replicas: must be integer\nerror: Deployment-web.json: spec.template.spec.containers[0].image: must be string\n';
  for (const cwd of [await tempDir(), escaped]) {
    const r = await runCli(['validate', escaped], { cwd });
    assert.deepEqual([r.code, r.stderr, r.stdout], [1, schemaErrors, '']);
  }
  const deployedEscaped = await runCli(['deploy', escaped, join(escaped, 'out')], { cwd: escaped });
  assert.deepEqual([deployedEscaped.code, deployedEscaped.stderr], [1, schemaErrors]);
});
