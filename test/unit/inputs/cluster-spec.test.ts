import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../src/core/problem.js';
import { UserError } from '../../../src/core/user-error.js';
import { buildTypes } from '../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../src/inputs/cluster-spec.js';
import { fixturesDir } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const spec2018 = join(fixturesDir, 'taskcluster-spec-2018');

async function specDir(build: string, deploy = 'resources: []\n'): Promise<string> {
  const dir = join(await tempDir(), 'spec');
  await mkdir(dir);
  await writeFile(join(dir, 'build.yml'), build);
  await writeFile(join(dir, 'deploy.yml'), deploy);
  return dir;
}

async function problemsOf(path: string): Promise<string[]> {
  try {
    await loadClusterSpec(path, { serviceTypes: buildTypes });
  } catch (e) {
    assert.ok(e instanceof UserError);
    return e.problems.map(formatProblem);
  }
  return assert.fail('expected the spec to be rejected');
}

describe('loadClusterSpec', () => {
  it('loads the 2018 spec: buildtype normalised, raw kept as written, site types typed', async () => {
    const spec = await loadClusterSpec(spec2018, { serviceTypes: buildTypes });
    assert.equal(spec.repositories.length, 45);
    const ping = spec.repositories[0]!;
    assert.equal(ping.kind, 'service');
    const pingBuild = ping.kind === 'service' && 'image' in ping.service ? ping.service : undefined;
    assert.equal(pingBuild?.buildType, 'heroku-buildpack');
    assert.deepEqual(pingBuild?.keyFields, { stack: 'heroku-16', context: '.' });
    assert.deepEqual(pingBuild?.extraSources, {
      buildpack: { url: 'https://github.com/heroku/heroku-buildpack-nodejs' },
    });
    assert.equal((ping.raw['service'] as Record<string, unknown>)['buildtype'], 'heroku-buildpack');
    const docs = spec.repositories.find((r) => r.name === 'docs');
    assert.deepEqual(docs?.kind === 'service' && docs.service, { buildType: 'docs' });
    assert.equal(spec.deployLineOf?.(['resources', 0, 'kind']), 5);
    assert.equal(spec.buildLineOf?.(['repositories', 1, 'name']), 16);
    assert.deepEqual(spec.files, {
      build: join(spec2018, 'build.yml'),
      deploy: join(spec2018, 'deploy.yml'),
      spec: spec2018,
      form: 'directory',
    });
  });

  it('types each build type; node versions become strings; credentials leave raw and url', async () => {
    const dir = await specDir(
      [
        'repositories:',
        '- {name: web, kind: service, source: "https://tok3n@h/web#main", service: {buildType: docker, context: app, buildArgs: {A: "1"}}}',
        '- {name: api, kind: service, source: ../api, service: {buildType: node, node: 20, buildScript: build}}',
        '- {name: hk, kind: service, source: "git@h:o/hk", service: {buildType: heroku-buildpack, stack: heroku-22, buildpack: "https://u:pw12@h/bp#v1"}}',
        '- {name: lib, kind: other, source: "file:///srv/lib"}',
      ].join('\n'),
    );
    const spec = await loadClusterSpec(dir, { serviceTypes: buildTypes });
    const [web, api, hk, lib] = spec.repositories;
    // Each service is read by its build type: what enters its build key is what was written.
    const built = (r: typeof web) => (r?.kind === 'service' && 'image' in r.service ? r.service : undefined);
    assert.equal(built(web)?.buildType, 'docker');
    assert.deepEqual(built(web)?.keyFields, {
      builder: 'buildkit',
      context: 'app',
      dockerfile: 'Dockerfile',
      buildArgs: { A: '1' },
      target: null,
    });
    assert.deepEqual(web?.source, { url: 'https://h/web', ref: 'main', credentials: { username: 'tok3n' } });
    assert.equal(web?.raw['source'], 'https://h/web#main');
    assert.equal(built(api)?.buildType, 'node');
    assert.deepEqual(built(api)?.keyFields, {
      node: '20',
      baseImage: null,
      buildImage: null,
      buildScript: 'build',
      context: '.',
      ignoreScripts: false,
      env: {},
    });
    assert.equal(api?.source.localPath, join(dir, '..', 'api'));
    assert.deepEqual(built(hk)?.extraSources['buildpack'], {
      url: 'https://h/bp',
      ref: 'v1',
      credentials: { username: 'u', password: 'pw12' },
    });
    assert.equal((hk?.raw['service'] as Record<string, unknown>)['buildpack'], 'https://h/bp#v1');
    assert.equal(lib?.kind, 'other');
    assert.doesNotMatch(JSON.stringify(spec.rawBuild), /tok3n|pw12/);
  });

  it('loads a release (JSON) with its release block, exactSource, dockerImage, reproducible and imageDigest', async () => {
    const dir = await tempDir();
    const file = join(dir, 'release.json');
    const release = {
      build: {
        repositories: [
          {
            name: 'web',
            kind: 'service',
            source: 'https://h/web#main',
            exactSource: `https://h/web#${'c'.repeat(40)}`,
            service: {
              buildType: 'docker',
              dockerImage: 'web:SVC-abc',
              buildKey: 'abc',
              reproducible: false,
            },
          },
          {
            name: 'api',
            kind: 'service',
            source: 'https://h/api#main',
            exactSource: `https://h/api#${'d'.repeat(40)}`,
            service: {
              buildType: 'node',
              node: 20,
              dockerImage: `r.example/api@sha256:${'e'.repeat(64)}`,
              buildKey: 'def',
              reproducible: true,
              imageDigest: `sha256:${'e'.repeat(64)}`,
            },
          },
        ],
      },
      deploy: { resources: [] },
      release: {
        tool: { name: 'taskcluster-installer', version: '0.1.0' },
        createdAt: '2018-06-04T12:00:00.000Z',
      },
    };
    await writeFile(file, JSON.stringify(release));
    const spec = await loadClusterSpec(file, { serviceTypes: buildTypes });
    assert.deepEqual(spec.release, release.release);
    assert.deepEqual(spec.deploy, { resources: [] });
    assert.equal(spec.files.form, 'json');
    assert.deepEqual(spec.rawBuild, release.build);
  });

  it('collects every problem of both files before failing', async () => {
    const dir = await specDir(
      'repositories:\n- name: A\n  kind: thing\n  source: https://h/a\n- name: b\n  kind: other\n',
      '- not a mapping\n',
    );
    assert.deepEqual(await problemsOf(dir), [
      `${join(dir, 'build.yml')}:2: repositories[0].name: must be lowercase letters, digits, ".", "_" or "-", start and end with a letter or digit, and not repeat separators (it becomes part of an image name)`,
      `${join(dir, 'build.yml')}:3: repositories[0].kind: must be "service" or "other"`,
      `${join(dir, 'build.yml')}:5: repositories[1].source: required field is missing`,
      `${join(dir, 'deploy.yml')}:1: must be a mapping (a JSON-e template with a resources list)`,
    ]);
  });

  it("keeps a node service's env: !env NAME as a reference, never a value, and refuses !env elsewhere", async () => {
    const dir = await specDir(
      [
        'repositories:',
        '- name: api',
        '  kind: service',
        '  source: ../api',
        '  service:',
        '    buildType: node',
        '    node: 20',
        '    context: services/api/',
        '    ignoreScripts: true',
        '    env: {NODE_OPTIONS: --max-old-space-size=2048, TOKEN: !env TCI_TEST_UNSET_TOKEN}',
      ].join('\n'),
    );
    const spec = await loadClusterSpec(dir, { serviceTypes: buildTypes });
    const api = spec.repositories[0];
    const service = api?.kind === 'service' && 'image' in api.service ? api.service : undefined;
    const env = { NODE_OPTIONS: '--max-old-space-size=2048', TOKEN: { '!env': 'TCI_TEST_UNSET_TOKEN' } };
    assert.deepEqual(service?.keyFields['env'], env);
    assert.equal(service?.keyFields['context'], 'services/api');
    assert.deepEqual(service?.envNames, ['TCI_TEST_UNSET_TOKEN']);
    assert.deepEqual(
      (api?.raw['service'] as Record<string, unknown>)['env'],
      env,
      'the release says the same',
    );
    const elsewhere = await specDir(
      'repositories:\n- {name: api, kind: service, source: ../api, service: {buildType: node, node: !env X}}\n',
    );
    assert.deepEqual(await problemsOf(elsewhere), [
      `${join(elsewhere, 'build.yml')}:2: !env is not allowed in this file (only in config files)`,
    ]);
  });
});
