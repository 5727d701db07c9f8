import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../src/core/problem.js';
import { UserError } from '../../../src/core/user-error.js';
import { isTerraformOutput, loadDeployConfig, loadInfraInfo } from '../../../src/inputs/deploy-inputs.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function file(dir: string, name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

describe('loadInfraInfo', () => {
  it('unwraps `terraform output -json` to the values', async () => {
    const dir = await tempDir();
    const tf = {
      db_secret: { sensitive: false, type: 'string', value: 'tc-db' },
      buckets: { sensitive: false, type: ['list', 'string'], value: ['a', 'b'] },
      password_ref: { sensitive: true, type: ['object', { key: 'string' }], value: { key: 'pw' } },
    };
    assert.deepEqual(await loadInfraInfo(await file(dir, 'tf.json', JSON.stringify(tf))), {
      db_secret: 'tc-db',
      buckets: ['a', 'b'],
      password_ref: { key: 'pw' },
    });
  });

  it('keeps plain JSON as it is, even when only some values look wrapped', async () => {
    const dir = await tempDir();
    const plain = { a: { value: 1, type: 'number' }, b: 'plain' };
    assert.deepEqual(await loadInfraInfo(await file(dir, 'p.json', JSON.stringify(plain))), plain);
    assert.equal(isTerraformOutput({ a: { value: 1, type: 'n', extra: 1 } }), false);
    assert.equal(isTerraformOutput({}), false);
  });

  it('no file is no infra; a non-object is an error naming the file', async () => {
    assert.deepEqual(await loadInfraInfo(undefined), {});
    const dir = await tempDir();
    const f = await file(dir, 'list.json', '[1, 2]');
    await assert.rejects(loadInfraInfo(f), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        formatProblem(e.problems[0]!),
        `${f}: must be a JSON object (hint: e.g. the output of \`terraform output -json\`)`,
      );
      return true;
    });
  });
});

describe('loadDeployConfig', () => {
  it('merges the default files from cwd in order, with !env', async () => {
    const dir = await tempDir();
    await file(dir, 'deploy-config.yml', 'rootUrl: https://a.example\nreplicas: {queue: 2, auth: 1}\n');
    await file(dir, 'user-deploy-config.yml', 'rootUrl: !env ROOT_URL\nreplicas: {queue: 5}\n');
    assert.deepEqual(await loadDeployConfig(undefined, dir, { ROOT_URL: 'https://b.example' }), {
      rootUrl: 'https://b.example',
      replicas: { queue: 5, auth: 1 },
    });
  });

  it('no files at all is an empty cfg', async () => {
    assert.deepEqual(await loadDeployConfig(undefined, await tempDir(), {}), {});
  });
});
