import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBuild } from '../../src/builder/run-build.js';
import type { Event } from '../../src/core/events.js';
import { Redactor } from '../../src/core/redact.js';
import { buildTypes } from '../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../src/inputs/cluster-spec.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { GitRepo } from '../helpers/git-repo.js';
import {
  copyImageTo,
  FIRST_ENGINE,
  imageIdOn,
  removeImagesOn,
  requireSecondEngine,
  SECOND_ENGINE,
} from '../helpers/second-engine.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { createTestBuildpack } from '../helpers/test-buildpack.js';
import { tempDir } from '../helpers/temp-dir.js';

// heroku-buildpack images are written by the tool; only their code steps (bin/detect,
// bin/compile) need an engine, and the app is copied into and out of the step's container, so
// an engine that cannot see this machine's files (here: engine 2 over TCP) runs them too.
const base = await tempDir('tci-code-steps-');
const prefix = `tci-test-code-steps-${process.pid}/`;
let stack: TestStack;
let remote: EngineProxy;
let specDir: string;

before(async () => {
  requireSecondEngine();
  stack = makeTestStack(20, 'code-steps');
  copyImageTo(stack.build);
  copyImageTo(stack.run);
  remote = await EngineProxy.start(SECOND_ENGINE.slice('unix://'.length));
  const buildpack = createTestBuildpack(join(base, 'buildpack'));
  const service = (name: string) => {
    const repo = GitRepo.create(join(base, name), {
      Procfile: 'web: bin/greet web\n',
      greeting: `Hi ${name}`,
    });
    return `  - name: ${name}\n    kind: service\n    source: ${repo.url('main')}\n    service:\n      buildType: heroku-buildpack\n      stack: ${stack.stack}\n      buildpack: ${buildpack.url('main')}\n`;
  };
  specDir = join(base, 'spec');
  mkdirSync(specDir);
  writeFileSync(join(specDir, 'build.yml'), `repositories:\n${service('greeter-a')}${service('greeter-b')}`);
  writeFileSync(join(specDir, 'deploy.yml'), 'resources: []\n');
});
after(async () => {
  await remote?.stop();
  for (const host of [FIRST_ENGINE, SECOND_ENGINE]) {
    removeImagesOn(host, prefix);
    removeImagesOn(host, stack.build.split(':')[0] as string);
  }
});

async function build(engines: string[], dir: string) {
  const events: Event[] = [];
  const releasePath = join(base, dir, 'release.json');
  await runBuild({
    spec: await loadClusterSpec(specDir, { serviceTypes: buildTypes }),
    config: {
      docker: { repositoryPrefix: prefix, registries: {}, builder: 'buildkit' },
      images: stack.images,
      engines: [],
      secrets: {},
      sensitiveValues: [],
    },
    releasePath,
    baseDir: join(base, dir, 'base-dir'),
    push: false,
    noCache: false,
    targetServices: [],
    concurrency: 1,
    engines,
    dryRun: false,
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    redactor: new Redactor(),
    env: process.env,
  });
  const release = JSON.parse(readFileSync(releasePath, 'utf8')) as {
    build: { repositories: Array<{ name: string; service: { dockerImage: string; engine?: string } }> };
  };
  return { events, services: release.build.repositories };
}

function greet(host: string, image: string): string {
  return execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'web'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: host },
  }).trim();
}

describe('code steps of images the tool writes', () => {
  it('run on an engine reached over TCP, which sees none of the base dir', async () => {
    const { services } = await build([remote.endpoint], 'remote-only');
    for (const s of services) {
      // The only engine of this build is engine 2: the image is loaded there, not on engine 1.
      assert.ok(imageIdOn(SECOND_ENGINE, s.service.dockerImage), `${s.name} on engine 2`);
      assert.equal(imageIdOn(FIRST_ENGINE, s.service.dockerImage), undefined);
      assert.match(greet(SECOND_ENGINE, s.service.dockerImage), new RegExp(`^Hi ${s.name} from `));
    }
    assert.ok(remote.requests.some((r) => r.startsWith('PUT /') && r.includes('/archive')));
  });

  it('spread over the engines, while every image is loaded into the first one', async () => {
    const { events, services } = await build(
      [`${FIRST_ENGINE},concurrency=1`, `${remote.endpoint},concurrency=1`],
      'two-engines',
    );
    const chosen = new Set(events.flatMap((e) => (e.kind === 'engine-chosen' ? [e.engine] : [])));
    assert.deepEqual([...chosen].sort(), [FIRST_ENGINE, remote.endpoint].sort());
    for (const s of services) {
      assert.equal(s.service.engine, FIRST_ENGINE);
      assert.match(greet(FIRST_ENGINE, s.service.dockerImage), new RegExp(`^Hi ${s.name} from `));
    }
  });
});
