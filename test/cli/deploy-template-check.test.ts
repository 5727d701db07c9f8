import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { spec2018Dir } from '../helpers/deploy-release.js';
import { runCli } from '../helpers/run-cli.js';
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
  await writeFile(
    join(dir, 'build.yml'),
    'repositories:\n  - name: web\n    kind: service\n    source: https://git.example.com/web.git\n    service: {buildType: docker}\n',
  );
  await writeFile(
    join(dir, 'deploy.yml'),
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
  await writeFile(
    join(dir, 'build.yml'),
    'repositories:\n  - name: web\n    kind: service\n    source: https://git.example.com/web.git\n    service: {buildType: docker}\n',
  );
  await writeFile(
    join(dir, 'deploy.yml'),
    'resources:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: {$eval: cfg.name}\n',
  );
  const r = await runCli(['deploy', dir, join(dir, 'out')], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `error: ${dir}/deploy.yml:5: resources[0].metadata.name: object has no property "name" (evaluating "cfg.name")\n`,
  );
});
