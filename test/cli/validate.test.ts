import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturesDir, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const spec2018 = join(fixturesDir, 'taskcluster-spec-2018');
const siteWarnings = (file: string) =>
  [
    [113, 11, 'docs', 'docs'],
    [124, 12, 'tools-ui', 'tools'],
    [135, 13, 'references', 'references'],
  ]
    .map(
      ([line, i, type, name]) =>
        `warning: ${file}:${line}: repositories[${i}].service.buildType: site build type "${type}" is recognised but not built (hint: build stops on it unless --target-service leaves out "${name}")\n`,
    )
    .join('');

/** The site-type warnings; other warnings (e.g. the deploy template's missing cfg values) may follow. */
const siteLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.includes('site build type'))
    .map((l) => l + '\n')
    .join('');

describe('validate accepts the 2018 spec', () => {
  it('with the 2018 build config named by --build-config: exit 0, one warning per site build type', async () => {
    const cwd = await tempDir();
    const r = await runCli(['validate', spec2018, '--build-config', join(spec2018, 'build-config.yml')], {
      cwd,
    });
    assert.equal(siteLines(r.stderr), siteWarnings(join(spec2018, 'build.yml')));
    assert.doesNotMatch(r.stderr, /^error:/m);
    assert.equal(r.stdout, `${spec2018}: 45 repositories (14 services), ok\n`);
    assert.equal(r.code, 0);
  });

  it('without a build config, from the spec directory, naming files as the user did', async () => {
    const r = await runCli(['validate', '.'], { cwd: spec2018 });
    assert.equal(siteLines(r.stderr), siteWarnings('build.yml'));
    assert.doesNotMatch(r.stderr, /^error:/m);
    assert.equal(r.stdout, '.: 45 repositories (14 services), ok\n');
    assert.equal(r.code, 0);
  });

  it('--log-format json: warnings as events on stdout, the summary on stderr', async () => {
    const cwd = await tempDir();
    const r = await runCli(['validate', spec2018, '--log-format', 'json'], { cwd });
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      events
        .filter((e) => String(e['message']).startsWith('site build type'))
        .map((e) => [e['kind'], e['line'], e['path']]),
      [
        ['warning', 113, 'repositories[11].service.buildType'],
        ['warning', 124, 'repositories[12].service.buildType'],
        ['warning', 135, 'repositories[13].service.buildType'],
      ],
    );
    assert.equal(r.stderr, `${spec2018}: 45 repositories (14 services), ok\n`);
    assert.equal(r.code, 0);
  });
});

describe('validate with config files', () => {
  it('reads default build and deploy config files from the working directory, and infra info', async () => {
    const cwd = await tempDir();
    await copyFile(join(spec2018, 'build-config.yml'), join(cwd, 'build-config.yml'));
    await writeFile(
      join(cwd, 'user-build-config.yml'),
      'docker: {registries: {r.example: {username: u, password: !env PW}}}\n',
    );
    await writeFile(join(cwd, 'deploy-config.yml'), 'rootUrl: https://tc.example.com\n');
    await writeFile(join(cwd, 'infra.json'), JSON.stringify({ db: { value: 'x', type: 'string' } }));
    await writeFile(
      join(cwd, 'spec.json'),
      JSON.stringify({
        build: {
          repositories: [
            { name: 'web', kind: 'service', source: 'https://t0ken@h/web', service: { buildType: 'docker' } },
          ],
        },
        deploy: { resources: [] },
      }),
    );
    const r = await runCli(['validate', 'spec.json', '--infra-info', 'infra.json'], {
      cwd,
      env: { PW: 'secret-pw' },
    });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'spec.json: 1 repositories (1 services), ok\n');
    assert.equal(r.code, 0);
  });
});
