import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../src/core/problem.js';
import { UserError } from '../../../src/core/user-error.js';
import { loadBuildConfig } from '../../../src/spec/build-config.js';
import { fixturesDir } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof UserError);
    return e.problems.map(formatProblem);
  }
  return assert.fail('expected the build config to be rejected');
}

describe('loadBuildConfig', () => {
  it('reads the 2018 layout (a top-level defaults: profile) from the default file name', async () => {
    const dir = await tempDir();
    await copyFile(
      join(fixturesDir, 'taskcluster-spec-2018', 'build-config.yml'),
      join(dir, 'build-config.yml'),
    );
    assert.deepEqual(await loadBuildConfig(undefined, dir, {}), {
      docker: { repositoryPrefix: 'djmitche/taskcluster-', registries: {} },
      images: {},
      secrets: [],
    });
  });

  it('no files: the defaults', async () => {
    assert.deepEqual(await loadBuildConfig(undefined, await tempDir(), {}), {
      docker: { repositoryPrefix: '', registries: {} },
      images: {},
      secrets: [],
    });
  });

  it('merges files in order, completes a registry across files, and lists every secret', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'a.yml'),
      'docker:\n  repositoryPrefix: r.example/tc/\n  registries:\n    r.example: {username: ci, password: first-pw}\nimages: {"node:20": m/node:20}\n',
    );
    await writeFile(join(dir, 'b.yml'), 'docker:\n  registries:\n    r.example: {password: !env REG_PW}\n');
    const config = await loadBuildConfig(['a.yml', 'b.yml'], dir, { REG_PW: 'env-secret' });
    assert.deepEqual(config.docker, {
      repositoryPrefix: 'r.example/tc/',
      registries: { 'r.example': { username: 'ci', password: 'env-secret' } },
    });
    assert.deepEqual(config.images, { 'node:20': 'm/node:20' });
    assert.deepEqual(config.secrets.sort(), ['env-secret', 'first-pw']);
  });

  it('names file, line and path, and never quotes a value', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'c.yml'),
      'docker:\n  registries:\n    r.example: {username: ci, password: 12345678, token: hunter2hunter2}\n',
    );
    const problems = await problemsOf(loadBuildConfig(['c.yml'], dir, {}));
    assert.deepEqual(problems, [
      'c.yml:3: docker.registries["r.example"].token: unknown field (hint: known fields: username, password)',
      'c.yml:3: docker.registries["r.example"].password: must be a string',
    ]);
    assert.doesNotMatch(problems.join('\n'), /hunter2|12345678/);
  });

  it('a registry without a password after merging is an error', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'd.yml'), 'docker: {registries: {r.example: {username: ci}}}\n');
    assert.deepEqual(await problemsOf(loadBuildConfig(['d.yml'], dir, {})), [
      'd.yml: docker.registries["r.example"]: needs password (after merging all build config files)',
    ]);
  });
});
