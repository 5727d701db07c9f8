import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBuild } from '../../src/builder/run-build.js';
import type { Event } from '../../src/core/events.js';
import { Redactor } from '../../src/core/redact.js';
import { buildTypes } from '../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../src/inputs/cluster-spec.js';
import type { BuildConfig } from '../../src/inputs/types.js';
import { ensureNodeImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { createTestBuildpack } from '../helpers/test-buildpack.js';
import { tempDir } from '../helpers/temp-dir.js';
import { removeImages } from '../helpers/remove-images.js';

// Both build types through the whole build (runBuild): images are skipped when nothing changed,
// and a new buildpack commit rebuilds the buildpack service only.
const base = await tempDir('tci-rebuild-');
const prefix = `tci-test-rebuild-${process.pid}/`;
let stack: TestStack;
let buildpack: GitRepo;
let specDir: string;

before(() => {
  ensureNodeImage();
  stack = makeTestStack(18, 'rebuild');
  buildpack = createTestBuildpack(join(base, 'buildpack'));
  const greeter = GitRepo.create(join(base, 'greeter'), {
    Procfile: 'web: bin/greet web\nworker: echo "worker sees $GREETING"\n',
    greeting: 'Hello',
  });
  const web = GitRepo.create(join(base, 'web'), {
    'package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { start: 'node server.js' } }),
    'package-lock.json': JSON.stringify({
      name: 'web',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'web', version: '1.0.0' } },
    }),
    'server.js': "console.log('web started');\n",
  });
  specDir = join(base, 'spec');
  mkdirSync(specDir);
  writeFileSync(
    join(specDir, 'build.yml'),
    [
      'repositories:',
      '  - name: greeter',
      '    kind: service',
      `    source: ${greeter.url('main')}`,
      '    service:',
      '      buildType: heroku-buildpack',
      `      stack: ${stack.stack}`,
      `      buildpack: ${buildpack.url('main')}`,
      '  - name: web',
      '    kind: service',
      `    source: ${web.url('main')}`,
      '    service: {buildType: node, node: "20"}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(specDir, 'deploy.yml'), 'resources: []\n');
});
after(() => {
  removeImages(`${prefix}*`);
  stack?.remove();
});

async function build(): Promise<{
  events: Event[];
  images: Record<string, string>;
  digests: Record<string, string>;
}> {
  const events: Event[] = [];
  const config: BuildConfig = {
    docker: { repositoryPrefix: prefix, registries: {}, builder: 'buildkit' },
    images: stack.images,
    engines: [],
    secrets: {},
    sensitiveValues: [],
  };
  const { release } = await runBuild({
    spec: await loadClusterSpec(specDir, { serviceTypes: buildTypes }),
    config,
    releasePath: join(base, 'release.json'),
    baseDir: join(base, 'base-dir'),
    push: false,
    noCache: false,
    targetServices: [],
    concurrency: 2,
    dryRun: false,
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    redactor: new Redactor(),
    env: process.env,
  });
  const repos = (
    release as {
      build: { repositories: { name: string; service: { dockerImage: string; imageDigest: string } }[] };
    }
  ).build.repositories;
  return {
    events,
    images: Object.fromEntries(repos.map((r) => [r.name, r.service.dockerImage])),
    digests: Object.fromEntries(repos.map((r) => [r.name, r.service.imageDigest])),
  };
}

function plan(events: Event[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    if (e.kind === 'plan-decided')
      out[e.service] = `${e.action}${e.changed ? ` (${e.changed.join(', ')})` : ''}`;
  }
  return out;
}

const baseExportLines = (events: Event[], service: string) =>
  events.flatMap((e) =>
    e.kind === 'log-line' && e.service === service && e.line.startsWith('base image ')
      ? [e.line.replace(/: \d+ layers/, ': N layers').replace(/\(\d+\.\d s\)/, '(S s)')]
      : [],
  );
const imageWork = (events: Event[]) => events.filter((e) => e.kind === 'step-started');
const run = (image: string, ...args: string[]) =>
  execFileSync('docker', ['run', '--rm', image, ...args], { encoding: 'utf8' });

describe('heroku-buildpack and node services in a whole build', () => {
  it('builds both, skips both when nothing changed, and rebuilds on a new buildpack commit', async () => {
    const first = await build();
    assert.deepEqual(plan(first.events), { greeter: 'build', web: 'build' });
    // node:20 is only in the daemon: its export into the base dir is announced, not a silent wait.
    assert.deepEqual(baseExportLines(first.events, 'web'), [
      'base image node:20: only in the Docker daemon, exported and compressed into the base dir once',
      'base image node:20: N layers in the base dir (S s)',
    ]);
    assert.equal(run(first.images['greeter'] as string, 'worker'), 'worker sees Hello\n');
    assert.match(
      run(first.images['web'] as string),
      /> node server.js\n\nweb started\n$/,
      'web is npm start',
    );

    const second = await build();
    assert.deepEqual(plan(second.events), { greeter: 'skip', web: 'skip' });
    assert.deepEqual(imageWork(second.events), [], 'no image work');
    assert.deepEqual(second.images, first.images);

    buildpack.commit({ version: '2\n' }, 'buildpack v2');
    const third = await build();
    assert.deepEqual(plan(third.events), { greeter: 'build (extraCommits.buildpack)', web: 'skip' });
    assert.notEqual(third.images['greeter'], first.images['greeter']);
    assert.equal(third.images['web'], first.images['web']);
    assert.match(run(third.images['greeter'] as string, 'cat', 'build-info'), /^buildpack=2$/m);
    assert.equal(
      run(third.images['greeter'] as string, 'cat', 'compile-count'),
      '2\n',
      'the cache persisted',
    );
  });

  it('loads an image the base dir holds into a daemon that lost it, with the same ID and digest', async () => {
    const before = await build();
    const greeter = before.images['greeter'] as string;
    const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', greeter], { encoding: 'utf8' });
    execFileSync('docker', ['rmi', greeter], { stdio: 'ignore' });
    const after = await build();
    assert.deepEqual(plan(after.events), { greeter: 'load', web: 'skip' });
    assert.deepEqual(after.images, before.images);
    assert.deepEqual(after.digests, before.digests);
    assert.equal(
      execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', greeter], { encoding: 'utf8' }),
      id,
    );
    assert.equal(run(greeter, 'worker'), 'worker sees Hello\n');
  });
});
