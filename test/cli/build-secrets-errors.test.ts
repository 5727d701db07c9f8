import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Contract section 6: a service naming a secret the build config lacks fails before any build,
 * naming both; every such service is named at once, and no value is shown.
 */
describe('build secrets a service names but the build config lacks', () => {
  it('exit 1 before any work, naming file, line, service and id of each; no release, no base dir', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'spec'));
    // Sources no test serves: reaching for them would fail differently, and slowly.
    await writeFile(
      join(dir, 'spec', 'build.yml'),
      [
        'repositories:',
        '  - name: api',
        '    kind: service',
        '    source: https://git.example.invalid/api.git#main',
        '    service: {buildType: docker, secrets: [npm-token, missing]}',
        '  - name: web',
        '    kind: service',
        '    source: https://git.example.invalid/web.git#main',
        '    service:',
        '      buildType: node',
        '      node: 20',
        '      secrets: [gone]',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
    await writeFile(join(dir, 'build-config.yml'), 'secrets:\n  npm-token: !env NPM_TOKEN\n');
    const r = await runCli(['build', '--base-dir', 'base', 'spec', 'release.json'], {
      cwd: dir,
      env: { NPM_TOKEN: 'tok-never-shown-4711' },
      killAfterMs: 20_000,
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      [
        'error: spec/build.yml:5: repositories[0].service.secrets[1]: service "api" names the secret "missing", which the build config\'s secrets do not have (hint: its secrets: npm-token)',
        'error: spec/build.yml:12: repositories[1].service.secrets[0]: service "web" names the secret "gone", which the build config\'s secrets do not have (hint: its secrets: npm-token)',
        '',
      ].join('\n'),
    );
    assert.equal(existsSync(join(dir, 'release.json')), false);
    assert.equal(existsSync(join(dir, 'base')), false, 'the base dir was not even made');
  });

  it('a secret id that is no id is refused when the spec is read', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'spec'));
    await writeFile(
      join(dir, 'spec', 'build.yml'),
      'repositories:\n  - name: api\n    kind: service\n    source: ./api\n    service: {buildType: docker, secrets: ["../x"]}\n',
    );
    await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
    const r = await runCli(['validate', 'spec'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: spec\/build\.yml:5: repositories\[0\]\.service\.secrets\[0\]: must be a secret id/,
    );
  });

  it('the legacy builder cannot mount secrets: refused when the spec is read, or by the build config, before any work', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'spec'));
    const service = (fields: string) =>
      `repositories:\n  - name: api\n    kind: service\n    source: https://git.example.invalid/api.git#main\n    service: {buildType: docker, secrets: [npm-token]${fields}}\n`;
    await writeFile(join(dir, 'spec', 'build.yml'), service(', builder: legacy'));
    await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
    await writeFile(join(dir, 'build-config.yml'), 'secrets:\n  npm-token: !env NPM_TOKEN\n');
    const env = { NPM_TOKEN: 'tok-never-shown-4711' };
    const validate = await runCli(['validate', 'spec'], { cwd: dir, env });
    assert.equal(validate.code, 1);
    assert.equal(
      validate.stderr,
      'error: spec/build.yml:5: repositories[0].service.secrets: the legacy builder cannot mount build secrets (RUN --mount=type=secret needs BuildKit) (hint: remove builder: legacy (BuildKit is the default), or the secrets)\n',
    );

    await writeFile(join(dir, 'spec', 'build.yml'), service(''));
    await writeFile(join(dir, 'legacy.yml'), 'docker:\n  builder: legacy\n');
    const args = ['--build-config', 'build-config.yml', '--build-config', 'legacy.yml'];
    const build = await runCli(['build', '--base-dir', 'base', ...args, 'spec', 'release.json'], {
      cwd: dir,
      env,
      killAfterMs: 20_000,
    });
    assert.equal(build.code, 1);
    assert.equal(
      build.stderr,
      'error: spec/build.yml:5: repositories[0].service.secrets: service "api": the legacy builder cannot mount build secrets (RUN --mount=type=secret needs BuildKit), and the build config\'s docker.builder is legacy (hint: set builder: buildkit on this service)\n',
    );
    assert.equal(existsSync(join(dir, 'release.json')), false);
    assert.equal(existsSync(join(dir, 'base')), false, 'the base dir was not even made');
  });
});
