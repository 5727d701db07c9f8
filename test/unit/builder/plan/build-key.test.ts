import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeBuildKey, type BuildKeyInputs } from '../../../../src/builder/plan/build-key.js';
import { diffBuildKeyInputs } from '../../../../src/builder/plan/diff-build-key-inputs.js';
import { dockerKeyFields } from '../../../../src/build-types/docker/docker-fields.js';
import { readService } from '../../../helpers/read-service.js';

const base: BuildKeyInputs = {
  stepVersion: 'docker-1',
  buildType: 'docker',
  commit: '1'.repeat(40),
  serviceFields: { context: '.', dockerfile: 'Dockerfile', buildArgs: { A: '1' }, target: null },
  baseImages: { 'node:20': 'sha256:' + 'a'.repeat(64) },
  extraCommits: {},
};

test('the key is 32 hex characters and stable', () => {
  const key = computeBuildKey(base);
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal(computeBuildKey(structuredClone(base)), key);
});

test('each real input changes the key', () => {
  const key = computeBuildKey(base);
  const variants: Array<[string, BuildKeyInputs]> = [
    ['stepVersion', { ...base, stepVersion: 'docker-2' }],
    ['buildType', { ...base, buildType: 'node' }],
    ['commit', { ...base, commit: '2'.repeat(40) }],
    ['build arg', { ...base, serviceFields: { ...base.serviceFields, buildArgs: { A: '2' } } }],
    ['target', { ...base, serviceFields: { ...base.serviceFields, target: 'prod' } }],
    ['base image digest', { ...base, baseImages: { 'node:20': 'sha256:' + 'b'.repeat(64) } }],
    [
      'another base image',
      { ...base, baseImages: { ...base.baseImages, 'busybox:1': 'sha256:' + 'c'.repeat(64) } },
    ],
    ['buildpack commit', { ...base, extraCommits: { buildpack: '3'.repeat(40) } }],
  ];
  const keys = new Set([key]);
  for (const [what, inputs] of variants) {
    const k = computeBuildKey(inputs);
    assert.notEqual(k, key, what);
    keys.add(k);
  }
  assert.equal(keys.size, variants.length + 1, 'every variant gives its own key');
});

test('key order does not matter, and nothing but the inputs counts', () => {
  const reordered: BuildKeyInputs = {
    extraCommits: {},
    baseImages: { ...base.baseImages },
    serviceFields: { target: null, buildArgs: { A: '1' }, dockerfile: 'Dockerfile', context: '.' },
    commit: base.commit,
    buildType: 'docker',
    stepVersion: 'docker-1',
  };
  assert.equal(computeBuildKey(reordered), computeBuildKey(base));
  // Extra properties (a time, a base dir, a credential) are not part of the key.
  const noisy = { ...base, at: Date.now(), baseDir: '/tmp/x', password: 'hunter2' } as BuildKeyInputs;
  assert.equal(computeBuildKey(noisy), computeBuildKey(base));
});

test('service fields are normalised: spelling of defaults and paths does not change the key', () => {
  const a = readService({ buildType: 'docker' }).keyFields;
  const b = readService({ buildType: 'docker', context: './', dockerfile: './Dockerfile' }).keyFields;
  assert.deepEqual(a, b);
  assert.deepEqual(dockerKeyFields({ context: './app//', dockerfile: 'docker/../Dockerfile' }, 'buildkit'), {
    builder: 'buildkit',
    context: 'app',
    dockerfile: 'Dockerfile',
    buildArgs: {},
    target: null,
  });
  assert.notDeepEqual(a, readService({ buildType: 'docker', context: 'app' }).keyFields);
});

test('the builder enters the key: written on the service, or the build config’s default', () => {
  const buildkit = readService({ buildType: 'docker' });
  const legacy = readService({ buildType: 'docker', builder: 'legacy' });
  assert.notDeepEqual(buildkit.keyFields, legacy.keyFields);
  assert.deepEqual(readService({ buildType: 'docker', builder: 'buildkit' }).keyFields, buildkit.keyFields);
  const report = () => assert.fail('no problem expected');
  const byConfig = buildkit.configure?.({ docker: { builder: 'legacy' } }, report);
  assert.deepEqual(byConfig?.keyFields, legacy.keyFields, 'docker.builder: legacy is the default');
  const written = legacy.configure?.({ docker: { builder: 'buildkit' } }, report);
  assert.deepEqual(written?.keyFields, legacy.keyFields, 'the service’s own builder wins');
});

test('a buildpack enters the key by commit only, never by URL or credentials', () => {
  const service = readService({
    buildType: 'heroku-buildpack',
    stack: 'heroku-16',
    buildpack: 'https://user:sekrit@example.com/bp.git#main',
  });
  const fields = service.keyFields;
  assert.deepEqual(fields, { stack: 'heroku-16', context: '.' });
  assert.equal(service.extraSources['buildpack']?.url, 'https://example.com/bp.git');
  assert.ok(!JSON.stringify(fields).includes('sekrit'));
});

test('the changed inputs are named for --dry-run', () => {
  assert.deepEqual(diffBuildKeyInputs(base, structuredClone(base)), []);
  const next: BuildKeyInputs = {
    ...base,
    commit: '2'.repeat(40),
    serviceFields: { ...base.serviceFields, buildArgs: { A: '2' } },
    baseImages: { 'node:20': 'sha256:' + 'b'.repeat(64), 'busybox:1': 'x' },
    extraCommits: { buildpack: '3'.repeat(40) },
  };
  assert.deepEqual(diffBuildKeyInputs(base, next), [
    'commit',
    'serviceFields.buildArgs',
    'baseImages.busybox:1',
    'baseImages.node:20',
    'extraCommits.buildpack',
  ]);
  assert.deepEqual(diffBuildKeyInputs(base, { ...base, stepVersion: 'docker-3', buildType: 'node' }), [
    'stepVersion',
    'buildType',
  ]);
});
