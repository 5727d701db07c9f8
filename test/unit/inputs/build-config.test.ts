import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../src/core/problem.js';
import { UserError } from '../../../src/core/user-error.js';
import { loadBuildConfig } from '../../../src/inputs/build-config.js';
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
      docker: { repositoryPrefix: 'djmitche/taskcluster-', registries: {}, builder: 'buildkit' },
      images: {},
      engines: [],
      secrets: {},
      sensitiveValues: [],
    });
  });

  it('no files: the defaults', async () => {
    assert.deepEqual(await loadBuildConfig(undefined, await tempDir(), {}), {
      docker: { repositoryPrefix: '', registries: {}, builder: 'buildkit' },
      images: {},
      engines: [],
      secrets: {},
      sensitiveValues: [],
    });
  });

  it('reads build secrets: values (from !env too) are redacted; a file is read later, from its path beside the config', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'conf'));
    await writeFile(
      join(dir, 'conf', 'a.yml'),
      'secrets:\n  npm-token: !env NPM_TOKEN\n  netrc: {file: ../home/.netrc}\n  plain: literal-value\n',
    );
    await writeFile(join(dir, 'b.yml'), 'secrets:\n  plain: {file: /etc/token}\n');
    const config = await loadBuildConfig(['conf/a.yml', 'b.yml'], dir, { NPM_TOKEN: 'tok-123456' });
    assert.deepEqual(config.secrets, {
      'npm-token': 'tok-123456',
      netrc: { file: join(dir, 'home', '.netrc') },
      plain: { file: '/etc/token' },
    });
    assert.deepEqual(config.sensitiveValues.sort(), ['literal-value', 'tok-123456']);
  });

  it('refuses a secret id BuildKit cannot mount and an entry that is neither a value nor {file}', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yml'), 'secrets:\n  "bad id": x\n  good: {path: /x}\n  list: [1]\n');
    await assert.rejects(loadBuildConfig(['a.yml'], dir, {}), (e: unknown) => {
      const text = (e as UserError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
      assert.match(text, /secrets\["bad id"\]: is not a secret id/);
      assert.match(text, /secrets\.good\.path: /);
      assert.match(text, /secrets\.list: must be the secret's value/);
      return true;
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
      builder: 'buildkit',
    });
    await writeFile(join(dir, 'c.yml'), 'docker:\n  builder: legacy\n');
    const legacy = await loadBuildConfig(['a.yml', 'c.yml'], dir, { REG_PW: 'x' });
    assert.equal(legacy.docker.builder, 'legacy', 'docker.builder is read and merged like the rest');
    assert.deepEqual(config.images, { 'node:20': 'm/node:20' });
    assert.deepEqual(config.sensitiveValues.sort(), ['env-secret', 'first-pw']);
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

  it('reads engines: endpoints or {endpoint, concurrency, certPath}, from the last file naming any', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yml'), 'engines: ["tcp://old:2375"]\n');
    await writeFile(
      join(dir, 'b.yml'),
      'engines:\n  - unix:///var/run/docker.sock\n  - {endpoint: "tcp://b2:2376", concurrency: 4, certPath: certs/b2}\n',
    );
    const config = await loadBuildConfig(['a.yml', 'b.yml'], dir, {});
    assert.deepEqual(config.engines, [
      { endpoint: 'unix:///var/run/docker.sock', file: 'b.yml', line: 2, path: 'engines[0]' },
      {
        endpoint: 'tcp://b2:2376',
        concurrency: 4,
        certPath: join(dir, 'certs/b2'),
        file: 'b.yml',
        line: 3,
        path: 'engines[1]',
      },
    ]);
  });

  it('bad engines entries name the file, the line and the entry', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'build-config.yml'),
      'engines:\n  - builder-1:2375\n  - {endpoint: "tcp://b2", concurrency: 0}\n  - {host: "tcp://b3"}\n  - 42\n',
    );
    const text =
      'must be a Docker engine address: unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or {endpoint, concurrency, certPath}';
    assert.deepEqual(await problemsOf(loadBuildConfig(undefined, dir, {})), [
      `build-config.yml:2: engines[0]: ${text}`,
      'build-config.yml:3: engines[1].concurrency: must be a whole number of image builds at once, 1 or more',
      'build-config.yml:4: engines[2].endpoint: required field is missing',
      'build-config.yml:4: engines[2].host: unknown field (hint: known fields: endpoint, concurrency, certPath)',
      `build-config.yml:5: engines[3]: ${text}`,
    ]);
  });
});
